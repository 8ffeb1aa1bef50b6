#!/usr/bin/env bash
# Beyond one machine, on one machine: a target and two generators, each in its
# own network namespace with its own address on a bridge (in a fourth namespace,
# so the host's own network is untouched); the second generator also in a time
# namespace whose CLOCK_MONOTONIC runs 1000 s ahead. The target is traced with
# bench trace --out from the host (the BPF programs are global). Then:
#   - bench merge: the merged latency.hlog equals, bucket for bucket, the
#     histogram of every merged record (read back by hdrdump.py, not by us);
#   - bench plot --client --client --server: each client's offset recovered
#     within the uncertainty it reports (0 and -1000 s), the joined records on the
#     server's clock inside the trace's window, and the timeline drawn.
# No delay is injected (this kernel has no netem): veth is a few µs each way.
# Needs root, ip (iproute2), unshare --time and the tracer: 77 otherwise.
# Every namespace, link and process is removed on every exit path (the trap).
set -euo pipefail
BENCH=${BENCH:?} HDRDUMP=${HDRDUMP:?}
BIN=$(dirname "$BENCH")

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || skip "not root: network namespaces and the tracer need it"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v unshare >/dev/null || skip "no unshare (util-linux)"
unshare --time --monotonic=1000 true 2>/dev/null || skip "no time namespaces (unshare --time)"

# Names unique to this run: interface names stay within 15 bytes.
tag=as$$
ns_t=$tag-t ns_a=$tag-a ns_b=$tag-b ns_sw=$tag-sw
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	for n in "$ns_t" "$ns_a" "$ns_b" "$ns_sw"; do ip netns del "$n" 2>/dev/null || true; done
	# A veth still in the host's namespace (a setup cut short) goes too.
	for i in 0 1 2; do ip link del "${tag}v$i" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns_sw" 2>/dev/null || skip "ip netns add failed (no CAP_SYS_ADMIN here?)"
ip netns add "$ns_t"
ip netns add "$ns_a"
ip netns add "$ns_b"
ip -n "$ns_sw" link add br0 type bridge
ip -n "$ns_sw" link set br0 up
i=0
for n in "$ns_t" "$ns_a" "$ns_b"; do
	ip link add "${tag}v$i" type veth peer name "${tag}p$i"
	ip link set "${tag}v$i" netns "$n"
	ip link set "${tag}p$i" netns "$ns_sw"
	ip -n "$ns_sw" link set "${tag}p$i" master br0
	ip -n "$ns_sw" link set "${tag}p$i" up
	ip -n "$n" addr add "10.77.0.$((i + 1))/24" dev "${tag}v$i"
	ip -n "$n" link set "${tag}v$i" up
	ip -n "$n" link set lo up
	i=$((i + 1))
done

# The target, in its namespace, bound to its address only.
exec 3>"$tmp/port"
ip netns exec "$ns_t" "$BIN/target-epoll" --bind 10.77.0.1 --port 0 --ready-fd 3 \
	2>"$tmp/target.err" &
pids+=($!)
target=$!
exec 3>&-
for _ in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.05; done
port=$(head -1 "$tmp/port")
[[ -n $port ]] || fail "the target did not start: $(cat "$tmp/target.err")"
url="http://10.77.0.1:$port/hello"

# The tracer, from the host, for the whole load and a margin.
"$BENCH" trace --pid "$target" -d 7s --out "$tmp/srv" >"$tmp/trace.out" 2>&1 &
trace=$!
pids+=($trace)
sleep 2 # attached (it takes about a second on a loaded machine)

# Both generators start at one wall-clock instant; the second's monotonic clock
# is 1000 s ahead. -c 4 and --rate 400 split 2+2 and 200+200.
at=$(date -d '+1.5 sec' +%s.%N)
load=(load "$url" --rate 400 -d 2s -c 4 --mark-every 2 --start-at "$at" -q)
ip netns exec "$ns_a" "$BENCH" "${load[@]}" --shard 0/2 --out "$tmp/a" >"$tmp/a.out" 2>&1 &
ga=$!
pids+=($ga)
ip netns exec "$ns_b" unshare --time --monotonic=1000 \
	"$BENCH" "${load[@]}" --shard 1/2 --out "$tmp/b" >"$tmp/b.out" 2>&1 &
