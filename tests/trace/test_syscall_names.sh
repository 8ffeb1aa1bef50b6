#!/usr/bin/env bash
# The syscall of every sleep is named by default (no --syscalls), from the
# registers the kernel saved when the thread entered it:
#  - a Python asyncio server, not ours, whose handler calls time.sleep(0.3)
#    inside an async def: its loop thread shows each blocking sleep as ~300 ms
#    in clock_nanosleep, and its idle waits in epoll_wait;
#  - `sleep 5` traced for 1 s with --pid never switches during the trace: its
#    unknown stretch is named clock_nanosleep from /proc at the attach.
. "$(dirname "$0")/lib.sh"
need_bpf
command -v python3 >/dev/null || { echo "skipped: no python3" >&2; exit 77; }
mark_progs

cat >"$tmp/server.py" <<'PY'
import asyncio, sys, time

async def handle(reader, writer):
    await reader.readuntil(b"\r\n\r\n")
    time.sleep(0.3)  # the mistake: blocks the event loop
    writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
    await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    with open(sys.argv[1], "w") as f:
        f.write("%d\n" % server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()

asyncio.run(main())
PY
cat >"$tmp/get.py" <<'PY'
import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=10).read()
PY

python3 "$tmp/server.py" "$tmp/port" &
spid=$!
pids_to_kill+=("$spid")
wait_file "$tmp/port"
port=$(head -1 "$tmp/port")

d=$tmp/py
"$BENCH" trace -q --out "$d" --pid "$spid" &
b=$!
pids_to_kill+=("$b")
sleep 1 # the attach
for _ in 1 2; do
  python3 "$tmp/get.py" "$port" || fail "request to the asyncio server failed"
  sleep 0.3 # an idle wait between requests
done
kill -INT $b
wait $b || fail "bench trace exited $?"
kill "$spid"; wait "$spid" 2>/dev/null || true

grep -q '"syscalls": true' "$d/meta.json" || fail "meta.json does not say sleeps are named"
# The loop thread is the main thread: tid == pid.
n=$(awk -F, -v t="$spid" 'NR > 1 && $1 == t && $3 == "sleeping" && $7 == "clock_nanosleep" {
      ms = ($5 - $4) / 1e6; if (ms >= 299 && ms < 450) n++ } END { print n + 0 }' "$d/sched.csv")
[[ $n -eq 2 ]] || fail "$n sleeps of ~300 ms in clock_nanosleep on the loop thread, expected 2"
# Its idle waits are in epoll_wait (epoll_pwait where the C library uses it),
# and the longest are among them: the 1 s attach and the gaps between requests.
awk -F, -v t="$spid" 'NR > 1 && $1 == t && $3 == "sleeping" && $7 ~ /^epoll_p?wait$/ {
      ms = ($5 - $4) / 1e6; if (ms >= 250) n++ } END { exit n < 2 }' "$d/sched.csv" ||
  fail "the loop thread's idle waits are not named epoll_wait"
# Every sleep has a name. A blocked stretch may have none: a page fault that
# waits for the disk (CPython faulting in its code on a loaded CI machine) is
# uninterruptible and in no syscall.
unnamed=$(awk -F, -v t="$spid" 'NR > 1 && $1 == t && $3 == "sleeping" && $7 == ""' "$d/sched.csv")
[[ -z $unnamed ]] || fail "sleeps of the loop thread without a syscall name: $unnamed"

# A thread asleep through the whole trace has no switch to name it.
sleep 5 &
sp=$!
pids_to_kill+=("$sp")
sleep 0.2
"$BENCH" trace -q --pid "$sp" -d 1s --out "$tmp/sl" || fail "bench trace --pid sleep exited $?"
awk -F, -v t="$sp" 'NR > 1 && $1 == t && $7 == "clock_nanosleep" { ok = 1 } END { exit !ok }' \
  "$tmp/sl/sched.csv" || fail "sleep 5 is not named clock_nanosleep: $(cat "$tmp/sl/sched.csv")"

check_no_progs "naming syscalls"
echo ok
