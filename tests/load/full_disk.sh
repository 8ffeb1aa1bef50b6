#!/usr/bin/env bash
# `bench load --records F` and `--json F` on a disk that fills: the error is
# named (ENOSPC), the exit is 1, and nothing is left under F (nor F.tmp); with
# room, both are written and no temporary is left. The disk is a small tmpfs,
# mounted here (root only: without permission the test is skipped, exit 77).
# usage: full_disk.sh BIN_DIR
set -uo pipefail
bin=$1
bench=$bin/bench
tmp=$(mktemp -d)
mnt=$tmp/disk
target_pid=
mounted=
cleanup() {
  [[ -n $target_pid ]] && kill "$target_pid" 2>/dev/null && wait "$target_pid" 2>/dev/null
  [[ -n $mounted ]] && umount "$mnt"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

mkdir "$mnt"
if ! why=$(mount -t tmpfs -o size=256k,mode=0755 asyncscope-test "$mnt" 2>&1); then
  echo "SKIP: cannot mount a tmpfs to fill (needs root or CAP_SYS_ADMIN): $why"
  exit 77
fi
mounted=1

"$bin/target-epoll" --port 0 --ready-fd 3 3>"$tmp/port" 2>/dev/null &
target_pid=$!
for _ in $(seq 50); do [[ -s $tmp/port ]] && break; sleep 0.1; done
tport=$(tr -d '\n' <"$tmp/port")
[[ -n $tport ]] || { fail "target-epoll did not start"; exit 1; }
url="http://127.0.0.1:$tport/hello"

# nothing_left FILE WHAT: neither FILE nor FILE.tmp exists.
nothing_left() {
  [[ ! -e $1 ]] || fail "$2: $(basename "$1") left under its name ($(wc -c <"$1") bytes)"
  [[ ! -e $1.tmp ]] || fail "$2: $(basename "$1").tmp left behind"
}

# expect_enospc WHAT ARGS...: exit 1 and ENOSPC named on stderr.
expect_enospc() {
  local what=$1
  shift
  "$bench" load "$url" -q "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [[ $rc == 1 ]] || fail "$what: exit $rc, want 1"
  grep -q "ENOSPC" "$tmp/err" || fail "$what: ENOSPC not named: $(head -2 "$tmp/err")"
}

# The disk fills during the run: 20000 rows are about 1.5 MB, the disk 256 KB.
expect_enospc "records filling the disk" -n 20000 -c 4 --records "$mnt/r.csv"
nothing_left "$mnt/r.csv" "records filling the disk"

# The disk is full before the run: the header cannot be written, nor the JSON.
rm -f "$mnt"/*
head -c 10M /dev/zero >"$mnt/fill" 2>/dev/null
expect_enospc "records on a full disk" -n 10 -c 2 --records "$mnt/r.csv"
nothing_left "$mnt/r.csv" "records on a full disk"
expect_enospc "--json on a full disk" -n 10 -c 2 --json "$mnt/s.json"
nothing_left "$mnt/s.json" "--json on a full disk"

# With room again, both are written whole and no temporary is left.
rm -f "$mnt/fill"
"$bench" load "$url" -q -n 10 -c 2 --records "$mnt/r.csv" --json "$mnt/s.json" >"$tmp/out" 2>&1 ||
  fail "with room: exit $?: $(head -2 "$tmp/out")"
[[ $(wc -l <"$mnt/r.csv" 2>/dev/null) == 11 ]] || fail "with room: records not 11 lines"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["requests"]["ok"] == 10' \
  "$mnt/s.json" || fail "with room: JSON not written whole"
[[ ! -e $mnt/r.csv.tmp && ! -e $mnt/s.json.tmp ]] || fail "with room: a .tmp left behind"

((fails == 0)) || exit 1
echo "full disk: all good"
