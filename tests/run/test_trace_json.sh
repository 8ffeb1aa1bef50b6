#!/usr/bin/env bash
# trace.json as ui.perfetto.dev reads it (tests/plots/check_trace_json.py), from
# both of its writers' callers: a traced bench run cell where requests cross
# threads (hybrid /sync: the loop reads, a pool thread runs the handler), a
# closed loop with several requests per connection, and bench trace --perfetto
# on a target under load. Also that the checker itself rejects what it must.
# Needs the tracer: 77 (skipped) without BPF privilege.
source "$(dirname "$0")/lib.sh"

privileged || { echo "SKIP: not root, no tracer"; exit 77; }
check=$(dirname "$0")/../plots/check_trace_json.py
targets=$(dirname "$BENCH")

# The requests the client sent whose id the server marked request_start: each
# one is a client -> server flow.
joined() {
  /usr/bin/python3 - "$1" <<'PY'
import csv, os, sys
d = sys.argv[1]
started = {m["request_id"] for m in csv.DictReader(open(os.path.join(d, "marks.csv")))
           if m["event"] == "request_start"}
print(sum(1 for r in csv.DictReader(open(os.path.join(d, "requests.csv")))
          if r["id"] in started and r["t_start"] not in ("", "0")))
PY
}

traced() { grep -q '"traced": true' "$1/summary.json"; }

# 1. Hybrid /sync: every request is handed from the loop to a pool thread.
d=$tmp/hybrid
run_bench run hybrid '/sync?ms=100' -c 8 --burst --out "$d" >"$tmp/out.txt" 2>&1 ||
  { cat "$tmp/out.txt"; fail "bench run hybrid"; }
traced "$d" || { echo "SKIP: not traced: $(grep trace_note "$d/meta.json")"; exit 77; }
n=$(joined "$d")
[[ $n -eq 8 ]] || fail "hybrid: $n requests joined to their marks, want 8"
"$check" "$d/trace.json" --client-flows "$n" --min-handoffs 8 || fail "hybrid trace.json"
grep -q '"sent, in the kernel'"'"'s queue"' "$d/trace.json" || fail "no kernel-queue phase"
grep -q '"name":"sleeping: clock_nanosleep"' "$d/trace.json" ||
  fail "no sleep named by its syscall"

# 2. A closed loop: requests back to back on each connection, one loop thread.
d=$tmp/epoll
run_bench run epoll '/async?ms=20' -c 4 -d 1s --out "$d" >"$tmp/out.txt" 2>&1 ||
  { cat "$tmp/out.txt"; fail "bench run epoll"; }
"$check" "$d/trace.json" --client-flows "$(joined "$d")" || fail "epoll trace.json"

# 3. bench trace --perfetto (no --out: its files go to a scratch directory),
# the target loaded meanwhile by bench load.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_bench trace -q -d 4s --perfetto "$tmp/t.json" -- "$targets/target-hybrid" --port "$port"
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
"$BENCH" load "http://127.0.0.1:$port/sync?ms=50" --burst -c 6 >/dev/null ||
  fail "bench load against the traced target"
rc=0
wait "$bench_sid" || rc=$?
# The target is stopped by SIGTERM at -d: its status, not ours.
[[ -s $tmp/t.json ]] || fail "bench trace wrote no $tmp/t.json (exit $rc)"
"$check" "$tmp/t.json" --client-flows 0 --min-handoffs 6 || fail "bench trace --perfetto"

# 4. The checker is not a rubber stamp.
cat >"$tmp/bad.json" <<'J'
{"traceEvents":[
{"ph":"M","name":"process_name","pid":1,"tid":1,"ts":0,"args":{"name":"p"}},
{"ph":"M","name":"thread_name","pid":1,"tid":1,"ts":0,"args":{"name":"t"}},
{"ph":"X","name":"a","pid":1,"tid":1,"ts":1.000,"dur":2.000},
{"ph":"X","name":"b","pid":1,"tid":1,"ts":2.999,"dur":1.000},
{"ph":"b","cat":"request","name":"r","id":"0x1","pid":1,"tid":1,"ts":1.0,"bind_id":7,"flow_out":true},
{"ph":"C","name":"in flight","pid":1,"tid":1,"ts":1.0,"args":{"requests":-1}}
]}
J
out=$("$check" "$tmp/bad.json" || true)
for want in "overlaps the previous" "b without e" "1 starts and 0 ends" "counter"; do
  grep -q "$want" <<<"$out" || fail "the checker missed: $want (it said: $out)"
done
echo "ok"
