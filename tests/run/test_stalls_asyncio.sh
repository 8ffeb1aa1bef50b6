#!/usr/bin/env bash
# Event-loop stalls on CPython's asyncio (Debian's python3), a loop nobody here
# wrote, under bench trace: the seed's mistake, time.sleep(0.3) inside an
# async def, three times, each followed by a short await (back to the loop's
# epoll_wait), must be three stalls of about 300 ms asleep in clock_nanosleep
# with the reader's byte ready; the same wait done right (await
# asyncio.sleep(0.3)) and the idle stretches must be none. A helper thread
# writes a byte every 50 ms to a socket the loop reads, so something is
# always waiting. Margins are wide: the machine is shared. 77 (skipped)
# without BPF privilege.
source "$(dirname "$0")/lib.sh"

privileged || { echo "SKIP: not root, no tracer"; exit 77; }
check=$(dirname "$0")/../plots/check_trace_json.py

cat >"$tmp/app.py" <<'PY'
import asyncio, socket, threading, time

def writer(s, stop):
    while not stop.is_set():
        s.send(b"x")
        time.sleep(0.05)

async def wrong():
    time.sleep(0.3)  # blocks the loop: the mistake

async def right():
    await asyncio.sleep(0.3)

async def main():
    r, w = socket.socketpair()
    r.setblocking(False)
    loop = asyncio.get_running_loop()
    loop.add_reader(r, lambda: r.recv(4096))
    stop = threading.Event()
    t = threading.Thread(target=writer, args=(w, stop))
    t.start()
    await asyncio.sleep(0.5)  # idle
    for _ in range(3):
        await right()
    for _ in range(3):
        await wrong()
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # idle again
    stop.set()
    t.join()

asyncio.run(main())
PY
d=$tmp/py
mkdir -p "$d"
run_bench trace --out "$d" --plot --perfetto "$d/trace.json" -- /usr/bin/python3 "$tmp/app.py" \
  >"$tmp/out.txt" 2>&1 || { cat "$tmp/out.txt"; fail "bench trace python3"; }

/usr/bin/python3 - "$d" <<'PY' || { cat "$tmp/out.txt"; fail "asyncio: stalls.csv"; }
import csv, json, os, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "stalls.csv"))))
for r in rows:
    for k in ("tid", "duration_ns", "sleeping_ns", "ready"):
        r[k] = int(r[k])
desc = "; ".join(f"{r['tid']} {r['duration_ns']/1e6:.0f} ms {r['cause']} {r['syscall']} ready {r['ready']}" for r in rows)
sleeps = [r for r in rows if r["cause"] == "sleeping"]
assert len(sleeps) == 3, f"want three stalls asleep (time.sleep), got: {desc}"
assert len({r["tid"] for r in sleeps}) == 1, desc
for r in sleeps:
    assert r["syscall"] == "clock_nanosleep", desc
    assert 250e6 <= r["duration_ns"] <= 1500e6, desc
    assert r["sleeping_ns"] >= 250e6, desc
    assert r["ready"] >= 1, f"the reader's byte was not ready after a stall: {desc}"
# asyncio.sleep, idle and the writer thread (not a loop) stall nothing; a CPU
# stretch of CPython on a loaded machine may (test_stalls.sh allows it too).
assert all(r["cause"] != "sleeping" or r in sleeps for r in rows), desc
assert len(rows) <= 4, desc
m = json.load(open(os.path.join(d, "meta.json")))
assert m["stalls"] == len(rows) and m["loops"] >= 1, m
PY
out=$tmp/out.txt
grep -Eq 'python3\) is an event loop \(epoll_wait\)\. It stalled 3 times for [0-9]+ ms( to [0-9]+ ms)? \([0-9]+ ms in all\) asleep in clock_nanosleep, with at least [0-9]+ events? ready' "$out" ||
  { cat "$out"; fail "the verdict does not say the loop slept three times"; }
n=$(($(wc -l <"$d/stalls.csv") - 1))
"$check" "$d/trace.json" --stalls "$n" || fail "trace.json"
check_png "$d/timeline.png"
grep -q 'STALL of python3' "$d/timeline.svg" || fail "no stall hover text in the SVG"
echo "ok: $(sed -n '/^event loops/,$p' "$out" | tr -s ' \n' ' ' | head -c 700)"
