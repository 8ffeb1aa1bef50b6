#!/usr/bin/env bash
# Client stamps and server marks on the one clock: in every model, each request
# joined to its marks reads t_start <= t_connected <= request_start <= request_end
# <= t_first_byte <= t_end. bench run counts the ones that do not in summary.json
# ("causality"); here the count must be 0, and a join of our own must agree with it.
# Only sampled requests are marked (--mark-every 2 here: half of them, so the
# join covers many requests and the unsampled half must stay unjoined); every
# sampled request that the server answered must be joined, so "joined" cannot
# shrink unnoticed. Needs the tracer: 77 (skipped) without BPF privilege.
source "$(dirname "$0")/lib.sh"

privileged || { echo "SKIP: not root, no tracer"; exit 77; }

for model in blocking threaded hybrid epoll coroutine uring; do
  d=$tmp/$model
  # The blocking target serves one kept-alive connection at a time: the other
  # three are never served, so its cell is degraded and exits 1 (test_unserved.sh);
  # what it did serve is still joined below.
  want=0
  [[ $model != blocking ]] || want=1
  got=0
  run_bench run "$model" '/async?ms=20' -c 4 -d 1s --mark-every 2 --out "$d" >"$tmp/out.txt" 2>&1 ||
    got=$?
  [[ $got -eq $want ]] || { cat "$tmp/out.txt"; fail "bench run $model: exit $got, want $want"; }
  if [[ $model == blocking ]]; then
    grep -q '"status": "degraded"' "$d/summary.json" || fail "blocking: not degraded"
  fi
  rc=0
  /usr/bin/python3 - "$d" "$model" <<'PY' || rc=$?
import csv, json, os, sys
d, model = sys.argv[1], sys.argv[2]
s = json.load(open(os.path.join(d, "summary.json")))
if not s["trace"]["traced"]:
    print(f"SKIP: {model} not traced: {s['trace']['note']}")
    sys.exit(77)
c = s["causality"]
assert c is not None, f"{model}: traced but no causality in summary.json"
marks = {}
for m in csv.DictReader(open(os.path.join(d, "marks.csv"))):
    if m["event"] in ("request_start", "request_end") and m["request_id"] != "0":
        marks.setdefault(m["request_id"], {})[m["event"]] = int(m["t"])
joined, bad, answered = 0, [], 0
for r in csv.DictReader(open(os.path.join(d, "requests.csv"))):
    k = marks.get(r["id"], {})
    cols = ("t_start", "t_connected", "t_first_byte", "t_end")
    assert r["sampled"] == "1" or not k, f"{model}: unsampled request {r['id']} has marks"
    whole = all(r[x] for x in cols) and r["status"] == "200"
    answered += whole and r["sampled"] == "1"
    if "request_start" not in k or "request_end" not in k or not all(r[x] for x in cols):
        continue
    joined += 1
    t = [int(r["t_start"]), int(r["t_connected"]), k["request_start"], k["request_end"],
         int(r["t_first_byte"]), int(r["t_end"])]
    if t != sorted(t):
        bad.append((r["id"], t))
assert joined > 0, f"{model}: no request joined to marks"
assert joined == answered, f"{model}: {joined} joined of {answered} sampled and answered"
assert (c["joined"], c["violations"]) == (joined, len(bad)), f"{model}: summary {c}, ours {joined} {len(bad)}"
assert not bad, f"{model}: {len(bad)} of {joined} out of order, first {bad[:3]}"
print(f"{model}: {joined} joined, 0 violations")
PY
  [[ $rc -ne 77 ]] || exit 77
  [[ $rc -eq 0 ]] || fail "causality of $model"
done
