#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int files_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	struct stat st;
	if (stat(buf, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return access(buf, W_OK) ? -errno : 0;
}

int files_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int files_tmp_path(char *buf, size_t len, const char *path)
{
	int n = snprintf(buf, len, "%s.tmp", path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

FILE *files_create(const char *path)
{
	char tmp[PATH_MAX];
	int err = files_tmp_path(tmp, sizeof(tmp), path);
	if (err) {
		errno = -err;
		return NULL;
	}
	return fopen(tmp, "we");
}

int files_rename_tmp(const char *path)
{
	char tmp[PATH_MAX];
	int err = files_tmp_path(tmp, sizeof(tmp), path);
	if (err)
		return err;
	return rename(tmp, path) ? -errno : 0;
}

void files_discard_tmp(const char *path)
{
	char tmp[PATH_MAX];
	if (!files_tmp_path(tmp, sizeof(tmp), path))
		unlink(tmp);
}

int files_commit(FILE *f, const char *path, int err)
{
	/* fflush's errno names what went wrong (ENOSPC, EDQUOT, EIO); the stream's
	 * error flag only says that something did, earlier. */
	if (fflush(f) && !err)
		err = -errno;
	if (ferror(f) && !err)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (err) {
		files_discard_tmp(path);
		return err;
	}
	return files_rename_tmp(path);
}

void files_tail(const char *path, char *buf, size_t max)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || max < 2)
		goto out;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)(max - 1) ? size - (off_t)(max - 1) : 0;
	ssize_t n = pread(fd, buf, max - 1, from);
	if (n <= 0) {
		buf[0] = '\0';
		goto out;
	}
	buf[n] = '\0';
	/* Start at a line boundary when we cut into the middle of one. */
	if (from > 0) {
		char *nl = strchr(buf, '\n');
		if (nl)
			memmove(buf, nl + 1, strlen(nl + 1) + 1);
	}
out:
	if (fd >= 0)
		close(fd);
}
