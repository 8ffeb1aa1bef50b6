#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gp.h"

extern char **environ;

int gp_run(const char *script, const char *errlog)
{
	posix_spawn_file_actions_t fa;
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return -rc;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char *argv[] = { "gnuplot", (char *)script, NULL };
	pid_t pid;
	rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return rc == ENOENT ? -ENOPKG : -rc;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	/* glibc's posix_spawnp reports a missing program through the return value,
	 * but a child that could not exec still exits 127. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOPKG;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		if (*s == '\n' || *s == '\r')
			continue;
		fputc(*s, f);
	}
	fputc('\'', f);
}

int gp_tmpname(char *buf, size_t len, const char *path)
{
	int n = snprintf(buf, len, "%s.tmp", path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int gp_commit(const char *path)
{
	char tmp[4096];
	int rc = gp_tmpname(tmp, sizeof(tmp), path);
	if (rc)
		return rc;
	return rename(tmp, path) ? -errno : 0;
}
