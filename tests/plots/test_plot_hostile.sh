#!/bin/sh
# Hostile results directories (issue 8): results are shared and downloaded, so
# every string in them is data, never code. Names that carry gnuplot or shell
# payloads must not run anything when `bench plot` draws them, odd but valid
# names must still plot, and nothing reaches report.html or report.md unescaped.
# usage: test_plot_hostile.sh BENCH SYNTH_GEN
set -u
bench=$1
gen=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$tmp" || exit 1
P=$tmp/P
pwned() { [ ! -e "$P" ] && [ ! -e "$tmp/P2" ] || fail "$1: a payload ran ($(ls "$tmp"))"; }

# Payloads for every way out of a gnuplot string: a single quote, a double
# quote (backquotes run even inside double quotes), backquotes alone, a macro.
# Short, as a 23-byte name field would cut a longer one; gnuplot runs in our
# directory, so a relative P is ours.
sq="'.system('touch P').'"
dq='".system("touch P")."'
bq='`touch P`'
mac="@X"

# 1. A matrix whose summary.csv names targets with the payloads (CSV-quoted
# where the field holds a double quote).
"$gen" matrix "$tmp/m" blog || fail "synth-gen matrix"
csvq() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
for t in "$sq" "$dq" "$bq" "$mac"; do
	printf 'blog,%s,/sync?ms=200,10,10,10,0,0.2,50,100,200,205,205,3000,1,0.01,ok,blog-epoll-sync\n' \
		"$(csvq "$t")" >>"$tmp/m/summary.csv"
done
"$bench" plot "$tmp/m" >"$tmp/out" 2>"$tmp/err"
rc=$?
pwned "summary.csv targets"
[ $rc -eq 1 ] || fail "a summary.csv with bad target names should exit 1, got $rc"
grep -q "summary.csv:20: bad target" "$tmp/err" || fail "the error should name the line and field: $(cat "$tmp/err")"

# The same payloads as scenario and endpoint names.
"$gen" matrix "$tmp/m2" blog || fail "synth-gen matrix"
printf '"%s",epoll,/sync,10,10,10,0,0.2,50,100,200,205,205,3000,1,0.01,ok,x\n' \
	"$(printf '%s' "$dq" | sed 's/"/""/g')" >>"$tmp/m2/summary.csv"
printf 'blog,epoll,%s,10,10,10,0,0.2,50,100,200,205,205,3000,1,0.01,ok,x\n' "/sync?$sq" \
	>>"$tmp/m2/summary.csv"
"$bench" plot "$tmp/m2" >/dev/null 2>"$tmp/err"
rc=$?
pwned "summary.csv scenario/endpoint"
[ $rc -eq 1 ] || fail "bad scenario/endpoint names should exit 1, got $rc"
grep -q "summary.csv:20: bad scenario" "$tmp/err" || fail "scenario error: $(cat "$tmp/err")"

# 2. One run whose trace and meta.json carry the payloads: comm is made safe
# (the kernel lets a thread name itself anything), the titles are quoted.
"$gen" loop 10 100 "$tmp/run" || fail "synth-gen loop"
for f in sched.csv; do
	awk -v sq="$sq" -v bq="$bq" -F, 'BEGIN{OFS=","} NR==1{print;next}
		{ if (NR%3==0) $2=sq; else if (NR%3==1) $2=bq; print }' \
		"$tmp/run/$f" >"$tmp/x" && mv "$tmp/x" "$tmp/run/$f"
done
# The target starts with a single quote: gnuplot 5.4 misreads a doubled quote
# there ('''), so a chart that escaped it that way would fail to draw.
printf '{"target": "%s", "endpoint": "/x\\n%s\\u0001", "scenario": "%s", "kernel": "%s"}\n' \
	"$sq$(printf '%s' "$dq" | sed 's/"/\\"/g')" "$sq" "$bq" "$mac" >"$tmp/run/meta.json"
# marks with an unknown event carrying a payload: skipped, never drawn.
printf '4000,1,%s,1000000100000\n' "$sq" >>"$tmp/run/marks.csv"
# A stall of the first thread whose comm and stack carry the payloads: drawn,
# its hover text quoted like any other.
stall_row() { # FILE COMM CAUSE STACK: a stall over the first thread's known states
	awk -F, -v c="$2" -v k="$3" -v st="$4" 'NR==2{tid=$1}
		NR>2 && $1==tid && $3!="unknown" { if (!a) a=$4; b=$5 }
		END{ printf "%s,%s,%s,%s,%d,%s,,%d,0,0,0,-1,,%s\n", tid, c, a, b, b-a, k, b-a, st }' "$1"
}
{
	echo "tid,comm,t_start,t_end,duration_ns,cause,syscall,running_ns,runnable_ns,sleeping_ns,blocked_ns,ready,requests_waiting,stack"
	stall_row "$tmp/run/sched.csv" "$sq" running "$bq;$mac;<script>x</script>;$dq"
} >"$tmp/run/stalls.csv"
"$bench" plot "$tmp/run" >/dev/null 2>"$tmp/err" || fail "a run with odd comm names should plot: $(cat "$tmp/err")"
pwned "sched.csv comm, meta.json, stalls.csv"
grep -q "touch" "$tmp/run/timeline.svg" || fail "the comm should still be shown, made safe"
grep -q "STALL of" "$tmp/run/timeline.svg" || fail "the stall has no hover text"
grep -q "<script>x" "$tmp/run/timeline.svg" && fail "the stall's stack reached the SVG unescaped"

