#!/usr/bin/env bash
# Throughput and the server's cost per request, with the target and the load
# generator on disjoint CPUs (bench run's default): interleaved rounds of
#   bench run TARGET /hello -c CONNECTIONS -d SECONDS --no-trace
# for each target, the order flipped every round so that neither always runs
# first, then the medians (and, for two targets, the median of the rounds'
# ratios). Per cell: req/s, the target's CPU µs per request, each side's busy
# and waiting fractions (t: target, l: load generator; summary.json's
# target_process and load_process), and who set the pace (bound).
#   scripts/bench-bound.sh [ROUNDS] [SECONDS] [CONNECTIONS] [TARGETS]
#   (defaults: 5 rounds, 5 s, 64 connections, "epoll hybrid")
# Extra bench run options (say --no-pin, or --target-cpus 1) go in BENCH_ARGS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
secs=${2:-5}
conns=${3:-64}
read -r -a targets <<<"${4:-epoll hybrid}"
read -r -a extra <<<"${BENCH_ARGS:-}"
bench=${BUILD_DIR:-$root/build}/bin/bench
[[ -x $bench ]] || { echo "bench-bound: build first (./bench --version)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-5s %-10s %8s %11s %8s %8s %8s %8s  %s\n' round target 'req/s' 'cpu us/req' \
  't busy' 't wait' 'l busy' 'l wait' bound
for ((r = 1; r <= rounds; r++)); do
  order=("${targets[@]}")
  if ((r % 2 == 0)); then # every other round in reverse
    order=()
    for ((i = ${#targets[@]} - 1; i >= 0; i--)); do order+=("${targets[i]}"); done
  fi
  for t in "${order[@]}"; do
    out=$tmp/$t-$r
    "$bench" run "$t" /hello -c "$conns" -d "$secs" --no-trace -q --out "$out" "${extra[@]}" \
      >/dev/null 2>"$tmp/err" || { echo "bench-bound: $t round $r failed: $(cat "$tmp/err")" >&2; exit 1; }
    /usr/bin/python3 - "$out" "$r" "$t" <<'PY' | tee -a "$tmp/rows"
import json, sys
d, r, t = sys.argv[1:]
s = json.load(open(d + "/summary.json"))
tp, lp = s["target_process"], s["load_process"]
print(f'{r:<5} {t:<10} {s["load"]["throughput"]["requests_per_s"]:8.0f} '
      f'{tp["cpu_us_per_request"]:11.2f} {tp["busy"]:8.2f} {tp["waiting"]:8.2f} '
      f'{lp["busy"]:8.2f} {lp["waiting"]:8.2f}  {s["bound"]}')
PY
  done
done
m=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cpus"])' "$tmp/${targets[0]}-1/meta.json")
echo
/usr/bin/python3 - "$tmp/rows" "${targets[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f'{"median":<16} {"req/s":>8} {"cpu us/req":>11} {"t busy":>8} {"t wait":>8} '
      f'{"l busy":>8} {"l wait":>8}  bounds')
for t in sys.argv[2:]:
    mine = [r for r in rows if r[1] == t]
    med = lambda i: statistics.median(float(r[i]) for r in mine)
    bounds = ",".join(sorted({r[8] for r in mine}))
    print(f'{t:<16} {med(2):8.0f} {med(3):11.2f} {med(4):8.2f} {med(5):8.2f} '
          f'{med(6):8.2f} {med(7):8.2f}  {bounds}')
# Paired by round: the two targets ran back to back, under the same neighbours.
if len(sys.argv) == 4:
    a, b = sys.argv[2], sys.argv[3]
    by = {(r[0], r[1]): r for r in rows}
    rounds = sorted({r[0] for r in rows}, key=int)
    ratio = lambda i: statistics.median(float(by[(k, b)][i]) / float(by[(k, a)][i]) for k in rounds)
    print(f'{b} / {a}, median of the rounds\' ratios: req/s {ratio(2):.3f}, '
          f'cpu us/req {ratio(3):.3f}')
PY
echo "bench run TARGET /hello -c $conns -d ${secs}s --no-trace ${extra[*]}; $rounds rounds; cpus $m; $(nproc) CPUs, $(uname -r)"
