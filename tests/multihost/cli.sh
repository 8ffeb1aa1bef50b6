#!/usr/bin/env bash
# bench merge and bench plot --client --server without privilege: usage errors
# (exit 2, the reason named), missing or wrong inputs (exit 1, one line), and a
# join against a server directory written here from the client's own records
# with a known offset: recovered within the bound; then one mark moved so the
# bounds contradict each other: exit 1, said, and meta.json says consistent
# false. Two real bench load --out runs against a real target give the inputs.
set -euo pipefail
BENCH=${BENCH:?}
BIN=$(dirname "$BENCH")
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
target=
cleanup() {
	[[ -z $target ]] || { kill "$target" 2>/dev/null; wait "$target" 2>/dev/null; } || true
	rm -rf "$tmp"
}
trap cleanup EXIT

expect() { # expect CODE PATTERN CMD...: exit status CODE and PATTERN in its stderr
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[[ $rc -eq $want ]] || { cat "$tmp/out" "$tmp/err"; fail "$*: exit $rc, want $want"; }
	grep -q -- "$pat" "$tmp/err" || { cat "$tmp/err"; fail "$*: no '$pat' in stderr"; }
}

expect 2 "missing --out" "$BENCH" merge a b
expect 2 "missing DIR" "$BENCH" merge --out "$tmp/m"
expect 2 "unrecognized\|unknown" "$BENCH" merge --nope a
expect 2 "missing --server" "$BENCH" plot --client a --out "$tmp/j"
expect 2 "missing --out" "$BENCH" plot --client a --server b
expect 2 "unexpected argument" "$BENCH" plot --client a --server b --out c d
expect 2 "shard" "$BENCH" load http://127.0.0.1:9/ --shard 2/2
expect 2 "shard" "$BENCH" load http://127.0.0.1:9/ --shard 1/0
expect 2 "fewer than" "$BENCH" load http://127.0.0.1:9/ -c 1 --shard 1/2
expect 2 "start-at" "$BENCH" load http://127.0.0.1:9/ --start-at 1e12
expect 2 "no --records" "$BENCH" load http://127.0.0.1:9/ --out "$tmp/x" --records "$tmp/r"
expect 1 "summary.json" "$BENCH" merge "$tmp/nonexistent" --out "$tmp/m"

exec 3>"$tmp/port"
"$BIN/target-epoll" --port 0 --ready-fd 3 2>/dev/null &
target=$!
exec 3>&-
# Up to 15 s: a sanitizer build on a loaded machine starts slowly.
for _ in $(seq 300); do [[ -s $tmp/port ]] && break; sleep 0.05; done
[[ -s $tmp/port ]] || fail "target-epoll wrote no port in 15 s"
url="http://127.0.0.1:$(head -1 "$tmp/port")/hello"
# -n 400 and -c 4 over two shards: 200 requests on 2 connections each.
for i in 0 1; do
	"$BENCH" load "$url" -n 400 -c 4 --shard $i/2 --out "$tmp/g$i" -q >"$tmp/g$i.out" ||
		fail "bench load --shard $i/2: $(cat "$tmp/g$i.out")"
done
# A latency.hlog missing is named.
mkdir "$tmp/nohlog" && cp "$tmp/g0/summary.json" "$tmp/g0/requests.csv" "$tmp/nohlog/"
expect 1 "latency.hlog: missing" "$BENCH" merge "$tmp/nohlog" --out "$tmp/m"

"$BENCH" merge "$tmp/g0" "$tmp/g1" --out "$tmp/m" >"$tmp/merge.out" || fail "bench merge"
python3 - "$tmp" <<'PY' || fail "merge"
import csv, json, sys
t = sys.argv[1]
ids = [int(r["id"]) for r in csv.DictReader(open(f"{t}/m/requests.csv"))]
assert sorted(ids) == list(range(1, 401)), "shards 0/2 and 1/2 of -n 400: ids 1..400 once each"
m = json.load(open(f"{t}/m/summary.json"))
assert m["requests"]["ok"] == 400 and m["latency"]["corrected"]["count"] == 400, m["requests"]
assert json.load(open(f"{t}/m/meta.json"))["tool"] == "bench merge"
PY

# A server directory, written from g1's records as a server 5 s "ahead" of the
# client would have marked them: each request read 3/10 of the way from the
# client's send to its first byte, and answered at 6/10.
python3 - "$tmp" <<'PY'
import csv, os, sys
t = sys.argv[1]
os.makedirs(f"{t}/srv")
off = 5 * 10**9
rows = list(csv.DictReader(open(f"{t}/g1/requests.csv")))
with open(f"{t}/srv/marks.csv", "w") as m:
    m.write("tid,request_id,event,t\n")
    for r in rows:
        c, f = int(r["t_connected"]), int(r["t_first_byte"])
        m.write(f"7,{r['id']},request_start,{c + (f - c) * 3 // 10 + off}\n")
        m.write(f"7,{r['id']},request_end,{c + (f - c) * 6 // 10 + off}\n")
a = min(int(r["t_start"]) for r in rows) + off - 10**6
b = max(int(r["t_end"]) for r in rows) + off + 10**6
with open(f"{t}/srv/sched.csv", "w") as s:
    s.write(f"tid,comm,state,t_start,t_end,cpu,syscall\n7,server,running,{a},{b},0,\n")
PY
"$BENCH" plot --client "$tmp/g1" --server "$tmp/srv" --out "$tmp/j" >"$tmp/join.out" 2>&1 ||
	{ cat "$tmp/join.out"; fail "bench plot --client --server"; }
python3 - "$tmp" <<'PY' || fail "the offset"
import json, sys
c = json.load(open(f"{sys.argv[1]}/j/meta.json"))["clock"]
# Request i allows [5 s - 0.4 w_i, 5 s + 0.3 w_i] (w_i its send to first byte):
# the truth is inside each, so inside the intersection the estimate reports.
assert c["consistent"] and c["joined"] == 200, c
assert abs(c["offset_ns"] - 5 * 10**9) <= c["uncertainty_ns"], c
PY
[[ -s $tmp/j/timeline.png && -s $tmp/j/trace.json && -s $tmp/j/sched.csv ]] || fail "joined files"

# One request's mark moved early, by more than any request's send to first byte
# (each allows 3/10 of its own and 4/10 of the others'; a fixed 1 ms fitted when
# a loaded machine made them slower): no constant offset fits every request.
python3 - "$tmp" <<'PY'
import csv, sys
t = sys.argv[1]
w = max(int(r["t_first_byte"]) - int(r["t_connected"]) for r in csv.DictReader(open(f"{t}/g1/requests.csv")))
p = f"{t}/srv/marks.csv"
lines = open(p).read().splitlines()
f = lines[1].split(",")
f[3] = str(int(f[3]) - w - 10**6)
lines[1] = ",".join(f)
open(p, "w").write("\n".join(lines) + "\n")
PY
expect 1 "contradict" "$BENCH" plot --client "$tmp/g1" --server "$tmp/srv" --out "$tmp/j2"
python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['clock']; assert c['consistent'] is False, c" \
	"$tmp/j2/meta.json" || fail "meta.json does not say the offset is inconsistent"
# No marks for the client's ids: said, exit 1.
expect 1 "no request has marks" "$BENCH" plot --client "$tmp/g0" --server "$tmp/srv" --out "$tmp/j3"
echo ok
