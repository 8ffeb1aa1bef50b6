#!/usr/bin/env bash
# What tracing costs the traced: wrk against target-epoll /hello, the target
# pinned to one CPU, wrk and every tracer on another, in interleaved rounds of
#   untraced        no tracer
#   default trace   bench trace --pid: scheduler and USDT marks; the requests
#                   carry traceparent with 1 in MARK_EVERY (64) sampled, as
#                   bench load sends them, so the target marks only those
#   all marked      the same with every request sampled (what sampling saves)
#   no ready hook   bench trace --pid --no-ready-hook (stall ready counts a lower bound)
#   sched only      bench trace --pid --no-usdt
#   perf sched      perf sched record -a, for comparison
# Prints per configuration the median requests/s and the median of per-round
# ratios to the untraced run of the same round, side by side, then each BPF
# program's run time from the kernel's own accounting (kernel.bpf_stats_enabled).
#   scripts/bench-trace.sh [SECS (default 5)] [CONNECTIONS (default 50)]
# ROUNDS (default 3), MARK_EVERY (64), TARGET_CPU (1), LOAD_CPU (0) in the
# environment. Needs root (BPF and perf), wrk, taskset, two CPUs, and a build
# (./bench builds one).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
secs=${1:-5}
conns=${2:-50}
rounds=${ROUNDS:-3}
every=${MARK_EVERY:-64}
tcpu=${TARGET_CPU:-1}
lcpu=${LOAD_CPU:-0}
bench=$build/bin/bench
target=$build/bin/target-epoll
for x in "$bench" "$target"; do
  [[ -x $x ]] || { echo "bench-trace: $x not built (run ./bench list first)" >&2; exit 1; }
done
for c in wrk perf taskset; do
  command -v $c >/dev/null || { echo "bench-trace: $c not installed (scripts/deps.sh)" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "bench-trace: needs root for BPF and perf; run: sudo $0 $*" >&2; exit 1; }
(( $(nproc) >= 2 )) || { echo "bench-trace: needs two CPUs, one for the target alone" >&2; exit 1; }

