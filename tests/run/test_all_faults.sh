#!/usr/bin/env bash
# bench all under faults: a target killed mid-cell is a failed cell and the report
# is still written; so is a target that dies at start or never listens, for bench
# run too, as is a target missing from the build directory; Ctrl-C stops, writes what ran, and leaves no target process and no
# tracer program behind; an unwritable --out is one line before any work.
source "$(dirname "$0")/lib.sh"

# Targets that never listen, in a directory of their own: one exits 3 at once, one
# never writes its port and ignores SIGTERM; threaded is the real one.
fake=$tmp/bin
mkdir -p "$fake"
printf '#!/bin/sh\necho "no config here" >&2\nexit 3\n' >"$fake/target-epoll"
printf '#!/bin/sh\ntrap "" TERM\nexec sleep 60\n' >"$fake/target-blocking"
chmod +x "$fake"/target-*
ln -s "$(dirname "$BENCH")/target-threaded" "$fake/target-threaded"

# The summary.json of a failed cell: DIR, and a text its reason must contain.
check_failed_cell() {
  /usr/bin/python3 - "$1/summary.json" "$2" <<'PY' || fail "summary of the failed cell $1"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["status"] == "failed", s
assert sys.argv[2] in s["reason"], s["reason"]
assert s["load"] is None, s["load"]
PY
}

set +e
ASYNCSCOPE_BIN_DIR=$fake run_bench run epoll --no-trace --out "$tmp/dies" >"$tmp/dies.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "a target exiting at start: want exit 1, got $rc: $(cat "$tmp/dies.out")"
check_failed_cell "$tmp/dies" "target-epoll never became ready: exited 3; stderr: no config here"
grep -q 'failed: target-epoll never became ready: exited 3' "$tmp/dies.out" ||
  fail "bench run does not say why: $(cat "$tmp/dies.out")"
set +e
ASYNCSCOPE_BIN_DIR=$fake run_bench run blocking --ready-timeout 500ms --out "$tmp/mute" \
  >"$tmp/mute.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "a target that never listens: want exit 1, got $rc: $(cat "$tmp/mute.out")"
check_failed_cell "$tmp/mute" "target-blocking never became ready: no port within 0.5 s"
# A target missing from the build directory (coroutine is not in $fake).
set +e
ASYNCSCOPE_BIN_DIR=$fake run_bench run coroutine --no-trace --out "$tmp/missing" >"$tmp/missing.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "a missing target: want exit 1, got $rc: $(cat "$tmp/missing.out")"
check_failed_cell "$tmp/missing" "target-coroutine is not there or not executable"

# In bench all, each such cell fails with its reason and the next one runs.
set +e
ASYNCSCOPE_BIN_DIR=$fake run_bench all --quick --scenarios blog --targets blocking,epoll,threaded \
  --no-trace --ready-timeout 500ms --out "$tmp/never" >"$tmp/never.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "bench all with failing targets: want exit 1, got $rc: $(cat "$tmp/never.out")"
for t in epoll blocking; do
  [[ $(grep -c "^blog,$t,.*,\"failed: target-$t never became ready" "$tmp/never/summary.csv") -eq 3 ]] ||
    fail "summary.csv lacks the failed $t cells: $(cat "$tmp/never/summary.csv")"
done
[[ $(grep -c '^blog,threaded,.*,ok,' "$tmp/never/summary.csv") -eq 3 ]] ||
  fail "the cells after the failed ones did not run: $(cat "$tmp/never/summary.csv")"
check_failed_cell "$tmp/never/blog/epoll-sync" "exited 3"
check_failed_cell "$tmp/never/blog/blocking-wrong" "no port within 0.5 s"
grep -q 'exited 3' "$tmp/never/report.md" || fail "report.md does not show why epoll failed"
grep -q 'no port within 0.5 s' "$tmp/never/report.md" ||
  fail "report.md does not show why blocking failed"

# A full disk, as no file may grow: one clear line and exit 1, nothing left behind.
# The output goes through a pipe, which the limit does not cover.
out=$( (trap '' XFSZ; ulimit -f 0; rc=0
  run_bench run epoll /hello -c 2 -n 10 --no-trace --out "$tmp/full" 2>&1 || rc=$?
  echo "rc=$rc") | cat)
[[ $out == $'bench run: '*$'\nrc=1' && $(grep -c . <<<"$out") -eq 2 ]] ||
  fail "a full disk: want one line and exit 1, got: $out"
[[ -z $(find "$tmp/full" -name '*.tmp') ]] || fail "temporary files left on a full disk"

# A target killed while its cell runs.
start_bench all --quick --scenarios blog --targets blocking,epoll --no-trace --out "$tmp/kill" \
  >"$tmp/kill.out" 2>"$tmp/kill.err"
bench=$bench_sid
killed=0
for _ in $(seq 200); do
  pid=$(pgrep -s "$bench_sid" -f target-blocking | head -1 || true)
  if [[ -n $pid ]]; then
    sleep 0.3
    kill -9 "$pid" 2>/dev/null && killed=1
    break
  fi
  sleep 0.05
done
set +e
wait $bench
rc=$?
set -e
[[ $killed -eq 1 ]] || fail "never saw target-blocking to kill"
[[ -z $(left_behind) ]] || fail "processes left after a failed cell: $(left_behind)"
[[ $rc -eq 1 ]] || fail "a failed cell: want exit 1, got $rc"
grep -q 'failed: target-blocking killed by SIGKILL' "$tmp/kill/summary.csv" ||
  fail "no failed cell in summary.csv: $(cat "$tmp/kill/summary.csv")"
[[ $(grep -c ',ok,' "$tmp/kill/summary.csv") -ge 3 ]] || fail "the rest of the matrix did not run"
[[ -s $tmp/kill/report.html ]] || fail "no report after a failed cell"
grep -q 'SIGKILL' "$tmp/kill/report.md" || fail "report does not show the failure"

# Ctrl-C in the middle of a traced cell.
if privileged; then
  mark=$("$PROGS_LEFT" --max-id)
fi
start_bench all --quick --scenarios blog --targets blocking --out "$tmp/int" >/dev/null 2>&1
bench=$bench_sid
for _ in $(seq 200); do
  pgrep -s "$bench_sid" -f target-blocking >/dev/null && break
  sleep 0.05
done
sleep 0.5
kill -INT $bench
set +e
wait $bench
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "interrupted: want exit 1, got $rc"
[[ -z $(left_behind) ]] || fail "processes left after SIGINT: $(left_behind)"
if privileged; then
  "$PROGS_LEFT" "$mark" || fail "BPF programs left loaded after SIGINT"
fi
[[ -s $tmp/int/summary.csv ]] || fail "no partial summary after SIGINT"
grep -q interrupted "$tmp/int/meta.json" || fail "meta.json does not say interrupted"
[[ -z $(find "$tmp/int" -name '*.tmp') ]] || fail "temporary files left after SIGINT"

# An --out that cannot be written.
touch "$tmp/file"
set +e
"$BENCH" all --quick --out "$tmp/file/x" >/dev/null 2>"$tmp/err"
rc=$?
"$BENCH" all --scenarios nosuch >/dev/null 2>&1
rc2=$?
set -e
[[ $rc -eq 1 && $(wc -l <"$tmp/err") -eq 1 ]] || fail "unwritable --out: rc $rc, $(cat "$tmp/err")"
[[ $rc2 -eq 2 ]] || fail "unknown scenario: want exit 2"
echo "1 passed, 0 failed"
