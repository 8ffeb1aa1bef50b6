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
#
# Then each tool's own cost per request, which the noise of a shared machine
# does not move: user-space instructions (valgrind --tool=callgrind, split into
# the tool's own code, libcurl, libc and other libraries) and syscalls
# (strace -c -f), each as the difference of two runs of one tool against the same
# nginx divided by the difference in requests, so start-up and connection set-up
# drop out (scripts/gencost.py does the arithmetic). bench load runs -n CONNECTIONS
# and -n COST_REQUESTS (default 20000); wrk, which only runs for a duration, runs
# 1s and 4s and its request counts are read from its output. COST_REQUESTS=0
# skips this part (under a minute on 2 cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dur=${1:-5s}
conns=${2:-64}
rounds=${3:-1}
bench=${BENCH:-$root/build/bin/bench}
cost_n=${COST_REQUESTS:-20000}

tools=(wrk nginx /usr/bin/time python3)
((cost_n > 0)) && tools+=(valgrind strace)
for tool in "${tools[@]}"; do
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

((cost_n > 0)) || exit 0
echo
# One run of "$@" under callgrind and one under strace, into $tmp/$tool/{cg,st}.$which.
# The two are separate runs: strace would otherwise count valgrind's own syscalls.
cost_run() {
  local tool=$1 which=$2
  shift 2
  mkdir -p "$tmp/$tool"
  valgrind --tool=callgrind --callgrind-out-file="$tmp/$tool/cg.$which" "$@" \
    >"$tmp/$tool/cg.$which.out" 2>"$tmp/$tool/cg.$which.err"
  strace -c -f -o "$tmp/$tool/st.$which" "$@" >"$tmp/$tool/st.$which.out" 2>/dev/null
}
requests() { field "$1" 's/^ *\([0-9]*\) requests in.*/\1/p'; }

cost_run bench base "$bench" load "$url" -t1 -c"$conns" -n"$conns" -q
cost_run bench full "$bench" load "$url" -t1 -c"$conns" -n"$cost_n" -q
cost_run wrk base wrk -t1 -c"$conns" -d1s "$url"
cost_run wrk full wrk -t1 -c"$conns" -d4s "$url"
# callgrind and strace runs of wrk make different request counts: the two
# differences are taken separately, so each file pair is scaled by its own count.
declare -A wn
for run in cg.base cg.full st.base st.full; do
  wn[$run]=$(requests "$tmp/wrk/$run.out")
  [[ -n ${wn[$run]} ]] || { echo "bench-load: no request count in wrk's output ($run)" >&2; exit 1; }
done
python3 "$root/scripts/gencost.py" \
  "bench-load=$bench:$conns:$cost_n:$tmp/bench" \
  "wrk=$(command -v wrk):${wn[cg.base]}:${wn[cg.full]}:$tmp/wrk:${wn[st.base]}:${wn[st.full]}"
