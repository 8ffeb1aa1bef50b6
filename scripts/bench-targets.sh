#!/usr/bin/env bash
# /hello throughput and server CPU per request of every target next to nginx (one
# worker), then the 1000-connection io-bound cell of epoll and uring, all in one
# run on this machine, with ratios. A benchmark, not a test: it prints numbers.
#   scripts/bench-targets.sh [SECONDS] [CONNECTIONS] [ROUNDS]     (5, 64, 3)
#
# Throughput: every server is started once, pinned to the last CPU (taskset); wrk
# (one thread) runs pinned to CPU 0. The rounds are interleaved (round 1 runs
# every server once, then round 2 ...), in an order rotated each round, so that a
# burst of other load on the machine falls on all servers alike rather than on
# whoever ran during it; each figure is the median over the rounds. Server CPU is
# utime+stime of the server's processes (nginx: master and worker) over the wrk
# run, from /proc, divided by the requests wrk counted: what one request costs the
# server, which a busy machine disturbs less than req/s.
#
# io-bound: bench all's io-bound cell at 1000 connections (bench run TARGET
# '/async?ms=50' -c 1000 -d 2s, untraced), epoll and uring alternating for the
# same rounds; req/s, p99, the target's CPU per request and peak RSS from each
# cell's summary.json, medians.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
conns=${2:-64}
rounds=${3:-3}
bin=${BUILD_DIR:-$root/build}/bin
for c in wrk nginx taskset; do
  command -v $c >/dev/null || { echo "bench-targets: $c is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
[[ -x $bin/target-epoll && -x $bin/bench ]] || { echo "bench-targets: build first (./bench --version)" >&2; exit 1; }
ncpu=$(nproc)
(( ncpu >= 2 )) || { echo "bench-targets: needs 2 CPUs (server and wrk apart)" >&2; exit 1; }
scpu=$((ncpu - 1)) lcpu=0
tick=$(getconf CLK_TCK)

source "$root/scripts/nginx-ref.sh"
tmp=$(mktemp -d)
pids=()
cleanup() {
  nginx_stop
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

models=()
for m in blocking threaded hybrid epoll coroutine uring; do
  [[ -x $bin/target-$m ]] && models+=("$m") || echo "bench-targets: no target-$m built, left out" >&2
done

# CPU ticks (user+system) of a process and its children: nginx's worker is one.
cpu_ticks() {
  local sum=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    [[ -r /proc/$p/stat ]] || continue
    # Fields after the ")" that ends comm: utime and stime are the 12th and 13th.
    sum=$((sum + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$sum"
}

# Starts every server on CPU scpu; port[name] and pid[name].
declare -A port pid
nginx_start "$tmp"
taskset -pc "$scpu" "$nginx_pid" >/dev/null
for p in $(pgrep -P "$nginx_pid"); do taskset -pc "$scpu" "$p" >/dev/null; done
port[nginx]=$nginx_port pid[nginx]=$nginx_pid
for m in "${models[@]}"; do
  taskset -c "$scpu" "$bin/target-$m" --port 0 --ready-fd 3 3>"$tmp/$m.port" 2>"$tmp/$m.err" &
  pid[$m]=$!
  pids+=("${pid[$m]}")
  for _ in $(seq 50); do [[ -s $tmp/$m.port ]] && break; sleep 0.1; done
  [[ -s $tmp/$m.port ]] || { cat "$tmp/$m.err" >&2; echo "bench-targets: target-$m did not start" >&2; exit 1; }
  port[$m]=$(head -1 "$tmp/$m.port")
done

# One wrk run against a server: appends "rps cpu_us_per_request" to its file.
# wrk keeps connections open; the blocking model serves one at a time, so it
# gets one connection (more would just wait in its backlog and time out).
measure() {
  local name=$1 c=$conns
  [[ $name == blocking ]] && c=1
  local t0 t1 out
  t0=$(cpu_ticks "${pid[$name]}")
  out=$(taskset -c "$lcpu" wrk -t1 -c"$c" -d"${secs}s" "http://127.0.0.1:${port[$name]}/hello")
  t1=$(cpu_ticks "${pid[$name]}")
  awk -v t="$((t1 - t0))" -v hz="$tick" '
    /requests in/ { n = $1 }
    /^Requests\/sec/ { rps = $2 }
    END { printf "%s %s\n", rps, n ? t / hz * 1e6 / n : 0 }' <<<"$out" >>"$tmp/$name.runs"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

servers=(nginx "${models[@]}")
for m in "${servers[@]}"; do taskset -c "$lcpu" wrk -t1 -c8 -d1s "http://127.0.0.1:${port[$m]}/hello" >/dev/null; done # warm up
for ((r = 0; r < rounds; r++)); do
  n=${#servers[@]}
  for ((i = 0; i < n; i++)); do
    measure "${servers[$(((i + r) % n))]}"
  done
done

declare -A rps cpu
for m in "${servers[@]}"; do
  rps[$m]=$(awk '{print $1}' "$tmp/$m.runs" | median)
  cpu[$m]=$(awk '{print $2}' "$tmp/$m.runs" | median)
done
echo "/hello: wrk -t1 -c$conns -d${secs}s (blocking -c1), $rounds interleaved rounds, medians;"
echo "server on CPU $scpu, wrk on CPU $lcpu; $ncpu CPUs, $(uname -r)"
printf '%-18s %10s %8s %14s %10s\n' server 'req/s' 'x nginx' 'CPU us/req' 'x nginx'
for m in "${servers[@]}"; do
  label=$m
  [[ $m == nginx ]] && label="nginx (1 worker)"
  [[ $m == blocking ]] && label="blocking (-c1)"
  printf '%-18s %10.0f %8.2f %14.2f %10.2f\n' "$label" "${rps[$m]}" \
    "$(awk -v a="${rps[$m]}" -v b="${rps[nginx]}" 'BEGIN {print a / b}')" "${cpu[$m]}" \
    "$(awk -v a="${cpu[$m]}" -v b="${cpu[nginx]}" 'BEGIN {print b ? a / b : 0}')"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
[[ -n ${rps[coroutine]:-} ]] &&
  printf 'coroutine / epoll: req/s %s, CPU per request %s\n' "$(ratio "${rps[coroutine]}" "${rps[epoll]}")" "$(ratio "${cpu[coroutine]}" "${cpu[epoll]}")"
[[ -n ${rps[uring]:-} ]] &&
  printf 'uring / epoll:     req/s %s, CPU per request %s\n' "$(ratio "${rps[uring]}" "${rps[epoll]}")" "$(ratio "${cpu[uring]}" "${cpu[epoll]}")"

# The servers go before the io-bound cells, which start their own targets.
cleanup
pids=()
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
[[ -n ${rps[uring]:-} ]] || exit 0
echo
echo "io-bound at 1000 connections: bench run TARGET '/async?ms=50' -c 1000 -d 2s --no-trace, $rounds rounds, medians"
for ((r = 0; r < rounds; r++)); do
  order=(epoll uring)
  ((r % 2)) && order=(uring epoll)
  for m in "${order[@]}"; do
    d=$tmp/io-$m-$r
    "$bin/bench" run "$m" '/async?ms=50' -c 1000 -d 2s --no-trace -q --out "$d" >/dev/null 2>&1 ||
      echo "bench-targets: io-bound $m round $r: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["status"], s.get("reason", ""))' "$d/summary.json")" >&2
    python3 - "$d/summary.json" >>"$tmp/io-$m.runs" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t, l = s["target_process"], s["load"]
p99 = l["latency"]["corrected"]["p99_ns"] / 1e6
print(l["throughput"]["requests_per_s"], p99, t.get("cpu_us_per_request") or 0, t["rss_peak_kib"])
PY
  done
done
printf '%-8s %10s %10s %14s %10s\n' target 'req/s' 'p99 ms' 'CPU us/req' 'RSS KiB'
for m in epoll uring; do
  printf '%-8s %10.0f %10.1f %14.2f %10.0f\n' "$m" \
    "$(awk '{print $1}' "$tmp/io-$m.runs" | median)" "$(awk '{print $2}' "$tmp/io-$m.runs" | median)" \
    "$(awk '{print $3}' "$tmp/io-$m.runs" | median)" "$(awk '{print $4}' "$tmp/io-$m.runs" | median)"
done
