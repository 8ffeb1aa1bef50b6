#!/usr/bin/env bash
# Usage errors of bench list and bench run: exit 2 and a message that says what
# was wrong and what is allowed, before anything starts.
source "$(dirname "$0")/lib.sh"

# Runs bench "$@"; its exit status in rc, its stderr in err.
run() {
  set +e
  "$BENCH" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  err=$(cat "$tmp/err")
}

run list
[[ $rc -eq 0 && -z $err ]] || fail "bench list: exit $rc: $err"
grep -q '^targets:' "$tmp/out" || fail "bench list printed no targets"
run list extra
[[ $rc -eq 2 ]] || fail "bench list extra: want exit 2, got $rc"
[[ $err == *"unexpected argument 'extra'"* && $err == *"usage: bench list"* ]] ||
  fail "bench list extra: no usage message: $err"
run list --help
[[ $rc -eq 0 ]] && grep -q 'usage: bench list' "$tmp/out" || fail "bench list --help: exit $rc"

# An endpoint the targets do not have, with or without its slash: named, and the
# valid ones listed, instead of a load generator's complaint about URLs.
for ep in nohello /nohello; do
  run run epoll "$ep"
  [[ $rc -eq 2 ]] || fail "bench run epoll $ep: want exit 2, got $rc"
  [[ $err == *"unknown endpoint '$ep'"* ]] || fail "bench run epoll $ep: $err"
  for valid in /hello '/sync?ms=N' '/async?ms=N' '/wrong?ms=N' '/cpu?us=N'; do
    [[ $err == *"$valid"* ]] || fail "bench run epoll $ep does not list $valid: $err"
  done
  [[ $err != *"one URL"* ]] || fail "bench run epoll $ep still talks of URLs: $err"
done
echo "1 passed, 0 failed"