tmp=$(mktemp -d)
tpid=
old_stats=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
cleanup() {
  sysctl -qw kernel.bpf_stats_enabled="$old_stats" 2>/dev/null || true
  [[ -n $tpid ]] && kill "$tpid" 2>/dev/null && wait "$tpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
# The kernel's accounting of our programs (run_time_ns, run_cnt) is immune to a
# neighbour's load; throughput on a shared VM is not.
sysctl -qw kernel.bpf_stats_enabled=1

# The target alone on its CPU from its first instruction; everything else of
# ours (wrk, bench trace and its reader thread, perf) on the other, so what the
# target loses is what tracing costs it, not a tracer competing for its CPU.
taskset -c "$tcpu" "$target" --port 0 --ready-fd 3 3>"$tmp/port" 2>/dev/null &
tpid=$!
for _ in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.05; done
port=$(head -1 "$tmp/port")
url=http://127.0.0.1:$port/hello

# wrk cannot vary a header by itself: a script cycles through EVERY prepared
# requests, the first sampled, built once in init (a table lookup per request,
# the same in every configuration, so the generator's cost cancels out).
# Each is what bench load would send: X-Request-Id and a traceparent.
lua() { # FILE EVERY
  cat >"$1" <<EOF
local reqs, i = {}, 0
function init(args)
  for k = 1, $2 do
    local flags = k == 1 and "01" or "00"
    reqs[k] = wrk.format("GET", "/hello", {
      ["X-Request-Id"] = tostring(k),
      ["traceparent"] = string.format("00-4bf92f3577b34da6a3ce929d0e0e4736-%016x-%s", k, flags),
    })
  end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
EOF
}
lua "$tmp/sampled.lua" "$every"
lua "$tmp/all.lua" 1
rps() { # LUA
  taskset -c "$lcpu" wrk -t1 -c"$conns" -d"${secs}s" -s "$1" "$url" | awk '/^Requests\/sec/ { print $2 }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

taskset -c "$lcpu" wrk -t1 -c"$conns" -d1s "$url" >/dev/null # warm up
: >"$tmp/progstats"

# One wrk run under bench trace (extra flags after the label and script); sets
# last_rps, appends the programs' run time per second of load to progstats.
traced_run() { # LABEL LUA [bench trace flags]
  local label=$1 script=$2
  shift 2
  taskset -c "$lcpu" "$bench" trace -q "$@" --pid "$tpid" --out "$tmp/trace" &
  local bpid=$!
  sleep 0.5
  last_rps=$(rps "$script")
  kill -INT $bpid
  wait $bpid
  # One line per program: label, name, run_time_ns, run_cnt, seconds of load;
  # the lost events on a line of their own.
  python3 - "$tmp/trace/meta.json" "$label" "$secs" >>"$tmp/progstats" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for p in m["bpf_programs"]:
    print(sys.argv[2], p["name"], p["run_time_ns"], p["run_cnt"], sys.argv[3])
print("lost", m["lost_events"])
PY
}

perf_run() {
  taskset -c "$lcpu" perf sched record -a -o "$tmp/perf.data" -- sleep $((secs + 1)) \
    >/dev/null 2>"$tmp/perf.err" &
  local ppid=$!
  sleep 0.5
  last_rps=$(rps "$tmp/sampled.lua")
  wait $ppid
}

# The order rotates from round to round, so no configuration always runs first
# (or always right after perf's post-processing).
names=(untraced default no_ready all_marked sched_only perf_sched)
declare -A got
for r in $(seq "$rounds"); do
  for k in "${!names[@]}"; do
    c=${names[$(((k + r) % ${#names[@]}))]}
    case $c in
      untraced) last_rps=$(rps "$tmp/sampled.lua") ;;
      default) traced_run default "$tmp/sampled.lua" ;;
      no_ready) traced_run no_ready "$tmp/sampled.lua" --no-ready-hook ;;
      all_marked) traced_run all_marked "$tmp/all.lua" ;;
      sched_only) traced_run sched_only "$tmp/sampled.lua" --no-usdt ;;
      perf_sched) perf_run ;;
    esac
    got[$c,$r]=$last_rps
  done
done

# Each round's runs are adjacent in time: their ratios cancel most of a
# neighbour's load, so the median of per-round ratios is the figure to trust.
printf 'wrk -t1 -c%d -d%ds against target-epoll /hello (CPU %s alone; wrk and tracers on CPU %s),\n' \
  "$conns" "$secs" "$tcpu" "$lcpu"
printf '%d rounds, requests sampled 1 in %d unless said\n\n' "$rounds" "$every"
printf '| run | requests/s (median) | vs untraced (median of per-round ratios) | all rounds |\n'
printf '| --- | ---: | ---: | --- |\n'
label() {
  case $1 in
    untraced) echo "untraced" ;;
    default) echo "bench trace --pid (default: scheduler + marks, 1 in $every)" ;;
    no_ready) echo "bench trace --pid --no-ready-hook" ;;
    all_marked) echo "bench trace --pid, every request marked" ;;
    sched_only) echo "bench trace --pid --no-usdt (scheduler only)" ;;
    perf_sched) echo "perf sched record -a" ;;
  esac
}
for c in "${names[@]}"; do
  vals=() ratios=()
  for r in $(seq "$rounds"); do
    vals+=("${got[$c,$r]}")
    ratios+=("$(awk -v a="${got[$c,$r]}" -v b="${got[untraced,$r]}" 'BEGIN { print (b > 0 ? a / b : 0) }')")
  done
  printf '| %s | %.0f | %.3f | %s |\n' "$(label "$c")" "$(median "${vals[@]}")" \
    "$(median "${ratios[@]}")" "${vals[*]}"
done

# The programs' table, rows sorted by run and program, totals last.
awk '{ if ($1 == "lost") { lost += $2; next }
       k = $1 " " $2; pt[k] += $3; pn[k] += $4; ps[k] += $5 }
  END {
  printf "\nBPF programs by the kernel'"'"'s accounting (kernel.bpf_stats_enabled), all rounds,\n"
  printf "per second of load (runs count every invocation on the machine; %d events lost):\n\n", lost
  printf "| run | program | runs/s | ns per run | CPU per second |\n| --- | --- | ---: | ---: | ---: |\n"
  for (k in pt) { if (pn[k] == 0) continue
    split(k, kk, " ")
    printf "| %s | %s | %.0f | %.0f | %.2f ms |\n", kk[1], kk[2], pn[k] / ps[k], pt[k] / pn[k], pt[k] / ps[k] / 1e6 | "sort"
    tot[kk[1]] += pt[k] / ps[k] }
  close("sort")
  for (l in tot) printf "| %s | all | | | %.2f ms (%.2f%% of one CPU) |\n", l, tot[l] / 1e6, tot[l] / 1e7
  printf "\n(a USDT probe is a uprobe: each hit also costs a trap the program accounting does not show)\n"
}' "$tmp/progstats"
