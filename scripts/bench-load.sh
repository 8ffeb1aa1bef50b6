#!/usr/bin/env bash
# bench load against wrk, side by side, on the same nginx in the same run.
#
#   scripts/bench-load.sh [DURATION] [CONNECTIONS] [ROUNDS]     (default 5s 64 1)
#
# nginx (one worker, config in a temp dir, a free high port, stopped on exit)
# serves a 14-byte static response. Each round runs `wrk -t1 -cC -dD` and then
# `bench load -t1 -cC -dD`, and prints both tools' requests per second, the ratio,
# and each tool's own CPU time (user + system, from /usr/bin/time) per 100k
# requests. BENCH=path picks the bench binary (default build/bin/bench).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dur=${1:-5s}
conns=${2:-64}
rounds=${3:-1}
bench=${BENCH:-$root/build/bin/bench}

for tool in wrk nginx /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench-load: $tool is missing (scripts/deps.sh)" >&2; exit 1; }
done
[[ -x $bench ]] || { echo "bench-load: $bench not built (run ./bench --help first)" >&2; exit 1; }

tmp=$(mktemp -d)
nginx_pid=
cleanup() {
  if [[ -n $nginx_pid ]]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp;
  proxy_temp_path $tmp;
  fastcgi_temp_path $tmp;
  uwsgi_temp_path $tmp;
  scgi_temp_path $tmp;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 "Hello, World!\n"; }
  }
}
CONF
nginx -c "$tmp/nginx.conf" -p "$tmp" &
nginx_pid=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.1
done
url="http://127.0.0.1:$port/"

# "N requests in" and "Requests/sec: X" are printed by both tools.
field() { sed -n "$2" "$1" | head -1; }

printf '%-6s %-10s %12s %12s %14s\n' round tool requests req/s "cpu s/100k"
for r in $(seq "$rounds"); do
  /usr/bin/time -f '%U %S' -o "$tmp/wrk.time" wrk -t1 -c"$conns" -d"$dur" "$url" >"$tmp/wrk.out"
  /usr/bin/time -f '%U %S' -o "$tmp/bench.time" "$bench" load "$url" -t1 -c"$conns" -d"$dur" -q >"$tmp/bench.out"
  for tool in wrk bench; do
    n=$(field "$tmp/$tool.out" 's/^ *\([0-9]*\) requests in.*/\1/p')
    rps=$(field "$tmp/$tool.out" 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
    cpu=$(awk -v n="$n" '{ printf "%.3f", ($1 + $2) / n * 100000 }' "$tmp/$tool.time")
    printf '%-6s %-10s %12s %12s %14s\n' "$r" "$tool" "$n" "$rps" "$cpu"
    eval "${tool}_rps=$rps"
  done
  awk -v a="$bench_rps" -v b="$wrk_rps" 'BEGIN { printf "%-6s ratio bench/wrk: %.2f\n", "", a / b }'
done
