#!/usr/bin/env bash
# Event-loop stalls (bpf/stalls.h) against our targets and a foreign program:
# /wrong?ms=300 x 3 on every loop target stalls about 900 ms in all, asleep in
# clock_nanosleep, with requests waiting; /async and hybrid /sync never stall,
# FastAPI /async and /sync never stall asleep (a CPU stall of its loop is allowed),
# /hello under load never stalls; /cpu stalls running on a CPU; bench trace
# finds a plain Python selector loop that sleeps; stacks name our handlers;
# connections that became ready during a stall are counted. The margins are wide: the
# machine is shared. Needs the tracer: 77 (skipped) without BPF privilege.
source "$(dirname "$0")/lib.sh"

privileged || { echo "SKIP: not root, no tracer"; exit 77; }

# Checks DIR/stalls.csv: python expressions over its rows (`rows`, each a dict
# with ints for the number columns) that must hold.
check_stalls() {
  local dir=$1 what=$2
  shift 2
  /usr/bin/python3 - "$dir" "$what" "$@" <<'PY' || fail "$what: stalls.csv"
import csv, os, sys
d, what, checks = sys.argv[1], sys.argv[2], sys.argv[3:]
path = os.path.join(d, "stalls.csv")
head = "tid,comm,t_start,t_end,duration_ns,cause,syscall,running_ns,runnable_ns,sleeping_ns,blocked_ns,ready,requests_waiting,stack"
assert open(path).readline().strip() == head, "stalls.csv header"
rows = list(csv.DictReader(open(path)))
for r in rows:
    for k in ("tid", "t_start", "t_end", "duration_ns", "running_ns", "runnable_ns",
              "sleeping_ns", "blocked_ns", "ready"):
        r[k] = int(r[k])
    r["requests_waiting"] = int(r["requests_waiting"]) if r["requests_waiting"] else None
    assert r["t_end"] - r["t_start"] == r["duration_ns"], r
    parts = r["running_ns"] + r["runnable_ns"] + r["sleeping_ns"] + r["blocked_ns"]
    assert parts <= r["duration_ns"], f"parts exceed the stall: {r}"
total_ms = sum(r["duration_ns"] for r in rows) / 1e6
for c in checks:
    if not eval(c):
        sys.exit(f"{what}: not true: {c}; {len(rows)} stalls, {total_ms:.0f} ms: {rows}")
PY
}

traced() { grep -q '"traced": true' "$1/summary.json"; }
prog_mark=$("$PROGS_LEFT" --max-id)

# 1. The mistake on every loop target: N x 300 ms, asleep in clock_nanosleep,
# requests waiting, and the verdict says so in words.
for t in epoll coroutine hybrid; do
  d=$tmp/wrong-$t
  run_bench run "$t" '/wrong?ms=300' --burst -c 3 --out "$d" >"$tmp/out.txt" 2>&1 ||
    { cat "$tmp/out.txt"; fail "bench run $t /wrong"; }
  traced "$d" || { echo "SKIP: not traced: $(grep trace_note "$d/meta.json")"; exit 77; }
  check_stalls "$d" "$t /wrong" 'len(rows) >= 1' '600 <= total_ms <= 1500' \
    'all(r["cause"] == "sleeping" and r["syscall"] == "clock_nanosleep" for r in rows)' \
    'all(r["requests_waiting"] > 0 for r in rows)' 'all(r["ready"] >= -1 for r in rows)' \
    'len({r["tid"] for r in rows}) == 1' \
    'all(r["stack"].startswith("clock_nanosleep+0x") and ";endpoint_sleep+0x" in r["stack"] for r in rows)'
  grep -q "is an event loop (epoll_wait)\. It stalled .* asleep in clock_nanosleep (called from endpoint_sleep <- [a-z_]*.*), while up to [0-9]* requests\? waited.*: a blocking sleep inside the loop\." "$tmp/out.txt" ||
    { cat "$tmp/out.txt"; fail "$t /wrong: no verdict"; }
done

