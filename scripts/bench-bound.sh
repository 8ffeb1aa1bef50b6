#!/usr/bin/env bash
# Throughput and the server's cost per request, with the target and the load
# generator on disjoint CPUs (bench run's default): interleaved rounds of
#   bench run TARGET /hello -c CONNECTIONS -d SECONDS --no-trace
# for each target, the order flipped every round so that neither always runs
# first, then the medians. Per cell: req/s, the target's CPU µs per request and
# busy fraction, the generator's busy fraction, and who set the pace (bound).
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

printf '%-5s %-10s %10s %12s %11s %9s  %s\n' round target 'req/s' 'cpu us/req' 'target busy' 'load busy' bound
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
print(f'{r:<5} {t:<10} {s["load"]["throughput"]["requests_per_s"]:10.0f} '
      f'{tp["cpu_us_per_request"]:12.2f} {tp["busy"]:11.2f} {lp["busy"]:9.2f}  {s["bound"]}')
PY
  done
done
m=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cpus"])' "$tmp/${targets[0]}-1/meta.json")
echo
/usr/bin/python3 - "$tmp/rows" "${targets[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f'{"median":<16} {"req/s":>10} {"cpu us/req":>12} {"target busy":>11} {"load busy":>9}  bounds')
for t in sys.argv[2:]:
    mine = [r for r in rows if r[1] == t]
    med = lambda i: statistics.median(float(r[i]) for r in mine)
    bounds = ",".join(sorted({r[6] for r in mine}))
    print(f'{t:<16} {med(2):10.0f} {med(3):12.2f} {med(4):11.2f} {med(5):9.2f}  {bounds}')
PY
echo "bench run TARGET /hello -c $conns -d ${secs}s --no-trace ${extra[*]}; $rounds rounds; cpus $m; $(nproc) CPUs, $(uname -r)"
