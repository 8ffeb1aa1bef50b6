#!/usr/bin/env bash
# bench load against wrk, side by side, on the same nginx in the same run.
#
#   scripts/bench-load.sh [DURATION] [CONNECTIONS] [ROUNDS]     (default 5s 64 1)
#
# nginx (one worker, config in a temp dir, a free high port, stopped on exit)
# serves a 13-byte static response (scripts/nginx-ref.sh). Each round runs `wrk -t1 -cC -dD` and then
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

source "$root/scripts/nginx-ref.sh"
tmp=$(mktemp -d)
cleanup() {
  nginx_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nginx_start "$tmp"
url="http://127.0.0.1:$nginx_port/"

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