gb=$!
pids+=($gb)
wait "$ga" || { cat "$tmp/a.out"; fail "generator a: exit $?"; }
wait "$gb" || { cat "$tmp/b.out"; fail "generator b: exit $?"; }
rc=0
wait "$trace" || rc=$?
if [[ $rc -ne 0 ]]; then
	cat "$tmp/trace.out"
	grep -qiE 'permission|privilege|not permitted|BTF' "$tmp/trace.out" &&
		skip "the tracer cannot attach here"
	fail "bench trace: exit $rc"
fi

# The second generator really ran 1000 s ahead.
python3 - "$tmp" <<'PY' || fail "the clocks were not shifted"
import json, sys
a = json.load(open(f"{sys.argv[1]}/a/summary.json"))["throughput"]["t0_ns"]
b = json.load(open(f"{sys.argv[1]}/b/summary.json"))["throughput"]["t0_ns"]
assert abs((b - a) - 1000e9) < 1e9, (a, b)
PY

"$BENCH" merge "$tmp/a" "$tmp/b" --out "$tmp/m" >"$tmp/merge.out" 2>&1 ||
	{ cat "$tmp/merge.out"; fail "bench merge"; }
for f in requests.csv summary.json latency.hlog meta.json timeline.png trace.json; do
	[[ -s $tmp/m/$f ]] || fail "bench merge wrote no $f"
done
for kind in corrected uncorrected; do
	python3 "$HDRDUMP" log "$tmp/m/latency.hlog" $kind >"$tmp/h.log"
	python3 "$HDRDUMP" records "$tmp/m/requests.csv" $kind >"$tmp/h.rec"
	cmp -s "$tmp/h.log" "$tmp/h.rec" ||
		{ diff "$tmp/h.log" "$tmp/h.rec" | head; fail "merged $kind histogram != records"; }
done
python3 - "$tmp" <<'PY' || fail "merged counts"
import csv, json, sys
t = sys.argv[1]
m = json.load(open(f"{t}/m/summary.json"))
a, b = (json.load(open(f"{t}/{x}/summary.json")) for x in "ab")
rows = list(csv.DictReader(open(f"{t}/m/requests.csv")))
assert len(rows) == m["requests"]["completed"] == a["requests"]["completed"] + b["requests"]["completed"]
assert m["latency"]["corrected"]["count"] == len(rows)
assert len({r["id"] for r in rows}) == len(rows), "ids repeat across the shards"
print(f"merge: {len(rows)} records, histograms equal bucket for bucket")
PY

"$BENCH" plot --client "$tmp/a" --client "$tmp/b" --server "$tmp/srv" --out "$tmp/j" \
	>"$tmp/join.out" 2>&1 || { cat "$tmp/join.out"; fail "bench plot --client --server"; }
cat "$tmp/join.out" | grep 'clock offset'
for f in requests.csv sched.csv marks.csv meta.json timeline.png trace.json; do
	[[ -s $tmp/j/$f ]] || fail "the joined directory has no $f"
done
python3 - "$tmp" <<'PY' || fail "clock join"
import csv, json, sys
t = sys.argv[1]
c = json.load(open(f"{t}/j/meta.json"))["clock"]
want = {f"{t}/a": 0, f"{t}/b": -1000 * 10**9}
for cl in c["clients"]:
    err = cl["offset_ns"] - want[cl["dir"]]
    assert cl["consistent"], cl
    assert cl["joined"] >= 50, cl
    assert abs(err) <= cl["uncertainty_ns"], f"{cl['dir']}: off by {err} ns, bound {cl['uncertainty_ns']}"
    print(f"{cl['dir']}: recovered within {abs(err)} ns of the truth, bound {cl['uncertainty_ns']} ns")
assert c["offset_ns"] == c["clients"][0]["offset_ns"]
# Every joined request now reads client send <= server start <= end <= first byte.
marks = {}
for m in csv.DictReader(open(f"{t}/j/marks.csv")):
    marks.setdefault(int(m["request_id"]), {})[m["event"]] = int(m["t"])
ts = [int(r["t_start"]) for r in csv.DictReader(open(f"{t}/j/sched.csv"))]
bad = joined = 0
for r in csv.DictReader(open(f"{t}/j/requests.csv")):
    k = marks.get(int(r["id"]))
    if not k or "request_start" not in k or "request_end" not in k:
        continue
    joined += 1
    if not (int(r["t_connected"]) <= k["request_start"] <= k["request_end"] <= int(r["t_first_byte"])):
        bad += 1
    assert min(ts) <= int(r["t_start"]) <= max(ts) + 10**9
assert joined >= 100 and bad == 0, (joined, bad)
print(f"join: {joined} requests inside the server's trace, none out of order")
PY
echo "ok"