# 2. Waits the model makes properly: no stall on any loop.
for cell in "epoll /async?ms=300" "coroutine /async?ms=300" "hybrid /async?ms=300" \
  "hybrid /sync?ms=300"; do
  set -- $cell
  d=$tmp/ok-$1
  run_bench run "$1" "$2" --burst -c 3 --out "$d" >"$tmp/out.txt" 2>&1 ||
    { cat "$tmp/out.txt"; fail "bench run $cell"; }
  check_stalls "$d" "$cell" 'rows == []'
  grep -q "It never stalled for 100 ms or more" "$tmp/out.txt" ||
    { cat "$tmp/out.txt"; fail "$cell: the loop not named as one that never stalled"; }
done

# 2b. The io_uring loop (target-uring), whose wait is io_uring_enter with
# IORING_ENTER_GETEVENTS: /wrong stalls it asleep in clock_nanosleep, /async (a
# timeout completion) never does. Skipped where target-uring was not built.
if [[ -x $(dirname "$BENCH")/target-uring ]]; then
  d=$tmp/wrong-uring
  run_bench run uring '/wrong?ms=300' --burst -c 3 --out "$d" >"$tmp/out.txt" 2>&1 ||
    { cat "$tmp/out.txt"; fail "bench run uring /wrong"; }
  check_stalls "$d" "uring /wrong" 'len(rows) >= 1' '600 <= total_ms <= 1500' \
    'all(r["cause"] == "sleeping" and r["syscall"] == "clock_nanosleep" for r in rows)' \
    'all(r["requests_waiting"] > 0 for r in rows)' 'len({r["tid"] for r in rows}) == 1'
  grep -q "is an event loop (io_uring_enter)\. It stalled .* asleep in clock_nanosleep\( (called from endpoint_sleep <- .*)\)\?, while up to [0-9]* requests\? waited.*: a blocking sleep inside the loop\." "$tmp/out.txt" ||
    { cat "$tmp/out.txt"; fail "uring /wrong: no verdict"; }
  d=$tmp/ok-uring
  run_bench run uring '/async?ms=300' --burst -c 3 --out "$d" >"$tmp/out.txt" 2>&1 ||
    { cat "$tmp/out.txt"; fail "bench run uring /async"; }
  check_stalls "$d" "uring /async" 'rows == []'
  grep -q "is an event loop (io_uring_enter)\. It never stalled for 100 ms or more" "$tmp/out.txt" ||
    { cat "$tmp/out.txt"; fail "uring /async: the loop not named as one that never stalled"; }
fi

# 3. A callback that computes for 200 ms: a stall on a CPU. On a shared machine
# (the tests run beside each other, and beside other people's) the loop may wait
# for its CPU longer than it runs: then the cause is runnable, which is true.
d=$tmp/cpu
run_bench run epoll '/cpu?us=200000' --burst -c 1 --out "$d" >"$tmp/out.txt" 2>&1 ||
  { cat "$tmp/out.txt"; fail "bench run epoll /cpu"; }
# Its stack comes from CPU samples (49 Hz, only inside a stall): a loop kept off
# its CPU the whole time may get none, but one it has is in the burning code.
check_stalls "$d" "epoll /cpu" 'len(rows) == 1' 'rows[0]["cause"] in ("running", "runnable")' \
  'rows[0]["syscall"] == ""' '150 <= total_ms <= 1000' \
  'rows[0]["sleeping_ns"] + rows[0]["blocked_ns"] < rows[0]["duration_ns"] / 10' \
  'rows[0]["stack"] == "" or any(f.startswith("endpoint_burn+0x") for f in rows[0]["stack"].split(";"))'
grep -Eq "(running on a CPU.*CPU-bound work|runnable, waiting for a CPU.*got no CPU)" "$tmp/out.txt" ||
  { cat "$tmp/out.txt"; fail "epoll /cpu: no verdict"; }

# 4. A loop busy with many short events is not stalled.
d=$tmp/hello
run_bench run epoll /hello -c 8 -d 2s --out "$d" >"$tmp/out.txt" 2>&1 ||
  { cat "$tmp/out.txt"; fail "bench run epoll /hello"; }
check_stalls "$d" "epoll /hello" 'rows == []'

