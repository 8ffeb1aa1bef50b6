#include "records.h"
#include "schema.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The longest row: ten 20-digit numbers, an error name (32 at most), the sampled
 * digit, separators: 246 bytes. */
#define REC_ROW_MAX 256

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int rec_open(const char *path)
{
	int fd;
	if (!strcmp(path, "-"))
		fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	char head[256];
	int n = schema_csv_header(head, sizeof(head), &schema_requests);
	int err = n < 0 ? n : write_all(fd, head, (size_t)n);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int rec_writer_init(struct rec_writer *w, int fd, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	if (!cap) {
		struct stat st;
		cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 65536 : PIPE_BUF;
	}
	if (cap < REC_ROW_MAX)
		cap = REC_ROW_MAX;
	w->buf = malloc(cap);
	if (!w->buf)
		return -ENOMEM;
	w->cap = cap;
	return 0;
}

int rec_flush(struct rec_writer *w)
{
	if (w->len && !w->err)
		w->err = write_all(w->fd, w->buf, w->len);
	w->len = 0;
	return w->err;
}

/* Decimal without printf: the writer runs once per request on the load
 * generator's threads. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_field(char *p, uint64_t v)
{
	if (v != REC_NONE)
		p = put_u64(p, v);
	*p++ = ',';
	return p;
}

int rec_write(struct rec_writer *w, const struct rec_row *r)
{
	if (w->err)
		return w->err;
	if (w->cap - w->len < REC_ROW_MAX && rec_flush(w))
		return w->err;
	char *p = w->buf + w->len;
	p = put_field(p, r->id);
	p = put_field(p, r->thread);
	p = put_field(p, r->conn);
	p = put_field(p, r->t_intended);
	p = put_field(p, r->t_start);
	p = put_field(p, r->t_connected);
	p = put_field(p, r->t_first_byte);
	p = put_field(p, r->t_end);
	p = put_field(p, r->status);
	p = put_field(p, r->bytes);
	/* Error names are ours and short; the bound keeps a row under REC_ROW_MAX. */
	size_t el = r->error ? strnlen(r->error, 32) : 0;
	if (el) {
		memcpy(p, r->error, el);
		p += el;
	}
	*p++ = ',';
	*p++ = r->sampled ? '1' : '0';
	*p++ = '\n';
	w->len = (size_t)(p - w->buf);
	return 0;
}

int rec_writer_close(struct rec_writer *w)
{
	int err = rec_flush(w);
	free(w->buf);
	w->buf = NULL;
	w->cap = 0;
	return err;
}
