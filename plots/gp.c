#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gp.h"
#include "perr.h"

extern char **environ;

/* Where gnuplot's output i is written from: fd GP_FD0 + i in its process, a
 * pipe we read. gnuplot exits 0 when its writes fail (a full disk gives a
 * truncated PNG and status 0), so the files are written here, where a failed
 * write is seen with its errno. */
#define GP_FD0 3

void gp_output(FILE *f, int i)
{
	fprintf(f, "set output '/dev/fd/%d'\n", GP_FD0 + i);
}

struct sink {
	int in;	 /* read end of the pipe, -1 at its end */
	int out; /* path.tmp */
	int err; /* the first failed write, as an errno */
};

static int write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads every pipe to its end, writing each to its file. After a write error
 * the rest is read and dropped, so gnuplot is never left blocked on a pipe. */
static void drain(struct sink *k, int n)
{
	char buf[65536];
	struct pollfd pf[GP_MAX_OUT];
	for (;;) {
		int open = 0;
		for (int i = 0; i < n; i++) {
			pf[i] = (struct pollfd){ .fd = k[i].in, .events = POLLIN };
			open += k[i].in >= 0;
		}
		if (!open)
			return;
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			for (int i = 0; i < n; i++)
				if (!k[i].err)
					k[i].err = errno;
			return;
		}
		for (int i = 0; i < n; i++) {
			if (k[i].in < 0 || !pf[i].revents)
				continue;
			ssize_t r = read(k[i].in, buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				if (r < 0 && !k[i].err)
					k[i].err = errno;
				close(k[i].in);
				k[i].in = -1;
				continue;
			}
			if (!k[i].err)
				k[i].err = write_all(k[i].out, buf, (size_t)r);
		}
	}
}

/* A chart gnuplot finished: a PNG ends with its IEND chunk, an SVG with its
 * closing tag. Anything else stopped half way. */
static int complete(const char *tmp, const char *path)
{
	static const char iend[] = "IEND\xae\x42\x60\x82";
	char tail[64];
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(tail) ? end - (off_t)sizeof(tail) : 0;
	ssize_t n = end > 0 ? pread(fd, tail, sizeof(tail), from) : 0;
	close(fd);
	if (n <= 0)
		return 0;
	size_t len = strlen(path);
	if (len > 4 && !strcmp(path + len - 4, ".png"))
		return n >= 8 && !memcmp(tail + n - 8, iend, 8);
	while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == ' ' || tail[n - 1] == '\r'))
		n--;
	return n >= 6 && !memcmp(tail + n - 6, "</svg>", 6);
}

int gp_run(const char *script, const char *errlog, const char *const *outs, int nout)
{
	struct sink k[GP_MAX_OUT];
	char tmp[GP_MAX_OUT][4200];
	posix_spawn_file_actions_t fa;
	int rc, wr[GP_MAX_OUT], status = 0;
	pid_t pid = -1;
	if (nout > GP_MAX_OUT)
		return -EINVAL;
	for (int i = 0; i < nout; i++) {
		k[i] = (struct sink){ -1, -1, 0 };
		wr[i] = -1;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)))
		return -rc;
	for (int i = 0; i < nout; i++) {
		int p[2];
		if ((rc = gp_tmpname(tmp[i], sizeof(tmp[i]), outs[i])))
			goto out;
		k[i].out = open(tmp[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (k[i].out < 0 || pipe2(p, O_CLOEXEC)) {
			rc = -errno;
			perr_set("%s: %s", tmp[i], strerror(errno));
			goto out;
		}
		k[i].in = p[0];
		/* Above every fd the child is given, so that no dup2 below lands
		 * on a pipe end that a later dup2 still needs. */
		wr[i] = fcntl(p[1], F_DUPFD_CLOEXEC, GP_FD0 + GP_MAX_OUT);
		close(p[1]);
		if (wr[i] < 0) {
			rc = -errno;
			goto out;
		}
		posix_spawn_file_actions_adddup2(&fa, wr[i], GP_FD0 + i);
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char *argv[] = { "gnuplot", (char *)script, NULL };
	rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	if (rc) {
		pid = -1;
		rc = rc == ENOENT ? -ENOPKG : -rc;
		goto out;
	}
	for (int i = 0; i < nout; i++) { /* gnuplot holds the only write ends now */
		close(wr[i]);
		wr[i] = -1;
	}
	drain(k, nout);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			rc = -errno;
			goto out;
		}
	pid = -1;
	/* glibc's posix_spawnp reports a missing program through the return value,
	 * but a child that could not exec still exits 127. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		rc = -ENOPKG;
		goto out;
	}
	for (int i = 0; i < nout && !rc; i++) {
		int e = k[i].err;
		if (!e && close(k[i].out))
			e = errno;
		k[i].out = -1;
		if (e) {
			rc = -e;
			perr_set("%s: %s", outs[i], strerror(e));
		}
	}
	if (!rc && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = -EIO;
	for (int i = 0; i < nout && !rc; i++)
		if (!complete(tmp[i], outs[i])) {
			rc = -EIO;
			perr_set("%s: gnuplot stopped before the end of the chart (see %s)",
				 outs[i], errlog);
		}
out:
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < nout; i++) {
		if (wr[i] >= 0)
			close(wr[i]);
		if (k[i].in >= 0)
			close(k[i].in);
		if (k[i].out >= 0)
			close(k[i].out);
		if (rc) /* nothing half drawn stays, even under a temporary name */
			unlink(tmp[i]);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return rc;
}

/* The FILE of gp_fopen: writes through write(2) and keeps the first errno, which
 * stdio's error flag forgets. */
struct wfile {
	int fd;
	int err;
};

static ssize_t wf_write(void *c, const char *b, size_t n)
{
	struct wfile *w = c;
	int e = w->err ? w->err : write_all(w->fd, b, n);
	if (e) {
		w->err = e;
		errno = e;
		return -1;
	}
	return (ssize_t)n;
}

/* fclose's errno: the first failed write's, else close's own. */
static int wf_close(void *c)
{
	struct wfile *w = c;
	int e = w->err;
	if (close(w->fd) && !e)
		e = errno;
	free(w);
	errno = e;
	return e ? -1 : 0;
}

FILE *gp_fopen(const char *path)
{
	struct wfile *w = malloc(sizeof(*w));
	if (!w)
		return NULL;
	w->err = 0;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		int e = errno;
		free(w);
		perr_set("%s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	FILE *f =
	    fopencookie(w, "w", (cookie_io_functions_t){ .write = wf_write, .close = wf_close });
	if (!f) {
		int e = errno;
		close(w->fd);
		free(w);
		errno = e;
	}
	return f;
}

int gp_fclose(FILE *f, const char *path)
{
	if (!fclose(f))
		return 0;
	int e = errno ? errno : EIO;
	perr_set("%s: %s", path, strerror(e));
	return -e;
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
	if (!rename(tmp, path))
		return 0;
	rc = -errno;
	perr_set("%s: %s", path, strerror(-rc));
	unlink(tmp);
	return rc;
}
