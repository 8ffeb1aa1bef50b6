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

# Every blog cell has its timeline; every cell ran. The targets are the
# schema's, as bench list names them: a new one is not a change here.
targets=$("$BENCH" list | sed -n '/^targets:/,/^endpoints/p' | awk 'NF && !/:$/ {print $1}')
[[ $(wc -w <<<"$targets") -ge 6 ]] || fail "bench list names too few targets: $targets"
/usr/bin/python3 - "$tmp/all" "$targets" <<'PY' || fail "summary.csv"
import csv, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "summary.csv"))))
targets = set(sys.argv[2].split())
blog = [r for r in rows if r["scenario"] == "blog"]
assert {r["target"] for r in blog} == targets, {r["target"] for r in blog}
assert len(blog) == 3 * len(targets), len(blog)
assert {r["scenario"] for r in rows} == {"blog", "throughput", "io-bound", "cpu-bound"}
# Every cell ran: ok, or degraded for the blocking target only, which serves one
# kept-alive connection at a time and starves the rest of a closed loop; never
# failed.
bad = [(r["target"], r["endpoint"], r["status"]) for r in rows
       if r["status"] != "ok" and not (r["target"] == "blocking" and
                                       r["status"].startswith("degraded: "))]
assert not bad, bad
# Every cell that ran has its timeline, traced or not.
for r in rows:
    if not r["status"].startswith("failed"):
        assert os.path.exists(os.path.join(d, r["dir"], "timeline.png")), r["dir"]
        assert os.path.exists(os.path.join(d, r["dir"], "timeline.svg")), r["dir"]
# report.html links every cell's folder and every trace.json there is; its table
# sorts; failed and degraded rows say so in a class and a word.
html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
import re
for r in rows:
    assert 'href="%s/"' % r["dir"] in html, ("no folder link", r["dir"])
    if os.path.exists(os.path.join(d, r["dir"], "trace.json")):
        assert 'href="%s/trace.json"' % r["dir"] in html, ("no trace link", r["dir"])
    if not r["status"].startswith("failed"):
        assert 'href="%s/timeline.png"' % r["dir"] in html, ("no timeline link", r["dir"])
    word = r["status"].split(":")[0]
    cls = {"failed": "fail", "degraded": "degraded"}.get(word)
    if cls:
        cid = "cell-" + re.sub(r"[^A-Za-z0-9_-]", "-", r["dir"])
        row = re.search(r'<tr class="%s" id="%s">(.*?)</tr>' % (cls, re.escape(cid)), html)
        assert row and "<td>%s</td>" % word in row.group(1), ("unmarked", r["dir"])
assert "<table class=\"sort\">" in html and "table.sort" in html, "no sort script"
assert html.count("<script>") == 1, "one script only"
# The matrix's own "failed 0" is not a failed row.
assert html.count('<tr class="fail"') == sum(r["status"].startswith("failed") for r in rows)
assert html.count('<tr class="degraded"') == sum(r["status"].startswith("degraded") for r in rows)
# The experiment itself: /wrong on one loop takes ~N waits, /async ~1 wait.
def batch(t, e):
    return next(float(r["batch_ms"]) for r in blog if r["target"] == t and r["endpoint"].startswith(e))
for t in ("epoll", "coroutine", "uring", "hybrid"):
    assert batch(t, "/wrong") > 3 * batch(t, "/async"), t
PY
echo "1 passed, 0 failed"
