#!/usr/bin/env bash
# Starvation counted: the blocking target serves one kept-alive connection to its
# end, so with -c 6 five connections wait the whole run. Their requests are
# unserved, the percentiles lower bounds, the cell degraded and the exit status 1;
# the same run against epoll serves everyone and stays ok.
source "$(dirname "$0")/lib.sh"

rc=0
run_bench run blocking /hello -c 6 -d 2s --no-trace -q --out "$tmp/blocking" \
  >"$tmp/blocking.txt" 2>&1 || rc=$?
[[ $rc -eq 1 ]] || { cat "$tmp/blocking.txt"; fail "blocking: exit $rc, want 1"; }
grep -q 'connections never served' "$tmp/blocking.txt" || fail "blocking: the text does not say who was never served"
grep -q '≥' "$tmp/blocking.txt" || fail "blocking: the percentiles are not marked as lower bounds"

rc=0
run_bench run epoll /hello -c 6 -d 1s --no-trace -q --out "$tmp/epoll" \
  >"$tmp/epoll.txt" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || { cat "$tmp/epoll.txt"; fail "epoll: exit $rc, want 0"; }

/usr/bin/python3 - "$tmp" <<'PY' || fail "summary.json"
import json, os, sys
d = sys.argv[1]
b = json.load(open(os.path.join(d, "blocking", "summary.json")))
assert b["status"] == "degraded", b["status"]
assert "never served" in b["reason"], b["reason"]
l = b["load"]
# At least the five starved connections' first requests.
assert l["requests"]["unserved"] >= 5, l["requests"]
assert l["connections"]["unserved"] >= 5, l["connections"]
assert l["latency"]["lower_bound"] is True, l["latency"]
# Their wait is in: the slowest request waited about the whole run.
assert l["latency"]["corrected"]["max_ns"] >= 1e9, l["latency"]["corrected"]
e = json.load(open(os.path.join(d, "epoll", "summary.json")))
assert e["status"] == "ok", e["status"]
assert e["load"]["requests"]["unserved"] == 0, e["load"]["requests"]
assert e["load"]["connections"]["unserved"] == 0, e["load"]["connections"]
assert e["load"]["latency"]["lower_bound"] is False, e["load"]["latency"]
PY
echo "1 passed, 0 failed"
