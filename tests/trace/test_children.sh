#!/usr/bin/env bash
# --pid follows the process's children: those alive at the attach (a server's
# workers) and those forked after it, with all their threads.
. "$(dirname "$0")/lib.sh"
need_bpf
mark_progs

# sh with three children running at the attach, and a fourth forked 4 s in. The
# attach has until then: loading the tracer can take seconds on a busy machine
# under a sanitizer build (CI saw it take over 1.2 s, when the children only
# lived 1.5 s).
/bin/sh -c 'sleep 4.5 & sleep 4.5 & sleep 4; sleep 0.3; wait' &
sh_pid=$!
pids_to_kill+=("$sh_pid")
sleep 0.3
olds=$(pgrep -P "$sh_pid" | tr '\n' ' ')
[[ $(wc -w <<<"$olds") -eq 3 ]] || fail "expected three children of sh, got '$olds'"
run "$BENCH" trace -q --out "$tmp/d" -d 6 --pid "$sh_pid"
[[ $rc -eq 0 ]] || fail "exit $rc: $err"
for p in $olds; do
  awk -F, -v p="$p" 'NR > 1 && $1 == p && $2 == p { ok = 1 } END { exit !ok }' "$tmp/d/threads.csv" ||
    fail "child $p alive at the attach is not in threads.csv"
  awk -F, -v p="$p" '$1 == p && $3 == "running" { ok = 1 } END { exit !ok }' "$tmp/d/sched.csv" ||
    fail "child $p never seen running (it exits within the trace)"
done
# The fourth, forked after the attach: born during the trace, so no unknown start.
n=$(awk -F, 'NR > 1 && $3 == "sleep" { n++ } END { print n + 0 }' "$tmp/d/threads.csv")
[[ $n -eq 4 ]] || fail "expected 4 sleep processes in threads.csv, got $n"
born=$(awk -F, -v olds=" $olds" 'NR > 1 && $3 == "sleep" && index(olds, " " $1 " ") == 0 { print $1 }' "$tmp/d/threads.csv")
first=$(awk -F, -v t="$born" 'NR > 1 && $1 == t { print $3; exit }' "$tmp/d/sched.csv")
[[ $first == runnable ]] || fail "the child born after the attach starts '$first', not runnable"
check_no_progs "children"
echo ok
