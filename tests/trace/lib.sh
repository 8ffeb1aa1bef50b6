# Shared by the tracer's integration tests. BENCH, HELPER and PROGS_LEFT come
# from CTest's environment (see CMakeLists.txt).
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

need_bpf() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "skipped: needs root (CAP_BPF+CAP_PERFMON) to load BPF programs" >&2
    exit 77
  fi
}

tmp=$(mktemp -d)
pids_to_kill=()
cleanup() {
  for p in "${pids_to_kill[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# The highest BPF program id now: programs above it were loaded by this test.
mark_progs() { prog_mark=$("$PROGS_LEFT" --max-id); }
# None of the tracer's programs loaded since mark_progs may remain.
check_no_progs() {
  "$PROGS_LEFT" "$prog_mark" || fail "BPF programs left loaded after: $1"
}

# Waits up to $2 seconds (default 10) for file $1 to exist.
wait_file() {
  local n=$(( ${2:-10} * 20 ))
  while [[ ! -s $1 ]]; do
    (( n-- > 0 )) || fail "timed out waiting for $1"
    sleep 0.05
  done
}

# Runs "$@", stores exit code in rc and stderr in err (stdout to $tmp/out).
run() {
  set +e
  "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  err=$(cat "$tmp/err")
}
