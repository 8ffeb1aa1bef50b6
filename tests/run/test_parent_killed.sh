#!/usr/bin/env bash
# SIGKILL of bench run or bench all, which no handler sees, still leaves no target
# behind: children die with their parent. The target is found by bench's session,
# never by name, and must be gone, with its port, within a few seconds.
source "$(dirname "$0")/lib.sh"

# Live processes of bench's session. A killed target may stay a zombie until
# whatever adopted it reaps it: it runs nothing and holds no port.
live_left() { ps -s "$bench_sid" -o pid=,stat=,args= | awk '$2 !~ /^Z/' || true; }

# Starts bench with "$@", waits for its target to listen, SIGKILLs bench, and
# checks that the target and its port go too. $1 names the case.
kill_bench() {
  local what=$1 pid='' port=''
  shift
  start_bench "$@" >/dev/null 2>&1
  for _ in $(seq 300); do
    pid=$(pgrep -s "$bench_sid" | grep -vx "$bench_sid" | head -1 || true)
    if [[ -n $pid ]]; then
      port=$(ss -Htlnp | awk -v p="pid=$pid," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }')
      [[ -n $port ]] && break
    fi
    sleep 0.05
  done
  [[ -n $port ]] || { kill -9 "$bench_sid"; fail "$what: never saw the target listen"; }
  kill -KILL "$bench_sid"
  wait "$bench_sid" 2>/dev/null || true
  for _ in $(seq 60); do
    [[ -z $(live_left) ]] && break
    sleep 0.05
  done
  local left
  left=$(live_left)
  # Not to be left for the next test either.
  [[ -z $left ]] || { kill -9 $(awk '{ print $1 }' <<<"$left") 2>/dev/null; fail "$what: left running after SIGKILL: $left"; }
  [[ -z $(ss -Htln "sport = :$port") ]] || fail "$what: port $port still listening"
  echo "$what: target $pid on port $port went with bench"
}

if privileged; then
  mark=$("$PROGS_LEFT" --max-id)
fi
# Traced when privileged: the tracer goes with the process, the target with it.
kill_bench "bench run" run epoll '/async?ms=50' -c 4 -d 30 --out "$tmp/run"
if privileged; then
  "$PROGS_LEFT" "$mark" || fail "BPF programs left loaded after SIGKILL of bench run"
fi
kill_bench "bench all" all --quick --scenarios io-bound --targets epoll --no-trace --out "$tmp/all"
echo "1 passed, 0 failed"
