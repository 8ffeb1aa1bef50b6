#!/usr/bin/env bash
# SIGKILL of bench trace -- CMD, which no handler sees, still ends CMD: the command
# dies with its parent. It is found by bench's session, never by name.
. "$(dirname "$0")/lib.sh"
need_bpf
mark_progs

# bench in a session of its own (setsid execs it: $! is bench).
setsid "$BENCH" trace -q -- sleep 60 >/dev/null 2>&1 &
b=$!
pids_to_kill+=("$b")
# Live processes of the session but bench (a killed one may wait as a zombie).
others() { ps -s "$b" -o pid=,stat=,comm= | awk -v b="$b" '$1 != b && $2 !~ /^Z/' || true; }

# The command runs once the child of bench has exec'd it.
cmd=''
for _ in $(seq 200); do
  cmd=$(others | awk '$3 == "sleep" { print $1; exit }')
  [[ -n $cmd ]] && break
  sleep 0.05
done
[[ -n $cmd ]] || fail "the traced command never started"
pids_to_kill+=("$cmd")
kill -KILL "$b"
wait "$b" 2>/dev/null || true
for _ in $(seq 60); do
  [[ -z $(others) ]] && break
  sleep 0.05
done
[[ -z $(others) ]] || fail "left running after SIGKILL of bench trace: $(others)"
check_no_progs "SIGKILL of bench trace -- CMD"
echo ok
