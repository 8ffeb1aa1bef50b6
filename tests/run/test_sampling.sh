#!/usr/bin/env bash
# Sampled marks: the load generator decides which requests the target marks and
# says so in each request's traceparent; the target fires its probes for exactly
# those. Joined by id, marks.csv must hold every sampled request of requests.csv
# and no other: a closed loop at --mark-every 8, an open loop at the default (1 in
# 64), a burst (all of it by default). causality.joined counts the sampled ones.
# Needs the tracer: 77 (skipped) without BPF privilege.
source "$(dirname "$0")/lib.sh"

privileged || { echo "SKIP: not root, no tracer"; exit 77; }

check() { # DIR EVERY: the sampled set is ids 1, 1+EVERY, ...; marked == sampled
  /usr/bin/python3 - "$1" "$2" <<'PY'
import csv, json, os, sys
d, every = sys.argv[1], int(sys.argv[2])
s = json.load(open(os.path.join(d, "summary.json")))
if not s["trace"]["traced"]:
    print(f"SKIP: not traced: {s['trace']['note']}")
    sys.exit(77)
meta = json.load(open(os.path.join(d, "meta.json")))
assert meta["load"]["mark_every"] == every, meta["load"]
rows = list(csv.DictReader(open(os.path.join(d, "requests.csv"))))
assert rows, "no requests"
sampled = {r["id"] for r in rows if r["sampled"] == "1"}
want = {r["id"] for r in rows if (int(r["id"]) - 1) % every == 0}
assert sampled == want, f"sampled {sorted(sampled, key=int)[:8]}..., want {sorted(want, key=int)[:8]}..."
assert all(r["sampled"] in ("0", "1") for r in rows)
marked = {}
for m in csv.DictReader(open(os.path.join(d, "marks.csv"))):
    marked.setdefault(m["request_id"], set()).add(m["event"])
# Every request this run sent was answered (ok), so every sampled one was parsed
# and answered by the target: both its marks are there.
assert all(r["error"] == "" for r in rows), "a request failed"
missing = [i for i in sampled if not {"request_start", "request_end"} <= marked.get(i, set())]
extra = set(marked) - sampled
assert not missing, f"{len(missing)} sampled requests without marks: {missing[:5]}"
assert not extra, f"{len(extra)} unsampled requests marked: {sorted(extra)[:5]}"
c = s["causality"]
assert c["joined"] == len(sampled) and c["violations"] == 0, (c, len(sampled))
print(f"{d}: {len(rows)} requests, {len(sampled)} sampled and marked, 1 in {every}")
PY
}

# Closed loop, 1 in 8: ids 1, 9, ..., 249 of 256.
rc=0
run_bench run epoll /hello -c 4 -n 256 --mark-every 8 -q --out "$tmp/closed" >"$tmp/out" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || { cat "$tmp/out"; fail "closed loop: exit $rc"; }
rc=0
check "$tmp/closed" 8 || rc=$?
[[ $rc -ne 77 ]] || exit 77
[[ $rc -eq 0 ]] || fail "closed loop --mark-every 8"
[[ $(awk -F, 'NR > 1 && $NF == 1' "$tmp/closed/requests.csv" | wc -l) -eq 32 ]] ||
  fail "closed loop: not 32 of 256 sampled"

# Open loop at the default: 1 in 64.
rc=0
run_bench run epoll /hello --rate 1000 -d 1s -c 8 -q --out "$tmp/open" >"$tmp/out" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || { cat "$tmp/out"; fail "open loop: exit $rc"; }
check "$tmp/open" 64 || fail "open loop, default sampling"

# A burst marks every request by default, whatever the model.
for model in epoll threaded; do
  rc=0
  run_bench run "$model" '/async?ms=50' --burst -c 8 -q --out "$tmp/burst-$model" >"$tmp/out" 2>&1 ||
    rc=$?
  [[ $rc -eq 0 ]] || { cat "$tmp/out"; fail "burst $model: exit $rc"; }
  check "$tmp/burst-$model" 1 || fail "burst $model: every request marked"
done
echo ok
