#!/usr/bin/env bash
# The load generator at many connections: is its cost per request flat, and does
# C10K measure the server? Against target-epoll's /async?ms=N (the server holds each
# request N ms on a loop timer and costs almost nothing), so what grows is ours.
#
#   scripts/bench-c10k.sh [callgrind|scaling|c10k|all]      (default all)
#
#   callgrind  user-space instructions of `bench load -n REQS` at 250 and 2000
#              connections (valgrind --tool=callgrind; counts do not drift with the
#              machine's load), the top functions of each by their own instructions,
#              and instructions per request side by side: a function whose share
#              grows walks something as long as the connections.
#   scaling    user CPU per request (/usr/bin/time of the generator: user seconds /
#              requests it made, warmup included) at 250, 1000, 4000 and 10,000
#              connections, /async?ms=1000, and the generator's peak RSS; the ratio
#              to 250 connections must stay within 2x; memory per connection is the
#              RSS growth from 250 to 10,000 over the 9,750 connections added.
#   c10k       10,000 connections x /async?ms=1000, generator and target pinned to
#              separate CPUs (taskset), a warmup that leaves the connect phase out:
#              wants >= 9000 req/s and p99 <= 1.3 s, and prints the target's CPU.
#
# Environment: BENCH, TARGET (binaries; default build/bin/bench, target-epoll; an
# older BENCH gives the "before" side of a comparison),
# GEN_CPU and TARGET_CPU (default 1 and 0), DUR and WARMUP (c10k: 20s, 3s;
# scaling: 8s, 2s), REQS (callgrind: 20000).
#
# Assumes: root or a hard RLIMIT_NOFILE of at least 20,000 (the shell raises its soft
# limit for both processes); net.core.somaxconn >= 4096 and tcp_max_syn_backlog >=
# 2048 (Debian's defaults; printed below): the generator's connect ramp (10,000 a
# second) keeps the listen queue short of either. On a busy machine the figures are
# noisy (the callgrind counts are not): rerun on a quiet one before quoting them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-all}
bench=${BENCH:-$root/build/bin/bench}
target=${TARGET:-$root/build/bin/target-epoll}
gen_cpu=${GEN_CPU:-1}
target_cpu=${TARGET_CPU:-0}
case $mode in callgrind | scaling | c10k | all) ;; *)
  echo "usage: scripts/bench-c10k.sh [callgrind|scaling|c10k|all]" >&2
  exit 2
  ;;
esac

tools=(/usr/bin/time taskset python3)
[[ $mode == callgrind || $mode == all ]] && tools+=(valgrind callgrind_annotate)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "bench-c10k: $tool is missing (scripts/deps.sh)" >&2; exit 1; }
done
for b in "$bench" "$target"; do
  [[ -x $b ]] || { echo "bench-c10k: $b not built (run ./bench --help first)" >&2; exit 1; }
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= 20000)) || { echo "bench-c10k: RLIMIT_NOFILE $(ulimit -n) < 20000 (needs root or a higher hard limit)" >&2; exit 1; }

# An older bench (BENCH=..., to compare before and after) has no --connect-rate.
norate=()
"$bench" load --help 2>&1 | grep -q -- --connect-rate && norate=(--connect-rate 0)