# A stall whose cause is no state: stalls.csv is garbled, said with its line.
"$gen" loop 10 100 "$tmp/run3" || fail "synth-gen loop"
{
	echo "tid,comm,t_start,t_end,duration_ns,cause,syscall,running_ns,runnable_ns,sleeping_ns,blocked_ns,ready,requests_waiting,stack"
	stall_row "$tmp/run3/sched.csv" loop "$bq" ""
} >"$tmp/run3/stalls.csv"
"$bench" plot "$tmp/run3" >/dev/null 2>"$tmp/err"
rc=$?
pwned "stalls.csv cause"
[ $rc -eq 1 ] || fail "a bad stall cause should exit 1, got $rc"
grep -q "stalls.csv:2: bad cause" "$tmp/err" || fail "stall cause error: $(cat "$tmp/err")"

# A syscall name that is no syscall name: the file is garbled, said with its line.
"$gen" loop 10 100 "$tmp/run2" || fail "synth-gen loop"
awk -v bq="$bq" -F, 'BEGIN{OFS=","} NR==4{$7=bq} {print}' "$tmp/run2/sched.csv" >"$tmp/x" &&
	mv "$tmp/x" "$tmp/run2/sched.csv"
"$bench" plot "$tmp/run2" >/dev/null 2>"$tmp/err"
rc=$?
pwned "sched.csv syscall"
[ $rc -eq 1 ] || fail "a bad syscall name should exit 1, got $rc"
grep -q "sched.csv:4: bad syscall" "$tmp/err" || fail "syscall error: $(cat "$tmp/err")"

# A meta.json that is not JSON is garbled too, said with its line, for a run and
# for a matrix (it was once read as absent and left out of the chart).
"$gen" loop 10 100 "$tmp/run4" || fail "synth-gen loop"
printf '{"target": "epoll",\n "endpoint": \n' >"$tmp/run4/meta.json"
"$bench" plot "$tmp/run4" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "a garbled meta.json should exit 1, got $rc"
grep -q "run4/meta.json:3: not JSON" "$tmp/err" || fail "meta.json error: $(cat "$tmp/err")"
"$gen" matrix "$tmp/m3" blog || fail "synth-gen matrix"
printf '{\n"x": [1,\n' >"$tmp/m3/meta.json"
"$bench" plot "$tmp/m3" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "a matrix with a garbled meta.json should exit 1, got $rc"
grep -q "m3/meta.json:3: not JSON" "$tmp/err" || fail "matrix meta.json error: $(cat "$tmp/err")"

# 3. Odd but valid names plot, and reach the report escaped.
mkdir -p "$tmp/odd/c1"
"$gen" stair 5 50 "$tmp/odd/c1" || fail "synth-gen"
{
	echo "scenario,target,endpoint,concurrency,requests,ok,errors,duration_s,rps,p50_ms,p99_ms,max_ms,batch_ms,rss_kib,threads,cpu_s,status,dir"
	echo "blog,nginx-1.25_ref,/sync?ms=50&x=a+b%20c,5,5,5,0,0.2,25,50,50,50,250,3000,1,0.01,ok,c1"
	echo "blog,epoll,/async?ms=50,5,5,5,0,0.2,25,50,50,50,50,3000,1,0.01,ok,c1"
	echo "blog,C++.v2,/wrong?ms=50,5,5,0,5,0.2,,,,,,,,,failed: <script>alert(1)</script> & more,c1"
	echo "io-bound,nginx-1.25_ref,/async?ms=50,10,100,100,0,1,100,50,60,70,,3000,1,0.1,ok,c1"
} >"$tmp/odd/summary.csv"
printf 'boom\n~~~~\n<script>alert(2)</script>\n' >"$tmp/odd/c1/stderr.txt"
# A stall whose comm and stack carry HTML: the report's stall section escapes it.
{
	echo "tid,comm,t_start,t_end,duration_ns,cause,syscall,running_ns,runnable_ns,sleeping_ns,blocked_ns,ready,requests_waiting,stack"
	stall_row "$tmp/odd/c1/sched.csv" "<script>3" sleeping "<script>alert(4)</script>;main"
} >"$tmp/odd/c1/stalls.csv"
printf '\n  tid 1 (<script>5</script>) is an event loop.\n' >"$tmp/odd/c1/stalls.txt"
"$bench" plot "$tmp/odd" >/dev/null 2>"$tmp/err" || fail "odd but valid names should plot: $(cat "$tmp/err")"
pwned "odd names"
[ -s "$tmp/odd/blog.png" ] && [ -s "$tmp/odd/iobound.png" ] || fail "odd-name charts missing"
# The page's one script (table sorting) opens on a line of its own; any other
# "<script" came from a results file.
grep -v '^<script>$' "$tmp/odd/report.html" | grep -q "<script" &&
	fail "report.html has an unescaped <script>"
[ "$(grep -c '^<script>$' "$tmp/odd/report.html")" -le 1 ] || fail "report.html has more than its one script"
grep -q "&lt;script&gt;alert(1)" "$tmp/odd/report.html" || fail "report.html lost the status text"
grep -q "nginx-1.25_ref" "$tmp/odd/report.html" || fail "report.html lost the odd target name"
grep -q "&lt;script&gt;alert(4)" "$tmp/odd/report.html" || fail "report.html lost the stall's stack"
grep -q "(&lt;script&gt;5&lt;/script&gt;) is an event loop" "$tmp/odd/report.html" ||
	fail "report.html lost the stall verdict"
# report.md: outside a code fence, no raw HTML tag; a fence closes only with a
# line of at least as many tildes as opened it.
awk 'BEGIN{f=0}
	/^~~~~+$/ { n=length($0); if (!f) {f=n; next} if (n>=f) {f=0; next} }
	!f && /<script/ && !/\\<script/ { bad=1 }
	END{exit bad}' "$tmp/odd/report.md" || fail "report.md has raw HTML outside a fence"
echo ok
