#!/usr/bin/env bash
# SIGINT and SIGTERM end `bench load` within about a second (2.5 s allowed) in every load model
# (closed loop -d and -n, open loop -d and -n, burst), also at the highest rate,
# against a server streaming an endless body and one that never answers, and while
# waiting for a --start-at; the partial results are written: the summary says
# interrupted, the records hold a row per request sent, the JSON parses and says
# the same.
# usage: signals.sh BIN_DIR FAKE_SERVE
set -uo pipefail
bin=$1
fake=$2
bench=$bin/bench
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# start_server NAME CMD...: runs a server that prints its port, sets $port.
start_server() {
  local name=$1
  shift
  "$@" >"$tmp/$name.port" 2>/dev/null &
  pids+=($!)
  port=
  for _ in $(seq 50); do [[ -s $tmp/$name.port ]] && break; sleep 0.1; done
  port=$(head -1 "$tmp/$name.port" | tr -d '\n')
  [[ -n $port ]] || { fail "$name did not start"; exit 1; }
}
start_server epoll bash -c 'exec "$0" --port 0 --ready-fd 3 3>&1' "$bin/target-epoll"
epoll=$port
start_server endless "$fake" endless
endless=$port
start_server hang "$fake" hang
hang=$port

# interrupt SIG NAME DELAY URL ARGS...: a run, the signal after DELAY s, checks.
interrupt() {
  local sig=$1 name=$2 delay=$3 url=$4
  shift 4
  local out=$tmp/$name.$sig
  "$bench" load "$url" -q --records "$out.csv" --json "$out.json" "$@" >"$out.txt" 2>&1 &
  local pid=$!
  sleep "$delay"
  local t0=$EPOCHREALTIME
  kill -"$sig" $pid
  # A run that ignores the signal must fail the test, not hang it.
  for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
  kill -0 $pid 2>/dev/null && kill -KILL $pid
  wait $pid
  local rc=$? took
  took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  local what="SIG$sig during $name ($*)"
  echo "$what: ended ${took}s after the signal, exit $rc"
  awk -v t="$took" 'BEGIN { exit !(t < 2.5) }' || fail "$what: ended ${took}s after the signal"
  [[ $rc == 0 || $rc == 1 ]] || { fail "$what: exit $rc"; return; }
  grep -q "interrupted" "$out.txt" || fail "$what: no 'interrupted' in: $(head -3 "$out.txt")"
  local sent rows
  sent=$(sed -n 's/.*sent \([0-9]*\),.*/\1/p' "$out.txt")
  rows=$(($(wc -l <"$out.csv") - 1))
  [[ -n $sent && $rows == "$sent" ]] || fail "$what: $rows records for ${sent:-?} sent"
  python3 - "$out.json" "${sent:-0}" <<'PY' || fail "$what: JSON not written or wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["interrupted"] is True, d["interrupted"]
assert d["requests"]["sent"] == int(sys.argv[2]), d["requests"]
PY
}

hello="http://127.0.0.1:$epoll/hello"
for sig in INT TERM; do
  interrupt $sig closed-d 0.8 "$hello" -c 4 -d 30s
  interrupt $sig closed-n 0.8 "$hello" -c 4 -n 1000000000
  interrupt $sig open-d 0.8 "$hello" -c 4 --rate 2000 -d 30s
  interrupt $sig open-n 0.8 "$hello" -c 4 --rate 2000 -n 1000000000
  interrupt $sig burst 0.8 "http://127.0.0.1:$epoll/async?ms=30000" -c 4 --burst
  # Seconds behind a 1e9/s schedule: billions of sends to count at the stop.
  interrupt $sig open-max 2.5 "$hello" -c 4 --rate 1e9 -d 30s
  # A body that never ends, read as fast as it comes.
  interrupt $sig endless 0.8 "http://127.0.0.1:$endless/" -c 4 -d 30s --timeout 60s
  # A server that accepts and never answers: every request still in flight.
  interrupt $sig closed-hang 0.8 "http://127.0.0.1:$hang/" -c 4 -d 30s --timeout 60s
  interrupt $sig open-hang 0.8 "http://127.0.0.1:$hang/" -c 4 --rate 1000 -d 30s --timeout 60s
  # Waiting for a --start-at 30 s ahead: the stop counts from the start of the
  # run, so it ends the wait (a stop that counted only once the threads were told
  # to go was dropped here, as during a long setup, and the run went on).
  interrupt $sig start-at 0.8 "$hello" -c 4 -d 30s --start-at $(($(date +%s) + 30))
done

# The drain after a stop waits without spinning: a burst at a server that answers
# in 30 s, interrupted, has used almost no CPU 0.6 s into its 1 s drain (the stop
# eventfd, never read, used to wake every epoll_wait of the drain at once).
"$bench" load "http://127.0.0.1:$epoll/async?ms=30000" -c 4 --burst -q >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -INT $pid
sleep 0.6
ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)
wait $pid
if [[ -z $ticks ]]; then
  fail "drain: the burst ended before its drain did"
else
  cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')
  echo "drain: ${cpu}s of CPU in the whole run, 0.6 s into the drain"
  awk -v c="$cpu" 'BEGIN { exit !(c < 0.15) }' || fail "drain: ${cpu}s of CPU, it spins"
fi

((fails == 0)) || exit 1
echo "signals: all good"
