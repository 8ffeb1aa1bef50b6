#!/usr/bin/env bash
# What tracing costs: wrk against target-epoll /hello without a tracer, under
# `bench trace --pid`, and under `perf sched record -a`, in one run, with a
# second untraced run at the end to show the noise. Prints requests/s, the
# ratios to the untraced mean, and how many events per second each tracer took.
#   scripts/bench-trace.sh [SECS (default 5)] [CONNECTIONS (default 50)]
# Needs root (BPF and perf), wrk, and a build (./bench builds one).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
secs=${1:-5}
conns=${2:-50}
bench=$build/bin/bench
target=$build/bin/target-epoll
for x in "$bench" "$target"; do
  [[ -x $x ]] || { echo "bench-trace: $x not built (run ./bench list first)" >&2; exit 1; }
done
for c in wrk perf; do
  command -v $c >/dev/null || { echo "bench-trace: $c not installed (scripts/deps.sh)" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "bench-trace: needs root for BPF and perf; run: sudo $0 $*" >&2; exit 1; }

tmp=$(mktemp -d)
tpid=
cleanup() {
  [[ -n $tpid ]] && kill "$tpid" 2>/dev/null && wait "$tpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$target" --port 0 --ready-fd 3 3>"$tmp/port" 2>/dev/null &
tpid=$!
for _ in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.05; done
port=$(head -1 "$tmp/port")
url=http://127.0.0.1:$port/hello

# wrk on CPU 0, the target on CPU 1: less noise from the two fighting over one.
pin() { if command -v taskset >/dev/null && (( $(nproc) >= 2 )); then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
taskset -pc 1 "$tpid" >/dev/null 2>&1 || true
rps() { pin 0 wrk -t1 -c"$conns" -d"${secs}s" "$url" | awk '/^Requests\/sec/ { print $2 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

pin 0 wrk -t1 -c"$conns" -d1s "$url" >/dev/null # warm up
# The machine is shared: rounds of the three runs back to back, then medians,
# so a neighbour's burst does not land on one configuration only.
rounds=${ROUNDS:-3}
base=() traced=() perfed=() ev_rate=() perf_rate=() lost_total=0
for r in $(seq "$rounds"); do
  base+=("$(rps)")

  "$bench" trace -q --pid "$tpid" --out "$tmp/trace" &
  bpid=$!
  sleep 0.5
  traced+=("$(rps)")
  kill -INT $bpid
  wait $bpid
  read -r events dur lost < <(awk -F'[:,]' '/"events"/ { e = $2 } /"duration_s"/ { d = $2 }
    /"lost_events"/ { l = $2 } END { print e + 0, d + 0, l + 0 }' "$tmp/trace/meta.json")
  ev_rate+=("$(awk -v e="$events" -v d="$dur" 'BEGIN { print e / d }')")
  lost_total=$((lost_total + lost))

  perf sched record -a -o "$tmp/perf.data" -- sleep $((secs + 1)) >/dev/null 2>"$tmp/perf.err" &
  ppid=$!
  sleep 0.5
  perfed+=("$(rps)")
  wait $ppid
  n=$(perf script -i "$tmp/perf.data" -F event 2>/dev/null | wc -l)
  perf_rate+=("$(awk -v n="$n" -v d="$((secs + 1))" 'BEGIN { print n / d }')")
done

awk -v b="$(median "${base[@]}")" -v t="$(median "${traced[@]}")" -v p="$(median "${perfed[@]}")" \
    -v er="$(median "${ev_rate[@]}")" -v pr="$(median "${perf_rate[@]}")" -v lost="$lost_total" \
    -v s="$secs" -v c="$conns" -v r="$rounds" -v all_b="${base[*]}" -v all_t="${traced[*]}" \
    -v all_p="${perfed[*]}" 'BEGIN {
  printf "wrk -t1 -c%d -d%ds against target-epoll /hello, %d rounds, medians\n\n", c, s, r
  printf "| run | requests/s | vs untraced | events/s recorded |\n| --- | ---: | ---: | ---: |\n"
  printf "| untraced | %.0f | 1.000 | |\n", b
  printf "| bench trace --pid | %.0f | %.3f | %.0f (the target only; %d lost) |\n", t, t / b, er, lost
  printf "| perf sched record -a | %.0f | %.3f | %.0f (whole machine) |\n", p, p / b, pr
  printf "\nall runs (req/s): untraced %s; bench trace %s; perf %s\n", all_b, all_t, all_p
}'
