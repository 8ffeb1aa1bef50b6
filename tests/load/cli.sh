#!/usr/bin/env bash
# `bench load` from the outside: exit codes for bad usage and failed requests, the
# JSON and records outputs, and SIGINT ending a long run with a summary.
# usage: cli.sh BIN_DIR
set -uo pipefail
bin=$1
bench=$bin/bench
tmp=$(mktemp -d)
target_pid=
cleanup() {
  [[ -n $target_pid ]] && kill "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

expect_exit() { # CODE MENTION ARGS...
  local want=$1 mention=$2
  shift 2
  "$bench" load "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [[ $got == "$want" ]] || fail "bench load $* exited $got, want $want"
  if [[ -n $mention ]] && ! grep -qF -- "$mention" "$tmp/err"; then
    fail "bench load $*: stderr does not mention '$mention': $(head -1 "$tmp/err")"
  fi
}

# Bad usage: exit 2 and a reason naming the problem.
expect_exit 2 "missing URL"
expect_exit 2 "-c" http://127.0.0.1:1/ -c -1
expect_exit 2 "-c" http://127.0.0.1:1/ -c 0
expect_exit 2 "-n" http://127.0.0.1:1/ -n -5
expect_exit 2 "--rate" http://127.0.0.1:1/ --rate 0
expect_exit 2 "-d" http://127.0.0.1:1/ -d xyz
expect_exit 2 "--timeout" http://127.0.0.1:1/ --timeout never
expect_exit 2 "bad URL" 'http://exa mple/'
expect_exit 2 "only http" ftp://127.0.0.1/
expect_exit 2 "unknown option" http://127.0.0.1:1/ --bogus
expect_exit 0 "" --help
expect_exit 2 "--connect-rate: 'soon'" http://127.0.0.1:1/ --connect-rate soon
expect_exit 2 "--connect-rate: '-5'" http://127.0.0.1:1/ --connect-rate -5
expect_exit 2 "--connect-rate paces a closed loop" http://127.0.0.1:1/ --burst --connect-rate 100
expect_exit 2 "--connect-rate paces a closed loop" http://127.0.0.1:1/ --rate 10 -d 1s --connect-rate 100
expect_exit 2 "ambiguous" http://127.0.0.1:1/ --conn 3
grep -q "usage: bench load" "$tmp/err" || fail "no usage after a bad --connect-rate"

# A rate the schedule cannot represent is refused up front, not run: it used to
# spin for as long as the catch-up took (forever at 1e308), so it runs under
# timeout (and SIGKILL: it ignored SIGTERM too) to fail rather than hang.
for rate in 1e12 1e308 1:2e9; do
  timeout -k 1 5 "$bench" load http://127.0.0.1:1/ --rate "$rate" -d 1s -q >"$tmp/out" 2>"$tmp/err"
  got=$?
  [[ $got == 2 ]] || fail "--rate $rate exited $got, want 2"
  grep -q -- "--rate: '$rate' is above" "$tmp/err" ||
    fail "--rate $rate: no reason on stderr: $(head -1 "$tmp/err")"
done

# Nothing listens: every request a connect error, exit 1, on time.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$SECONDS
expect_exit 1 "" "http://127.0.0.1:$port/" -n 5 -c 2 -q
grep -q "connect 5" "$tmp/out" || fail "closed port: no 'connect 5' in: $(cat "$tmp/out")"
((SECONDS - start < 5)) || fail "closed port took $((SECONDS - start))s"

# A real target for the rest.
"$bin/target-epoll" --port 0 --ready-fd 3 3>"$tmp/port" 2>/dev/null &
target_pid=$!
for _ in $(seq 50); do [[ -s $tmp/port ]] && break; sleep 0.1; done
tport=$(tr -d '\n' <"$tmp/port")
[[ -n $tport ]] || { fail "target-epoll did not start"; exit 1; }
url="http://127.0.0.1:$tport/hello"

# --json - puts JSON on stdout (the summary moves to stderr); --records writes CSV.
"$bench" load "$url" -n 50 -c 2 --json - --records "$tmp/r.csv" >"$tmp/j.json" 2>"$tmp/err"
[[ $? == 0 ]] || fail "-n 50 against target-epoll did not exit 0"
python3 - "$tmp/j.json" <<'PY' || fail "JSON summary is not what it should be"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["requests"]["completed"] == 50 and d["requests"]["ok"] == 50, d["requests"]
assert d["config"]["mode"] == "closed" and d["config"]["connections"] == 2
assert d["latency"]["corrected"]["count"] == 50
assert d["latency"]["uncorrected"]["p99_ns"] >= d["latency"]["uncorrected"]["p50_ns"] > 0
assert sum(d["errors"].values()) == 0 and d["status"]["2xx"] == 50
PY
grep -q "Requests/sec" "$tmp/err" || fail "summary not on stderr with --json -"
[[ $(wc -l <"$tmp/r.csv") == 51 ]] || fail "records: $(wc -l <"$tmp/r.csv") lines, want 51"
head -1 "$tmp/r.csv" | grep -qx "id,thread,conn,t_intended,t_start,t_connected,t_first_byte,t_end,status,bytes,error,sampled" ||
  fail "records header: $(head -1 "$tmp/r.csv")"

# The connect ramp: 40 connections at 200 a second take about 0.2 s to open; the
# text says so and the JSON has the connect times of the 40 first requests apart
# from the latency. One request each (-n 40), held 2 s by the server, so none comes
# back for a second before the ramp is done. --connect-rate 0: all at once.
"$bench" load "http://127.0.0.1:$tport/async?ms=2000" -n 40 -c 40 --connect-rate 200 \
  --json "$tmp/ramp.json" -q >"$tmp/out" 2>&1
[[ $? == 0 ]] || fail "--connect-rate 200 did not exit 0: $(cat "$tmp/out")"
grep -q "connects ramped at 200/s" "$tmp/out" || fail "ramp not in the header: $(head -2 "$tmp/out")"
grep -q "connect phase: 40 connections in " "$tmp/out" || fail "no connect phase: $(cat "$tmp/out")"
python3 - "$tmp/ramp.json" <<'PY' || fail "ramp JSON is not what it should be"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["connect"]
assert d["config"]["connect_rate"] == 200, d["config"]
assert c["connected"] == 40 and c["times"]["count"] == 40, c
assert 0.19e9 <= c["phase_ns"] < 20e9, c
assert d["latency"]["uncorrected"]["count"] == 40
PY
"$bench" load "$url" -n 20 -c 10 --connect-rate 0 -q >"$tmp/out" 2>&1
[[ $? == 0 ]] || fail "--connect-rate 0 did not exit 0"
grep -q "connects ramped" "$tmp/out" && fail "--connect-rate 0 still says it ramps"

# A 404 is a failed request: exit 1, counted by class.
"$bench" load "http://127.0.0.1:$tport/nope" -n 4 -c 1 -q >"$tmp/out" 2>&1
[[ $? == 1 ]] || fail "404s did not exit 1"
grep -q "status_4xx 4" "$tmp/out" || fail "404s not counted: $(cat "$tmp/out")"

# SIGINT: stops a 30 s run at once, prints what completed, flushes the records.
"$bench" load "$url" -d 30s -c 2 -q --records "$tmp/int.csv" >"$tmp/out" 2>&1 &
load_pid=$!
sleep 0.7
kill -INT $load_pid
start=$SECONDS
wait $load_pid
rc=$?
((SECONDS - start < 4)) || fail "SIGINT took $((SECONDS - start))s to end the run"
[[ $rc == 0 ]] || fail "interrupted run exited $rc"
grep -q "interrupted" "$tmp/out" || fail "no 'interrupted' in the summary"
sent=$(sed -n 's/.*sent \([0-9]*\),.*/\1/p' "$tmp/out")
rows=$(($(wc -l <"$tmp/int.csv") - 1))
[[ -n $sent && $rows == "$sent" ]] || fail "interrupted: $rows records for $sent sent"

((fails == 0)) || exit 1
echo "cli: all good"