# 5. FastAPI (python3 under uvicorn): /wrong stalls the loop, /async does not.
if [[ -x $(dirname "$BENCH")/target-fastapi ]] && /usr/bin/python3 -c 'import fastapi, uvicorn' 2>/dev/null; then
  d=$tmp/fastapi-wrong
  run_bench run fastapi '/wrong?ms=300' --burst -c 3 --out "$d" >"$tmp/out.txt" 2>&1 ||
    { cat "$tmp/out.txt"; fail "bench run fastapi /wrong"; }
  # The native stack of an interpreter: libc's sleep under CPython's frames
  # (docs/tracer.md), not the Python function that called time.sleep.
  # As below, CPython's loop may also hold a CPU past 100 ms once on a loaded
  # machine (the full suite saw 154 ms running beside the three sleeps).
  check_stalls "$d" "fastapi /wrong" 'len([r for r in rows if r["cause"] == "sleeping"]) >= 1' \
    '600 <= sum(r["duration_ns"] for r in rows if r["cause"] == "sleeping") / 1e6 <= 1500' \
    'all(r["syscall"] == "clock_nanosleep" for r in rows if r["cause"] == "sleeping")' \
    'len([r for r in rows if r["cause"] != "sleeping"]) <= 1' \
    'all(r["cause"] in ("running", "runnable") for r in rows if r["cause"] != "sleeping")' \
    'all(r["stack"].startswith("clock_nanosleep+0x") and "_PyEval_EvalFrameDefault" in r["stack"] for r in rows if r["cause"] == "sleeping")'
  for ep in '/async?ms=300' '/sync?ms=300'; do
    d=$tmp/fastapi-ok
    run_bench run fastapi "$ep" --burst -c 3 --out "$d" >"$tmp/out.txt" 2>&1 ||
      { cat "$tmp/out.txt"; fail "bench run fastapi $ep"; }
    # Never asleep inside the loop, which is the mistake /wrong makes. CPython's
    # loop thread may still hold a CPU past 100 ms on a loaded machine (CI saw
    # one 206 ms stall, all of it running, under the sanitizer run); that stall
    # is real and named as CPU work, so here it is allowed, once, and only so.
    check_stalls "$d" "fastapi $ep" 'len(rows) <= 1' \
      'all(r["cause"] in ("running", "runnable") and r["sleeping_ns"] + r["blocked_ns"] < 50e6 for r in rows)'
  done
else
  echo "fastapi not available: its cases skipped"
fi

# 6. bench trace on a program nobody here wrote the loop of: a Python selector
# loop that sleeps 300 ms twice between its waits. stalls.csv, the verdict,
# --stall-ms in both grammars, and no requests column outside bench run.
cat >"$tmp/loop.py" <<'PY'
import selectors, socket, time
sel = selectors.DefaultSelector()
a, b = socket.socketpair()
sel.register(a, selectors.EVENT_READ)
for i in range(12):
    sel.select(0.02)
    if i in (4, 8):
        time.sleep(0.3)
PY
for ms in 100 250ms; do
  d=$tmp/trace-$ms
  run_bench trace --out "$d" --stall-ms "$ms" -- /usr/bin/python3 "$tmp/loop.py" >"$tmp/out.txt" 2>&1 ||
    { cat "$tmp/out.txt"; fail "bench trace python loop"; }
  check_stalls "$d" "python loop ($ms)" 'len(rows) == 2' \
    'all(r["syscall"] == "clock_nanosleep" and r["requests_waiting"] is None for r in rows)' \
    'all(r["comm"] == "python3" for r in rows)'
  grep -q "(python3) is an event loop (.*). It stalled 2 times for 30[0-9] ms ([0-9]* ms in all) asleep in clock_nanosleep" "$tmp/out.txt" ||
    { cat "$tmp/out.txt"; fail "bench trace: no verdict"; }
done
d=$tmp/trace-high
run_bench trace --out "$d" --stall-ms 400ms -- /usr/bin/python3 "$tmp/loop.py" >"$tmp/out.txt" 2>&1 ||
  fail "bench trace --stall-ms 400ms"
check_stalls "$d" "python loop (400ms)" 'rows == []'
grep -q '"stall_ms": 400' "$d/meta.json" || fail "meta.json has no stall_ms 400"

