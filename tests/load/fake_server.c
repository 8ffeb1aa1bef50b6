#include "fake_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn_arg {
	struct fake_server *s;
	int fd;
};

static int listen_any(int *port, int do_listen)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (do_listen && listen(fd, 128) < 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

int fake_closed_port(void)
{
	int port = 0;
	int fd = listen_any(&port, 0);
	if (fd < 0)
		return fd;
	close(fd);
	return port;
}

/* Reads one request head into buf; its length, 0 on EOF, -1 on error or stop. */
static int read_head(struct fake_server *s, int fd, char *buf, size_t cap)
{
	size_t got = 0;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n <= 0)
			return n == 0 && got == 0 ? 0 : -1;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return (int)got;
		if (got == cap - 1)
			return -1;
	}
	return -1;
}

/* "00-<trace-id>-<parent-id>-<flags>", the parent-id the request id in hex:
 * FAKE_TP_SAMPLED or _UNSAMPLED, or FAKE_TP_BAD. Called with the lock held. */
static int note_traceparent(struct fake_server *s, const char *v, unsigned long id)
{
	char trace[33], parent[17], flags[3], end;
	if (sscanf(v, "00-%32[0-9a-f]-%16[0-9a-f]-%2[0-9a-f]%c", trace, parent, flags, &end) != 4 ||
	    end != '\r' || strlen(trace) != 32 || strlen(parent) != 16 || strlen(flags) != 2 ||
	    strtoull(parent, NULL, 16) != id || strspn(trace, "0") == 32)
		return FAKE_TP_BAD;
	if (!s->trace_id[0])
		memcpy(s->trace_id, trace, sizeof(trace));
	else if (strcmp(s->trace_id, trace))
		s->trace_ids++;
	return !strcmp(flags, "01")   ? FAKE_TP_SAMPLED
	       : !strcmp(flags, "00") ? FAKE_TP_UNSAMPLED
				      : FAKE_TP_BAD;
}

static void note_id(struct fake_server *s, const char *head)
{
	const char *h = strcasestr(head, "\r\nX-Request-Id: ");
	const char *tp = strcasestr(head, "\r\ntraceparent: ");
	pthread_mutex_lock(&s->lock);
	s->requests++;
	if (!h) {
		s->no_id++;
	} else {
		unsigned long id = strtoul(h + 16, NULL, 10);
		if (id < FAKE_MAX_IDS) {
			s->seen[id]++;
			if (tp)
				s->tp[id] = (unsigned char)note_traceparent(s, tp + 15, id);
		} else {
			s->no_id++;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

static void write_str(int fd, const char *str)
{
	ssize_t n = write(fd, str, strlen(str));
	(void)n;
}

/* The head of a response that promises more than any test will read. */
#define ENDLESS_HEAD "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"

/* Sends n bytes, waiting for room at most 50 ms at a time so a stop is seen.
 * MSG_NOSIGNAL: the client hanging up is the expected end, not a SIGPIPE. 0 when
 * all went, -1 when the peer is gone or the server stops. */
static int send_all(struct fake_server *s, int fd, const char *p, size_t n)
{
	while (n) {
		if (atomic_load(&s->stop))
			return -1;
		struct pollfd pf = {.fd = fd, .events = POLLOUT};
		if (poll(&pf, 1, 50) <= 0)
			continue;
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void stream_body(struct fake_server *s, int fd, int trickle)
{
	static const char chunk[65536];
	if (send_all(s, fd, ENDLESS_HEAD, strlen(ENDLESS_HEAD)))
		return;
	while (!atomic_load(&s->stop)) {
		if (trickle) {
			struct timespec d = {0, 100 * 1000000};
			nanosleep(&d, NULL);
		}
		if (send_all(s, fd, chunk, trickle ? 1 : sizeof(chunk)))
			return;
	}
}

static void *serve(void *arg)
{
	struct conn_arg *ca = arg;
	struct fake_server *s = ca->s;
	int fd = ca->fd;
	free(ca);
	char buf[4096];
	switch (s->mode) {
	case FAKE_OK:
		while (read_head(s, fd, buf, sizeof(buf)) > 0) {
			note_id(s, buf);
			write_str(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
		}
		break;
	case FAKE_HANG:
		/* Read whatever comes and sit on it until the client gives up. */
		while (read_head(s, fd, buf, sizeof(buf)) > 0)
			;
		break;
	case FAKE_GARBAGE:
		if (read_head(s, fd, buf, sizeof(buf)) > 0)
			write_str(fd, "SSH-2.0-OpenSSH_9.2 this is not http\r\n\r\n");
		break;
	case FAKE_CLOSE_EARLY:
		if (read_head(s, fd, buf, sizeof(buf)) > 0)
			write_str(fd,
				  "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a little");
		break;
	case FAKE_SLAM: break;
	case FAKE_ENDLESS:
	case FAKE_TRICKLE:
		if (read_head(s, fd, buf, sizeof(buf)) > 0)
			stream_body(s, fd, s->mode == FAKE_TRICKLE);
		break;
	}
	close(fd);
	return NULL;
}

static void *acceptor(void *arg)
{
	struct fake_server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {.fd = s->lfd, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		struct conn_arg *ca = malloc(sizeof(*ca));
		if (!ca || s->nconns == FAKE_MAX_CONNS) {
			free(ca);
			close(fd);
			continue;
		}
		ca->s = s;
		ca->fd = fd;
		if (pthread_create(&s->conns[s->nconns], NULL, serve, ca) == 0)
			s->nconns++;
		else {
			free(ca);
			close(fd);
		}
	}
	return NULL;
}

int fake_start(struct fake_server *s, enum fake_mode mode)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	pthread_mutex_init(&s->lock, NULL);
	s->lfd = listen_any(&s->port, 1);
	if (s->lfd < 0)
		return s->lfd;
	int err = pthread_create(&s->thread, NULL, acceptor, s);
	if (err) {
		close(s->lfd);
		return -err;
	}
	return 0;
}

void fake_stop(struct fake_server *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->thread, NULL);
	for (int i = 0; i < s->nconns; i++)
		pthread_join(s->conns[i], NULL);
	close(s->lfd);
	pthread_mutex_destroy(&s->lock);
}

int fake_mode_parse(const char *name)
{
	static const char *const names[] = {
	    [FAKE_OK] = "ok",		    [FAKE_HANG] = "hang", [FAKE_GARBAGE] = "garbage",
	    [FAKE_CLOSE_EARLY] = "close_early", [FAKE_SLAM] = "slam", [FAKE_ENDLESS] = "endless",
	    [FAKE_TRICKLE] = "trickle",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}
