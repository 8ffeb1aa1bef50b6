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

/* Length of the valid UTF-8 sequence at s, or 0: overlong forms, surrogates and
 * code points past U+10FFFF count as invalid, as an XML reader would see them. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!n || s[0] > 0xf4)
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void gp_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('\'', f);
	while (*p) {
		if (*p == '\'') {
			fputs("''", f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			/* A newline would end the command; other control bytes are
			 * not text and make the SVG ill-formed XML. */
			fputc(' ', f);
			p++;
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else {
			int n = utf8_len(p);
			if (n)
				fwrite(p, 1, (size_t)n, f);
			else
				fputc('?', f);
			p += n ? n : 1;
		}
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