# 7. Who waited: three idle keep-alive connections to target-epoll, then
# /wrong?ms=600 on the first and, 200 ms into that stall, /hello on the other
# two. Where a ready hook attached (the verdict names it), both count as
# ready, the oldest having waited about 400 ms; else ready is a lower bound
# and only the stack is checked. With --no-ready-hook it must be the lower bound.
target=$(dirname "$BENCH")/target-epoll
who_waited() { # NAME [bench trace options]: the trace in $tmp/NAME, its verdict in $tmp/NAME.txt
  local name=$1 port trace # tpid stays global: the EXIT trap reads it
  shift
  "$target" --port 0 --ready-fd 3 3>"$tmp/port.$name" 2>/dev/null &
  tpid=$!
  trap 'kill "$tpid" 2>/dev/null || true; cleanup' EXIT
  for _ in $(seq 50); do [[ -s $tmp/port.$name ]] && break; sleep 0.1; done
  port=$(head -1 "$tmp/port.$name")
  [[ -n $port ]] || { kill "$tpid"; fail "target-epoll gave no port"; }
  run_bench trace --pid "$tpid" -d 4s --out "$tmp/$name" "$@" >"$tmp/$name.txt" 2>&1 &
  trace=$!
  /usr/bin/python3 - "$port" <<'PY' || { kill "$tpid" "$trace"; fail "who-waited client ($name)"; }
import socket, sys, time
port = int(sys.argv[1])
c = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
time.sleep(1.5)  # accepted and idle in the loop's epoll; the tracer attached
def get(s, path):
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
get(c[0], "/wrong?ms=600")
time.sleep(0.2)
get(c[1], "/hello")
get(c[2], "/hello")
for s in c:
    s.settimeout(5)
    assert s.recv(4096).startswith(b"HTTP/1.1 200"), "no answer"
PY
  wait "$trace" || { cat "$tmp/$name.txt"; kill "$tpid"; fail "bench trace --pid ($name)"; }
  kill "$tpid"
  wait "$tpid" 2>/dev/null || true
  check_stalls "$tmp/$name" "$name" 'len(rows) >= 1' \
    'any(r["duration_ns"] >= 500e6 and ";endpoint_sleep+0x" in r["stack"] for r in rows)'
}
who_waited who
if grep -q "ready: fds that became ready during the stall, counted by" "$tmp/who.txt"; then
  check_stalls "$tmp/who" "who waited (counted)" \
    'any(r["duration_ns"] >= 500e6 and r["ready"] >= 2 for r in rows)'
  age=$(grep -o "the oldest waited [0-9]* ms" "$tmp/who.txt" | head -1 | grep -o "[0-9][0-9]*")
  [[ -n $age && $age -ge 200 && $age -le 1500 ]] ||
    { cat "$tmp/who.txt"; fail "who waited: the oldest's age is '$age', want about 400 ms"; }
else
  grep -q "ready: a lower bound" "$tmp/who.txt" ||
    { cat "$tmp/who.txt"; fail "who waited: the verdict does not say how ready was measured"; }
  echo "no ready hook on this kernel: the counted-ready checks skipped"
fi
# Without the hook: the count is the next wait's return (at least the one
# connection whose answer went out), and the verdict says it is a lower bound.
who_waited nohook --no-ready-hook
grep -q "ready: a lower bound" "$tmp/nohook.txt" &&
  ! grep -q "counted by" "$tmp/nohook.txt" ||
  { cat "$tmp/nohook.txt"; fail "--no-ready-hook: the verdict does not say ready is a lower bound"; }
check_stalls "$tmp/nohook" "who waited (no hook)" \
  'any(r["duration_ns"] >= 500e6 and r["ready"] >= 1 for r in rows)'

rc=0
"$BENCH" trace --stall-ms 0 -- true >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "--stall-ms 0 exits $rc, want 2"
rc=0
"$BENCH" run epoll --stall-ms soon >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "bench run --stall-ms soon exits $rc, want 2"
"$PROGS_LEFT" "$prog_mark" || fail "tracer programs left loaded"
echo PASS
