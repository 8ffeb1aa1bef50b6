/* The blocking model: one thread does everything, in order.
 *
 * It accepts a connection, serves every request on it to the end (reading,
 * running the handler, writing), closes it, and only then accepts the next. While
 * a handler sleeps, the whole server sleeps: N requests of one second on N
 * connections take N seconds, whatever the endpoint. The idle timeout bounds how
 * long one silent or trickling client can hold everyone else back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server.h"
#include "session.h"

int main(int argc, char **argv)
{
	struct server_opts o;
	server_parse_opts(argc, argv, "blocking", &o);
	server_signals();
	int lfd = server_listen(&o, o.port, 0);
	if (lfd < 0) {
		fprintf(stderr, "target-blocking: cannot listen on %s:%d: %s\n", o.bind, o.port,
			strerror(-lfd));
		return 1;
	}
	server_ready(&o, server_port(lfd));

	while (server_wait_accept(lfd) == 0) {
		int fd = server_accept(lfd, 0);
		if (fd < 0)
			continue; /* -EAGAIN: another wakeup; -EMFILE: shed, go on */
		session_serve_blocking(fd, o.idle_ms);
	}
	log_server("stopping");
	close(lfd);
	return 0;
}
