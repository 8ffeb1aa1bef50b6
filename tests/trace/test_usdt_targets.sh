#!/usr/bin/env bash
# The asyncscope targets carry USDT probes: tracing target-epoll under a few
# requests records marks with the request ids sent in X-Request-Id. A plain
# request (curl, no traceparent) is marked; one whose traceparent clears the
# sampled flag is not, one that sets it is. Skipped until the targets are built.
. "$(dirname "$0")/lib.sh"
need_bpf
target=$(dirname "$BENCH")/target-epoll
[[ -x $target ]] || { echo "skipped: $target not built" >&2; exit 77; }
command -v curl >/dev/null || { echo "skipped: no curl" >&2; exit 77; }
mark_progs

# Command mode: the target starts only once every program and probe is attached,
# so the port appearing means the trace is on (a --pid attach takes about 0.9 s
# under ASan on a loaded machine, and requests sent before it were not marked).
exec 3>"$tmp/port"
"$BENCH" trace -q --out "$tmp/d" -- "$target" --port 0 --ready-fd 3 &
b=$!
pids_to_kill+=("$b")
exec 3>&-
wait_file "$tmp/port"
port=$(head -1 "$tmp/port")
for id in 101 102 103; do
  curl -s -H "X-Request-Id: $id" "http://127.0.0.1:$port/async?ms=20" >/dev/null
done
tp=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7
curl -s -H "X-Request-Id: 104" -H "traceparent: $tp-00" "http://127.0.0.1:$port/async?ms=20" >/dev/null
curl -s -H "X-Request-Id: 105" -H "traceparent: $tp-01" "http://127.0.0.1:$port/async?ms=20" >/dev/null
# SIGINT is forwarded to the target, which stops gracefully: bench trace exits 0.
kill -INT $b
wait $b || fail "bench trace exited $?"
check_no_progs "tracing target-epoll"
for id in 101 102 103 105; do
  for ev in request_start request_end; do
    awk -F, -v i="$id" -v e="$ev" '$2 == i && $3 == e { ok = 1 } END { exit !ok }' "$tmp/d/marks.csv" ||
      fail "no $ev mark for request $id"
  done
done
! awk -F, '$2 == 104 { found = 1 } END { exit !found }' "$tmp/d/marks.csv" ||
  fail "request 104 is marked though its traceparent is not sampled"
grep -q ',epoll_wait\|,epoll_pwait' "$tmp/d/sched.csv" || fail "the loop never slept in epoll_wait"
echo ok
