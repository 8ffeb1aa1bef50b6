#!/usr/bin/env bash
# bench all --quick end to end: every cell, the summary, every chart, the report.
source "$(dirname "$0")/lib.sh"

start=$(date +%s)
run_bench all --quick --out "$tmp/all" >"$tmp/out.txt" 2>"$tmp/err.txt" ||
  { tail -20 "$tmp/err.txt"; fail "bench all --quick exited $?"; }
secs=$(( $(date +%s) - start ))
echo "bench all --quick took ${secs}s"

for f in summary.csv meta.json report.md report.html blog.png throughput.png latency.png \
  iobound.png memory.png cpubound.png; do
  [[ -s $tmp/all/$f ]] || fail "$f missing"
done
for f in "$tmp"/all/*.png; do check_png "$f"; done
grep -q '<html' "$tmp/all/report.html" || fail "report.html is not HTML"
grep -q 'data:image/png;base64' "$tmp/all/report.html" || fail "report.html does not embed its charts"

# Every blog cell has its timeline; every cell ran.
/usr/bin/python3 - "$tmp/all" <<'PY' || fail "summary.csv"
import csv, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "summary.csv"))))
targets = {"blocking", "threaded", "hybrid", "epoll", "coroutine", "fastapi"}
blog = [r for r in rows if r["scenario"] == "blog"]
assert {r["target"] for r in blog} == targets, {r["target"] for r in blog}
assert len(blog) == 18, len(blog)
assert {r["scenario"] for r in rows} == {"blog", "throughput", "io-bound", "cpu-bound"}
# Every cell ran: ok, or degraded for the blocking target only, which serves one
# kept-alive connection at a time and starves the rest of a closed loop; never
# failed.
bad = [(r["target"], r["endpoint"], r["status"]) for r in rows
       if r["status"] != "ok" and not (r["target"] == "blocking" and
                                       r["status"].startswith("degraded: "))]
assert not bad, bad
for r in blog:
    assert os.path.exists(os.path.join(d, r["dir"], "timeline.png")), r["dir"]
# The experiment itself: /wrong on one loop takes ~N waits, /async ~1 wait.
def batch(t, e):
    return next(float(r["batch_ms"]) for r in blog if r["target"] == t and r["endpoint"].startswith(e))
for t in ("epoll", "coroutine", "hybrid"):
    assert batch(t, "/wrong") > 3 * batch(t, "/async"), t
PY
echo "1 passed, 0 failed"
