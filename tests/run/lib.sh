# Shared by the bench run / bench all tests. BENCH and PROGS_LEFT come from
# CTest's environment (see CMakeLists.txt).
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

# Runs bench in a session of its own (setsid makes the process, not a fork, the
# session leader here, so $! is bench itself), so that whatever it started and left
# behind can be found afterwards by session, whatever else runs on the machine.
# Sets bench_sid; the caller waits for it.
start_bench() {
  setsid "$BENCH" "$@" &
  bench_sid=$!
}
# Processes of that session still alive (bench itself has been waited for).
left_behind() { pgrep -s "$bench_sid" -a || true; }
# Runs bench to its end; its exit status, and fails if it left anything behind.
run_bench() {
  start_bench "$@"
  local rc=0
  wait "$bench_sid" || rc=$?
  [[ -z $(left_behind) ]] || fail "processes left behind: $(left_behind)"
  return $rc
}

privileged() { [[ $(id -u) -eq 0 ]]; }

# The checks of one results directory: DIR, expected request count.
check_run_dir() {
  local dir=$1 n=$2
  for f in meta.json requests.csv summary.json stderr.txt; do
    [[ -f $dir/$f ]] || fail "$dir/$f missing"
  done
  ls "$dir" | grep -q '\.tmp$' && fail "temporary files left in $dir"
  /usr/bin/python3 - "$dir" "$n" <<'PY' || fail "schema of $dir"
import csv, json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
rows = list(csv.DictReader(open(os.path.join(d, "requests.csv"))))
want = "id,thread,conn,t_intended,t_start,t_connected,t_first_byte,t_end,status,bytes,error,sampled"
assert open(os.path.join(d, "requests.csv")).readline().strip() == want, "requests.csv header"
assert len(rows) == n, f"{len(rows)} request rows, want {n}"
assert len({r["id"] for r in rows}) == n, "request ids not unique"
for r in rows:
    t = [int(r[k]) for k in ("t_intended", "t_start", "t_connected", "t_first_byte", "t_end")]
    assert t[0] <= t[1] <= t[4] and t[1] <= t[2] <= t[3] <= t[4], f"times not monotonic: {r}"
    assert r["status"] == "200", f"status {r['status']}"
s = json.load(open(os.path.join(d, "summary.json")))
assert s["status"] == "ok", s
assert s["load"]["requests"]["ok"] == n
m = json.load(open(os.path.join(d, "meta.json")))
assert m["target_pid"] > 0, f"target_pid {m['target_pid']}"
if s["trace"]["traced"]:
    for f in ("sched.csv", "marks.csv", "trace.json"):
        assert os.path.exists(os.path.join(d, f)), f
    assert open(os.path.join(d, "sched.csv")).readline().startswith("tid,comm,state,t_start,t_end,cpu")
    json.load(open(os.path.join(d, "trace.json")))
    marks = list(csv.DictReader(open(os.path.join(d, "marks.csv"))))
    ended = {m["request_id"] for m in marks if m["event"] == "request_end"}
    # Every request the client saw is joined to the server's marks by its id.
    missing = [r["id"] for r in rows if r["id"] not in ended]
    assert not missing, f"requests without a request_end mark: {missing}"
    t0, t1 = min(int(r["t_start"]) for r in rows), max(int(r["t_end"]) for r in rows)
    for m in marks:  # one clock: server marks fall inside the client's window
        assert t0 <= int(m["t"]) <= t1, f"mark outside the client's window: {m}"
PY
}

# A PNG of sensible size ($2 bytes at least) and an SVG.
check_png() {
  [[ -s $1 ]] || fail "$1 missing"
  [[ $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$1 is not a PNG"
  (( $(stat -c %s "$1") >= ${2:-5000} )) || fail "$1 is suspiciously small"
}
check_svg() {
  [[ -s $1 ]] || fail "$1 missing"
  grep -q '<svg' "$1" || fail "$1 is not an SVG"
}
