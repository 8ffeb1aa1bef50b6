#!/usr/bin/env bash
# Bad flags: a usage message naming the problem, exit 2. Bad targets (no such
# pid, a zombie, an unwritable --out, a command that does not exist): one clear
# line, exit 1. Nothing stays loaded after any of them.
. "$(dirname "$0")/lib.sh"
need_bpf
mark_progs

usage_case() { # expected-substring args...
  local want=$1; shift
  run "$BENCH" trace "$@"
  [[ $rc -eq 2 ]] || fail "bench trace $*: exit $rc, expected 2"
  [[ $err == *"$want"* ]] || fail "bench trace $*: message lacks '$want': $err"
  [[ $err == *"usage:"* ]] || fail "bench trace $*: no usage"
}
usage_case "say what to trace"
usage_case "--pid wants" --pid abc
usage_case "--pid wants" --pid -3
usage_case "exclude each other" --pid 1 -- true
usage_case "-d wants" -d -1 --pid 1
usage_case "-d wants" -d soon --pid 1
usage_case "unknown option" --frobnicate
usage_case "--plot needs --out" --plot --pid 1
usage_case "needs a command" --
usage_case "--out needs a value" --out

one_line() { # expected-substring args...
  local want=$1; shift
  run "$BENCH" trace "$@"
  [[ $rc -eq 1 ]] || fail "bench trace $*: exit $rc, expected 1: $err"
  [[ $err == *"$want"* ]] || fail "bench trace $*: message lacks '$want': $err"
  [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "bench trace $*: more than one line: $err"
}
# A pid beyond pid_max cannot exist.
one_line "no process with pid" --pid $(( $(cat /proc/sys/kernel/pid_max) + 1 ))
"$HELPER" --zombie >"$tmp/zombie" &
pids_to_kill+=("$!")
wait_file "$tmp/zombie"
one_line "is a zombie" --pid "$(cat "$tmp/zombie")"
touch "$tmp/file"
one_line "cannot write to $tmp/file/sub" --pid $$ --out "$tmp/file/sub"
one_line "cannot write $tmp/nodir/t.json" --pid $$ --perfetto "$tmp/nodir/t.json"
one_line "command not found" -- no-such-command-asyncscope
one_line "cannot run" -- "$tmp/file"
check_no_progs "bad input"
echo ok