tmp=$(mktemp -d)
tpid=
cleanup() {
  [[ -n $tpid ]] && kill "$tpid" 2>/dev/null && wait "$tpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "somaxconn $(sysctl -n net.core.somaxconn), tcp_max_syn_backlog $(sysctl -n net.ipv4.tcp_max_syn_backlog)," \
  "nofile $(ulimit -n)"

# target-epoll on its own CPU, on a free port it reports through --ready-fd.
start_target() {
  : >"$tmp/port"
  taskset -c "$target_cpu" "$target" --port 0 --ready-fd 3 --idle-timeout 60000 3>"$tmp/port" 2>"$tmp/target.err" &
  tpid=$!
  for _ in $(seq 100); do
    [[ -s $tmp/port ]] && break
    sleep 0.05
  done
  port=$(tr -dc 0-9 <"$tmp/port")
  [[ -n $port ]] || { echo "bench-c10k: target did not start: $(cat "$tmp/target.err")" >&2; exit 1; }
}
target_cpu_s() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$tpid/stat"; }

# One field of a --json summary: a path of keys.
jget() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v=v[k]
print(v)' "$@"; }

start_target
echo "target-epoll pid $tpid on CPU $target_cpu, port $port; generator on CPU $gen_cpu"
echo

if [[ $mode == callgrind || $mode == all ]]; then
  reqs=${REQS:-20000}
  url="http://127.0.0.1:$port/async?ms=100"
  echo "== callgrind: bench load $url -n $reqs --connect-rate 0, at 250 and 2000 connections"
  declare -A total
  for c in 250 2000; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$c" \
      "$bench" load "$url" -c "$c" -n "$reqs" "${norate[@]}" -q >"$tmp/cg.$c.out" 2>"$tmp/cg.$c.err"
    total[$c]=$(callgrind_annotate "$tmp/cg.$c" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    echo "-- $c connections: $(awk -v t="${total[$c]}" -v n="$reqs" 'BEGIN { printf "%.0f", t / n }') instructions per request; top functions by own instructions:"
    # The whole listing, then the top: awk quitting early would SIGPIPE the
    # annotator, and pipefail would end the script.
    callgrind_annotate --inclusive=no "$tmp/cg.$c" >"$tmp/cg.$c.txt" 2>/dev/null
    awk '/file:function/ { on = 1; getline; next } on && NF && k < 6 { print "   " $0; k++ }' "$tmp/cg.$c.txt"
  done
  awk -v a="${total[250]}" -v b="${total[2000]}" 'BEGIN { printf "ratio 2000/250 connections, instructions per request: %.2f\n\n", b / a }'
fi

if [[ $mode == scaling || $mode == all ]]; then
  dur=${DUR:-8s} warm=${WARMUP:-2s}
  url="http://127.0.0.1:$port/async?ms=1000"
  echo "== scaling: bench load $url -c C -d $dur --warmup $warm (one thread, CPU $gen_cpu)"
  printf '%-12s %10s %10s %12s %10s %10s %12s\n' connections requests "user s" "user us/req" ratio "RSS MiB" "connect"
  base= rss250=
  for c in 250 1000 4000 10000; do
    /usr/bin/time -f '%U %S %M' -o "$tmp/time.$c" taskset -c "$gen_cpu" \
      "$bench" load "$url" -c "$c" -d "$dur" --warmup "$warm" -q --json "$tmp/s.$c.json" >"$tmp/s.$c.out"
    n=$(($(jget "$tmp/s.$c.json" requests completed) + $(jget "$tmp/s.$c.json" requests warmup)))
    read -r user _ rss <"$tmp/time.$c"
    us=$(awk -v u="$user" -v n="$n" 'BEGIN { printf "%.1f", u * 1e6 / n }')
    base=${base:-$us}
    rss250=${rss250:-$rss}
    phase=$(awk '/connect phase:/ { print $5 " " $6 }' "$tmp/s.$c.out" | tr -d ,)
    printf '%-12s %10s %10s %12s %10s %10.1f %12s\n' "$c" "$n" "$user" "$us" \
      "$(awk -v a="$us" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$phase"
    last_us=$us last_rss=$rss
  done
  awk -v a="$last_us" -v b="$base" 'BEGIN { printf "ratio user CPU per request, 10000/250 connections: %.2f (flat within 2x: %s)\n", a / b, (a / b <= 2 ? "yes" : "NO") }'
  awk -v a="$last_rss" -v b="$rss250" 'BEGIN { printf "generator memory per connection: %.1f KiB (peak RSS %.0f -> %.0f MiB, 250 -> 10000 connections)\n", (a - b) / 9750, b / 1024, a / 1024 }'
  # -t 2: the same 10,000 connections over two loops (unpinned: every CPU).
  /usr/bin/time -f '%U %S %M' -o "$tmp/time.t2" \
    "$bench" load "$url" -c 10000 -t 2 -d "$dur" --warmup "$warm" -q --json "$tmp/s.t2.json" >"$tmp/s.t2.out"
  n=$(($(jget "$tmp/s.t2.json" requests completed) + $(jget "$tmp/s.t2.json" requests warmup)))
  read -r user _ _ <"$tmp/time.t2"
  awk -v u="$user" -v n="$n" -v b="$last_us" 'BEGIN { printf "-t 2 at 10000 connections: %d requests, %.1f us user per request (ratio to -t 1: %.2f)\n\n", n, u * 1e6 / n, u * 1e6 / n / b }'
fi

if [[ $mode == c10k || $mode == all ]]; then
  dur=${DUR:-20s} warm=${WARMUP:-3s}
  url="http://127.0.0.1:$port/async?ms=1000"
  echo "== c10k: bench load $url -c 10000 -d $dur --warmup $warm (generator on CPU $gen_cpu, target on CPU $target_cpu)"
  t0=$(target_cpu_s)
  /usr/bin/time -f '%U %S %M %e' -o "$tmp/time.c10k" taskset -c "$gen_cpu" \
    "$bench" load "$url" -c 10000 -d "$dur" --warmup "$warm" -q --json "$tmp/c10k.json" >"$tmp/c10k.out" || true
  t1=$(target_cpu_s)
  cat "$tmp/c10k.out"
  read -r user sys rss wall <"$tmp/time.c10k"
  rps=$(jget "$tmp/c10k.json" throughput requests_per_s)
  p99=$(jget "$tmp/c10k.json" latency corrected p99_ns)
  echo "generator: ${user}s user + ${sys}s sys in ${wall}s, peak RSS $((rss / 1024)) MiB; target: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s CPU"
  awk -v r="$rps" -v p="$p99" 'BEGIN {
    printf "C10K: %.0f req/s (want >= 9000: %s), p99 %.3f s (want <= 1.3: %s)\n", r, (r >= 9000 ? "yes" : "NO"), p / 1e9, (p <= 1.3e9 ? "yes" : "NO") }'
fi
