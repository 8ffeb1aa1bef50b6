#!/usr/bin/python3
"""target-fastapi: app.py under uvicorn, with the same command line as the C
targets (--bind, --port, --ready-fd, --verbose, --idle-timeout; no model
knob), so the harness starts, waits for
and traces it exactly like the others. Debian's python3 on purpose: the packages
python3-fastapi and python3-uvicorn are installed for it."""

import argparse
import os
import re
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))


# --idle-timeout as the C targets read it (common/target_opts.c, over
# common/duration.c): a bare number is milliseconds, else a duration written
# "250ms", "2.5s", "1m30s" (units from large to small, each once), from 1 ms to 1 h.
UNITS = {"h": 3600e3, "m": 60e3, "s": 1e3, "ms": 1.0, "us": 1e-3, "ns": 1e-6}
ORDER = ["h", "m", "s", "ms", "us", "ns"]
DURATION = re.compile(r"(\d+\.?\d*|\.\d+)(ms|us|ns|h|m|s)")


def idle_ms(text):
    bad = argparse.ArgumentTypeError(f"'{text}' is not a duration from 1ms to 1h")
    if re.fullmatch(r"\d+\.?\d*|\.\d+", text):
        ms = float(text)
    else:
        ms, pos, last = 0.0, 0, -1
        while pos < len(text):
            m = DURATION.match(text, pos)
            if not m or ORDER.index(m.group(2)) <= last:
                raise bad
            last = ORDER.index(m.group(2))
            ms += float(m.group(1)) * UNITS[m.group(2)]
            pos = m.end()
        if pos == 0:
            raise bad
    if not 1 <= ms <= 3600e3:
        raise bad
    return int(ms)


def main():
    p = argparse.ArgumentParser(prog="target-fastapi")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--ready-fd", type=int, default=-1)
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--idle-timeout", type=idle_ms, default=10000, metavar="D",
                   help="close a kept-alive connection idle for D (default 10s); a bare "
                   "number is milliseconds. It is uvicorn's keep-alive timeout, "
                   "in whole seconds, at least 1")
    args = p.parse_args()  # a bad flag: usage and exit 2, like the C targets
    if not 0 <= args.port <= 65535:
        p.error("bad value for --port")
    if args.verbose:
        os.environ["ASYNCSCOPE_VERBOSE"] = "1"

    import uvicorn  # after the flags: --help stays fast

    class QuietServer(uvicorn.Server):
        def install_signal_handlers(self):
            pass  # ours are installed already

    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.bind, args.port))
    except OSError as e:
        print(f"target-fastapi: cannot listen on {args.bind}:{args.port}: {e.strerror}",
              file=sys.stderr)
        return 1
    sock.listen(4096)
    port = sock.getsockname()[1]

    config = uvicorn.Config("app:app", log_level="warning" if not args.verbose else "info",
                            access_log=False, timeout_keep_alive=max(1, args.idle_timeout // 1000),
                            lifespan="off", loop="asyncio", http="h11")
    server = QuietServer(config)
    # SIGINT/SIGTERM: uvicorn's graceful shutdown, exit 0. Installed here, before the
    # port is announced, rather than by uvicorn once its loop runs: a harness may
    # signal as soon as it knows the port.
    def stop(signum, frame):
        server.should_exit = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if args.ready_fd >= 0:
        os.write(args.ready_fd, f"{port}\n".encode())
        os.close(args.ready_fd)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
