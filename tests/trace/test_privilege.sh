#!/usr/bin/env bash
# Without CAP_BPF+CAP_PERFMON: one line saying so and what to run, exit 1.
. "$(dirname "$0")/lib.sh"
if [[ $(id -u) -eq 0 ]]; then
  command -v setpriv >/dev/null || { echo "skipped: no setpriv to drop root" >&2; exit 77; }
  drop=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
else
  drop=()
fi
run "${drop[@]}" "$BENCH" trace -d 1 --pid 1
[[ $rc -eq 1 ]] || fail "unprivileged: exit $rc, expected 1: $err"
[[ $err == *"CAP_BPF+CAP_PERFMON"* && $err == *"sudo"* ]] || fail "unprivileged: unclear message: $err"
[[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "unprivileged: more than one line: $err"
echo ok
