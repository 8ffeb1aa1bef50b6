#!/bin/sh
# A large trace (issue 8, item 10): a sched.csv of a few hundred thousand
# intervals, most far narrower than a pixel. The chart must stay small (a 200 MB
# sched.csv once made a 289 MB SVG), say on itself what it merged, and still show
# every state that occurred: a rare, short "blocked" must not vanish into the
# sleeping around it.
# usage: test_plot_large.sh BENCH
set -u
bench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$tmp/run"
# 4 threads x 75000 intervals of 1-7 us: about 0.3 s traced, ~320 us a pixel of
# the ~950 drawn, so ~80 intervals share each pixel of a lane. Thread 4003 mostly
# sleeps, runs a little, and is blocked for 2 us every 5000 intervals.
awk 'BEGIN {
	print "tid,comm,state,t_start,t_end,cpu,syscall"
	n = 75000
	for (k = 0; k < 4; k++) {
		tid = 4000 + k; t = 1000000000000
		for (i = 0; i < n; i++) {
			if (k == 3) {
				st = i % 5000 == 2500 ? "blocked" : i % 100 == 0 ? "running" : "sleeping"
				d = st == "blocked" ? 2000 : st == "running" ? 1000 : 4000
			} else {
				m = i % 4
				st = m == 0 ? "runnable" : m == 1 ? "running" : m == 2 ? "sleeping" : "running"
				d = 1000 + (i * 7919 % 7) * 1000
			}
			printf "%d,worker-%d,%s,%.0f,%.0f,%d,%s\n", tid, k, st, t, t + d, k % 2, st == "sleeping" ? "futex" : ""
			t += d
		}
	}
}' >"$tmp/run/sched.csv"
lines=$(wc -l <"$tmp/run/sched.csv")
[ "$lines" -gt 300000 ] || fail "generated only $lines lines"
start=$(date +%s)
"$bench" plot "$tmp/run" >/dev/null 2>"$tmp/err" || fail "plot: $(cat "$tmp/err")"
secs=$(($(date +%s) - start))
svg=$(wc -c <"$tmp/run/timeline.svg")
png=$(wc -c <"$tmp/run/timeline.png")
echo "sched.csv $lines lines: svg $svg bytes, png $png bytes, ${secs}s"
[ "$svg" -lt 3000000 ] || fail "timeline.svg is $svg bytes for $lines intervals: not capped"
grep -q "shorter than a pixel" "$tmp/run/timeline.svg" || fail "the chart does not say what it merged"
# The blocked blips of thread 4003: 15 of them, each in a pixel of its own, so
# at least that many red boxes beyond the legend's sample.
red=$(grep -c "rgb(214, *39, *40)" "$tmp/run/timeline.svg")
[ "$red" -ge 15 ] || fail "only $red blocked boxes drawn: merging hid a state"
echo ok
