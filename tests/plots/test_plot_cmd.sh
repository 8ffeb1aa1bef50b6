#!/bin/sh
# bench plot DIR from the command line: exit codes and files.
# usage: test_plot_cmd.sh BENCH SYNTH_GEN
set -u
bench=$1
gen=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bench" plot >/dev/null 2>&1; [ $? -eq 2 ] || fail "no DIR should exit 2"
"$bench" plot a b >/dev/null 2>&1; [ $? -eq 2 ] || fail "two DIRs should exit 2"
"$bench" plot --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option should exit 2"
"$bench" plot "$tmp/none" 2>"$tmp/err"; [ $? -eq 1 ] || fail "missing dir should exit 1"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "missing dir should print one line"
mkdir "$tmp/empty"
"$bench" plot "$tmp/empty" 2>/dev/null; [ $? -eq 1 ] || fail "empty dir should exit 1"

"$gen" stair 10 100 "$tmp/run" || fail "synth-gen"
"$bench" plot "$tmp/run" >/dev/null || fail "plot a run"
[ -s "$tmp/run/timeline.png" ] && [ -s "$tmp/run/timeline.svg" ] || fail "run charts missing"

PATH=/nonexistent "$bench" plot "$tmp/run" 2>"$tmp/err"; [ $? -eq 1 ] || fail "no gnuplot should exit 1"
grep -q "gnuplot is not installed" "$tmp/err" || fail "no gnuplot should say so: $(cat "$tmp/err")"
[ ! -e "$tmp/run/timeline.gp" ] && [ ! -e "$tmp/run/gnuplot.log" ] || fail "no gnuplot left files behind"

printf 'id,t_start,t_end\nzzz\n' >"$tmp/run/requests.csv"
"$bench" plot "$tmp/run" 2>/dev/null; [ $? -eq 1 ] || fail "garbled run should exit 1"

# A garbled file is named with its line and the field that is wrong.
"$gen" stair 10 100 "$tmp/g" || fail "synth-gen"
awk -F, 'BEGIN{OFS=","} NR==5{$5="xyz"} {print}' "$tmp/g/sched.csv" >"$tmp/x" && mv "$tmp/x" "$tmp/g/sched.csv"
"$bench" plot "$tmp/g" 2>"$tmp/err"; [ $? -eq 1 ] || fail "garbled sched.csv should exit 1"
grep -q "sched.csv:5: bad t_end 'xyz'" "$tmp/err" || fail "garbled sched.csv: $(cat "$tmp/err")"
"$gen" stair 10 100 "$tmp/g" || fail "synth-gen"
awk -F, 'BEGIN{OFS=","} NR==3{$1="-7"} {print}' "$tmp/g/requests.csv" >"$tmp/x" && mv "$tmp/x" "$tmp/g/requests.csv"
"$bench" plot "$tmp/g" 2>"$tmp/err"; [ $? -eq 1 ] || fail "garbled requests.csv should exit 1"
grep -q "requests.csv:3: bad id '-7'" "$tmp/err" || fail "garbled requests.csv: $(cat "$tmp/err")"
printf 'tid,request_id,t\n1,2,3\n' >"$tmp/g/marks.csv"
"$gen" stair 10 100 "$tmp/g2" && cp "$tmp/g/marks.csv" "$tmp/g2/marks.csv"
"$bench" plot "$tmp/g2" 2>"$tmp/err"; [ $? -eq 1 ] || fail "marks.csv without event should exit 1"
grep -q "marks.csv: no column 'event'" "$tmp/err" || fail "marks.csv header: $(cat "$tmp/err")"

"$gen" matrix "$tmp/m" || fail "synth-gen matrix"
"$bench" plot "$tmp/m" >/dev/null || fail "plot a matrix"
for f in blog throughput latency iobound memory cpubound; do
	[ -s "$tmp/m/$f.png" ] || fail "$f.png missing"
done
[ -s "$tmp/m/report.html" ] && [ -s "$tmp/m/report.md" ] || fail "report missing"
[ -s "$tmp/m/blog-epoll-async/timeline.png" ] || fail "cell timeline missing"

awk -F, 'BEGIN{OFS=","} NR==7{$9="fast"} {print}' "$tmp/m/summary.csv" >"$tmp/x" && mv "$tmp/x" "$tmp/m/summary.csv"
"$bench" plot "$tmp/m" >/dev/null 2>"$tmp/err"; [ $? -eq 1 ] || fail "garbled summary.csv should exit 1"
grep -q "summary.csv:7: bad rps 'fast'" "$tmp/err" || fail "garbled summary.csv: $(cat "$tmp/err")"
echo ok
