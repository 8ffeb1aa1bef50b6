#!/usr/bin/env bash
# Where io_uring is not allowed (here: a seccomp filter, as a container runtime
# sets one; no_uring.c), target-uring exits 2 with one line that says so, and
# bench marks its cells "unsupported" -- not failed -- and draws the others.
# The filter is this process tree's only, so other tests running meanwhile are
# not touched (kernel.io_uring_disabled=2 would be the whole machine's).
#   test_unsupported.sh NO_URING BIN_DIR
set -euo pipefail
no_uring=$1 bin=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The target alone: exit 2, one line naming the cause.
rc=0
"$no_uring" "$bin/target-uring" --port 0 >"$tmp/out" 2>"$tmp/err" || rc=$?
cat "$tmp/err"
[[ $rc -eq 2 ]] || fail "target-uring under the filter: exit $rc, want 2"
[[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "want one line on stderr"
grep -q '^target-uring: unsupported: io_uring_setup.*Operation not permitted$' "$tmp/err" ||
  fail "the line does not say what is missing"
# A bad flag is still a usage error, whatever the machine has.
rc=0
"$no_uring" "$bin/target-uring" --bogus 2>"$tmp/err" || rc=$?
[[ $rc -eq 2 ]] && grep -q '^usage:' "$tmp/err" || fail "bad flag: exit $rc, no usage"

# bench run: the cell is unsupported (exit 1: nothing was measured), not failed.
rc=0
setsid "$no_uring" "$bin/bench" run uring /hello -n 10 --no-trace -q --out "$tmp/run" \
  >"$tmp/run.txt" 2>&1 || rc=$?
[[ $rc -eq 1 ]] || { cat "$tmp/run.txt"; fail "bench run uring: exit $rc, want 1"; }
grep -q '"status": "unsupported"' "$tmp/run/summary.json" || fail "summary.json: not unsupported"
grep -q '^bench run: unsupported: io_uring_setup' "$tmp/run.txt" || { cat "$tmp/run.txt"; fail "bench run does not say unsupported"; }

# bench all: uring's cells unsupported, epoll's drawn, exit 0.
rc=0
setsid "$no_uring" "$bin/bench" all --quick --targets uring,epoll --scenarios throughput \
  --no-trace --out "$tmp/all" >"$tmp/all.txt" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || { cat "$tmp/all.txt"; fail "bench all: exit $rc, want 0"; }
grep -q 'uring /hello: unsupported here: io_uring_setup' "$tmp/all.txt" ||
  { cat "$tmp/all.txt"; fail "bench all does not say why uring did not run"; }
/usr/bin/python3 - "$tmp/all" <<'PY' || fail "summary.csv or report"
import csv, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "summary.csv"))))
uring = [r for r in rows if r["target"] == "uring"]
epoll = [r for r in rows if r["target"] == "epoll"]
assert uring and epoll, rows
for r in uring:
    assert r["status"].startswith("unsupported: io_uring_setup"), r["status"]
for r in epoll:
    assert r["status"] == "ok", r["status"]
    assert os.path.exists(os.path.join(d, r["dir"], "timeline.png")), r["dir"]
html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
assert "Unsupported here" in html, "no unsupported section"
assert "uring cannot run on this machine" in html
assert '<tr class="fail"' not in html, "an unsupported cell coloured as failed"
assert os.path.getsize(os.path.join(d, "throughput.png")) > 0
PY
echo "1 passed, 0 failed"
