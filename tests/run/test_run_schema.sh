#!/usr/bin/env bash
# bench run writes a well-formed results directory: one row per request, times
# monotonic on one clock, marks joined to requests by id (when traced), charts.
source "$(dirname "$0")/lib.sh"

run_bench run epoll '/async?ms=100' -c 6 --burst --out "$tmp/epoll" >"$tmp/out.txt" 2>&1 ||
  { cat "$tmp/out.txt"; fail "bench run epoll"; }
check_run_dir "$tmp/epoll" 6
grep -q "burst: 6 requests" "$tmp/out.txt" || fail "no summary printed"
if privileged; then
  check_png "$tmp/epoll/timeline.png" 10000
  check_svg "$tmp/epoll/timeline.svg"
fi

# A closed loop with -n, untraced: exact count, no kernel files.
run_bench run threaded /hello -c 4 -n 200 --no-trace --out "$tmp/hello" >/dev/null 2>&1 ||
  fail "bench run threaded /hello"
check_run_dir "$tmp/hello" 200
[[ ! -e $tmp/hello/sched.csv ]] || fail "--no-trace still wrote sched.csv"

# meta.json's start time is when the load started, not when the files were written:
# two seconds of load put it at least that long before summary.json.
run_bench run epoll /hello -c 2 -d 2 --no-trace --out "$tmp/timed" >/dev/null 2>&1 ||
  fail "bench run epoll -d 2"
/usr/bin/python3 - "$tmp/timed" <<'PY' || fail "meta.json started"
import calendar, json, os, sys, time
d = sys.argv[1]
m = json.load(open(os.path.join(d, "meta.json")))
started = calendar.timegm(time.strptime(m["started"], "%Y-%m-%dT%H:%M:%SZ"))
written = os.stat(os.path.join(d, "summary.json")).st_mtime
assert written - started >= 1.5, f"started {m['started']}, summary written {written - started:.1f} s later"
PY

# Bad flags: usage, exit 2. Unwritable --out: one line, exit 1.
set +e
"$BENCH" run nosuch >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "unknown target: want exit 2"
"$BENCH" run epoll -c 0 >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "-c 0: want exit 2"
"$BENCH" run epoll --bogus >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "--bogus: want exit 2"
touch "$tmp/file"
"$BENCH" run epoll --out "$tmp/file/sub" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[[ $rc -eq 1 ]] || fail "unwritable --out: want exit 1, got $rc"
[[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "unwritable --out: want one line, got: $(cat "$tmp/err")"
echo "1 passed, 0 failed"
