#!/usr/bin/env bash
# bench all under faults: a target killed mid-cell is a failed cell and the report
# is still written; Ctrl-C stops, writes what ran, and leaves no target process and
# no tracer program behind; an unwritable --out is one line before any work.
source "$(dirname "$0")/lib.sh"

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
