#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "gp.h"
#include "perr.h"
#include "proc.h"

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
static int complete(const char *path)
{
	static const char iend[] = "IEND\xae\x42\x60\x82";
	char tail[64], tmp[4200];
	if (files_tmp_path(tmp, sizeof(tmp), path))
		return 0;
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

/* gnuplot's path, looked up in $PATH here, before the fork: the child may only
 * make async-signal-safe calls, and execvp is not one in every libc. */
static int find_gnuplot(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	struct stat st;
	if (!path || !path[0])
		path = "/usr/bin:/bin";
	for (const char *p = path;;) {
		size_t n = strcspn(p, ":");
		int w = snprintf(buf, len, "%.*s/gnuplot", (int)n, n ? p : ".");
		if (w > 0 && (size_t)w < len && !access(buf, X_OK) && !stat(buf, &st) &&
		    S_ISREG(st.st_mode))
			return 0;
		if (!p[n])
			return -ENOPKG;
		p += n + 1;
	}
}

/* The child, between proc_fork and exec: async-signal-safe calls only (another
 * thread of bench may have held malloc's or stdio's lock at the fork). Every fd
 * it needs was opened by the parent; it only moves them into place. An exec
 * that fails writes its errno to report_fd, which exec closes when it works. */
static void exec_gnuplot(const char *exe, char *const argv[], const int *wr, int nout,
			 const int std[3], int report_fd) __attribute__((noreturn));

static void exec_gnuplot(const char *exe, char *const argv[], const int *wr, int nout,
			 const int std[3], int report_fd)
{
	proc_child_signals(NULL); /* as proc_start gives a target */
	int err = 0;
	/* The pipe ends sit above GP_FD0 + GP_MAX_OUT, so no dup2 here lands on
	 * an fd a later one still needs; dup2 clears close-on-exec. */
	for (int i = 0; i < nout && !err; i++)
		if (dup2(wr[i], GP_FD0 + i) < 0)
			err = errno;
	for (int i = 0; i < 3 && !err; i++)
		if (dup2(std[i], i) < 0)
			err = errno;
	if (!err) {
		execv(exe, argv);
		err = errno;
	}
	if (write(report_fd, &err, sizeof(err)) < 0) {
		/* the parent then sees a child that exited 127 and said nothing */
	}
	_exit(127);
}

/* What the child reported: 0 when exec worked (the pipe closed empty), else
 * its errno. */
static int exec_result(int fd)
{
	int err = 0;
	ssize_t n;
	while ((n = read(fd, &err, sizeof(err))) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(err) ? err : 0;
}

int gp_run(const char *script, const char *errlog, const char *const *outs, int nout)
{
	struct sink k[GP_MAX_OUT];
	char exe[4096];
	int rc, wr[GP_MAX_OUT], std[3] = { -1, -1, -1 }, report[2] = { -1, -1 }, status = 0;
	FILE *tmp[GP_MAX_OUT];
	pid_t pid = -1;
	if (nout > GP_MAX_OUT)
		return -EINVAL;
	for (int i = 0; i < nout; i++) {
		k[i] = (struct sink){ -1, -1, 0 };
		wr[i] = -1;
		tmp[i] = NULL;
	}
	if ((rc = find_gnuplot(exe, sizeof(exe))))
		return rc;
	for (int i = 0; i < nout; i++) {
		int p[2];
		/* The chart goes to its temporary name (common/files), written
		 * through the fd: what stdio would buffer, drain writes whole. */
		tmp[i] = files_create(outs[i]);
		if (!tmp[i] || pipe2(p, O_CLOEXEC)) {
			rc = -errno;
			perr_set("%s: %s", outs[i], strerror(errno));
			goto out;
		}
		k[i].out = fileno(tmp[i]);
		k[i].in = p[0];
		wr[i] = fcntl(p[1], F_DUPFD_CLOEXEC, GP_FD0 + GP_MAX_OUT);
		close(p[1]);
		if (wr[i] < 0) {
			rc = -errno;
			goto out;
		}
	}
	std[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	std[1] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (std[0] < 0 || std[1] < 0 || pipe2(report, O_CLOEXEC)) {
		rc = -errno;
		goto out;
	}
	std[2] = open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (std[2] < 0) {
		rc = -errno;
		perr_set("%s: %s", errlog, strerror(errno));
		goto out;
	}
	char *argv[] = { "gnuplot", (char *)script, NULL };
	/* proc_fork: gnuplot dies with bench, like every child of it. */
	pid = proc_fork();
	if (pid == 0)
		exec_gnuplot(exe, argv, wr, nout, std, report[1]);
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	close(report[1]);
	report[1] = -1;
	for (int i = 0; i < nout; i++) { /* gnuplot holds the only write ends now */
		close(wr[i]);
		wr[i] = -1;
	}
	int err = exec_result(report[0]);
	if (err) {
		rc = err == ENOENT || err == EACCES ? -ENOPKG : -err;
		goto out;
	}
	drain(k, nout);
	if ((rc = proc_reap(pid, &status)))
		goto out;
	pid = -1;
	for (int i = 0; i < nout; i++) {
		int e = k[i].err;
		k[i].out = -1;
		if (fclose(tmp[i]) && !e)
			e = errno;
		tmp[i] = NULL;
		if (e && !rc) {
			rc = -e;
			perr_set("%s: %s", outs[i], strerror(e));
		}
	}
	if (!rc && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = -EIO;
	for (int i = 0; i < nout && !rc; i++)
		if (!complete(outs[i])) {
			rc = -EIO;
			perr_set("%s: gnuplot stopped before the end of the chart (see %s)",
				 outs[i], errlog);
		}
out:
	for (int i = 0; i < 3; i++)
		if (std[i] >= 0)
			close(std[i]);
	for (int i = 0; i < 2; i++)
		if (report[i] >= 0)
			close(report[i]);
	for (int i = 0; i < nout; i++) {
		if (wr[i] >= 0)
			close(wr[i]);
		if (k[i].in >= 0)
			close(k[i].in);
		if (tmp[i])
			fclose(tmp[i]);
		if (rc) /* nothing half drawn stays, even under a temporary name */
			files_discard_tmp(outs[i]);
	}
	if (pid > 0)
		proc_reap(pid, &status);
	return rc;
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

/* The body of a single-quoted string; with hyper, as hover text (gp_hypertext). */
static void str_body(FILE *f, const char *s, int hyper)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (hyper && *p == '\n') {
			/* Close the quote, join a newline, open again: gnuplot
			 * writes it as \n, which the script splits lines on. */
			fputs("' . \"\\n\" . '", f);
			p++;
		} else if (*p == '\'' || (hyper && (*p == '"' || *p == '\\'))) {
			/* A single quote never enters the script: gnuplot 5.4's
			 * scanner misreads its own escape, a doubled quote, right
			 * after the opening quote or after another doubled quote
			 * ('''x' is a syntax error), so a results file could stop
			 * a chart. Hover text needs more: gnuplot writes it raw
			 * into a JavaScript string inside an XML attribute,
			 * escaping only < and &: a double quote would end either,
			 * a backslash start an escape. Look-alikes (U+2019,
			 * U+201D, U+29F5) stand in. */
			fputs(*p == '\''  ? "\xe2\x80\x99"
			      : *p == '"' ? "\xe2\x80\x9d"
					  : "\xe2\xa7\xb5",
			      f);
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
}

void gp_str(FILE *f, const char *s)
{
	fputc('\'', f);
	str_body(f, s, 0);
	fputc('\'', f);
}

void gp_hypertext(FILE *f, const char *s)
{
	fputc('\'', f);
	str_body(f, s, 1);
	fputc('\'', f);
}
