#!/usr/bin/env bash
# The one grammar of every bench subcommand, from the outside: --help (exit 0,
# every option its parser takes listed, the same as bench help CMD), bad usage
# (exit 2, a one-line reason, then the usage), --opt=value and --opt value,
# durations in every form, and bench run writing --json and --records.
source "$(dirname "$0")/lib.sh"
set +e
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# bench "$@": exit status in rc, stdout in out, stderr in err.
run() {
  "$BENCH" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}

# Exit 2, a first line "bench CMD: ...MENTION...", and the usage after it.
usage_error() { # CMD MENTION ARGS...
  local cmd=$1 mention=$2
  shift 2
  run "$@"
  [[ $rc -eq 2 ]] || bad "bench $*: exit $rc, want 2"
  local first
  first=$(head -1 "$tmp/err")
  [[ $first == "bench $cmd: "*"$mention"* ]] ||
    bad "bench $*: first line '$first' lacks 'bench $cmd: ...$mention'"
  grep -q "^usage: bench $cmd" "$tmp/err" || bad "bench $*: no usage after the reason"
}

commands=(all run target load trace plot merge list help version)

# bench help: every subcommand listed, exit 0; the same for --help and -h.
run help
[[ $rc -eq 0 ]] || bad "bench help: exit $rc"
for c in "${commands[@]}"; do
  grep -q "^  $c\b" "$tmp/out" || bad "bench help does not list $c"
done
for h in --help -h; do
  run "$h"
  [[ $rc -eq 0 && $out == "$(cat "$tmp/out")" ]] || bad "bench $h: exit $rc"
done
usage_error help "unknown command 'nosuch'" help nosuch
usage_error help "unexpected argument 'b'" help run b

# Versions.
for v in version -V --version; do
  run "$v"
  [[ $rc -eq 0 && $out == "asyncscope "* ]] || bad "bench $v: exit $rc, '$out'"
done
usage_error version "unexpected argument 'x'" version x

for c in "${commands[@]}"; do
  run "$c" --help
  [[ $rc -eq 0 ]] || bad "bench $c --help: exit $rc"
  help=$out
  [[ $help == "usage: bench $c"* ]] || bad "bench $c --help does not start with its usage"
  run help "$c"
  [[ $rc -eq 0 && $out == "$help" ]] || bad "bench help $c differs from bench $c --help"
  run "$c" -h
  [[ $rc -eq 0 && $out == "$help" ]] || bad "bench $c -h differs from bench $c --help"
  usage_error "$c" "unknown option '--no-such-flag'" "$c" --no-such-flag
  usage_error "$c" "unknown option '-Z'" "$c" -Z

  # Every option the usage lists is one the parser takes: without its value
  # it "needs a value", a flag given one "takes no value"; neither runs
  # anything, and an option the parser did not know would be "unknown".
  nopts=0
  while read -r flag arg; do
    nopts=$((nopts + 1))
    [[ $flag == --help ]] && continue
    if [[ -n $arg ]]; then
      usage_error "$c" "$flag needs a value" "$c" "$flag"
    else
      usage_error "$c" "$flag takes no value" "$c" "$flag=1"
    fi
  done < <(printf '%s\n' "$help" |
    sed -n 's/^  \(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z-]*\)\( [^ ][^ ]*\)\{0,1\}.*/\2\3/p')
  # (a line "  [-c, ]--name [VALUE]  help": the value is one word after one space)
  [[ $nopts -ge 1 ]] || bad "bench $c --help: no option found in it"
  case $c in load | run | trace | target | all) ((nopts >= 8)) || bad "bench $c --help: $nopts options" ;; esac
  # ...and the short forms of valued options.
  while read -r short; do
    usage_error "$c" "$short needs a value" "$c" "$short"
  done < <(printf '%s\n' "$help" | sed -n 's/^  \(-[A-Za-z]\), --[a-z-]* [^ ].*/\1/p' |
    grep -v -- '-[hq]$')
done

# The other form of bench plot, the join across hosts, has options of its own:
# the same checks on its usage, which bench plot --client --help prints (the
# --help wins over --client taking it as its DIR).
run plot --client --help
[[ $rc -eq 0 && $out == "usage: bench plot --client"* ]] ||
  bad "bench plot --client --help: exit $rc, '$(head -1 <<<"$out")$(head -1 "$tmp/err")'"
join_help=$out
run help plot
[[ $out == *"bench plot --client --help"* ]] || bad "bench help plot does not point at the join's usage"
for f in --client --server --out; do
  usage_error plot "$f needs a value" plot "$f"
  grep -q -- "^  $f DIR" <<<"$join_help" || bad "bench plot --client --help does not list $f"
done
usage_error plot "--cl needs a value" plot --cl
usage_error plot "unknown option '--bogus'" plot --client a --bogus
usage_error plot "missing --server DIR" plot --client a --out b
usage_error plot "missing --client DIR" plot --out=b

# Help wins: beside a bad value, or where an option would take it as its value.
for args in "plot --client --help" "plot --client a --server b --out c -h" \
  "load http://127.0.0.1:1/ -c abc --help" "load http://127.0.0.1:1/ --shard 5/2 --help" \
  "trace --pid abc --help" "merge --out --help" "run nosuch -c 0 --help" \
  "all --targets nosuch --help" "list --help extra"; do
  read -r -a a <<<"$args"
  run "${a[@]}"
  [[ $rc -eq 0 && $out == "usage: bench ${a[0]}"* ]] || bad "bench $args: exit $rc, want the usage and 0"
done

# Options each --help must list, with their default where they have one.
expect_in_help() { # CMD OPTION...
  local c=$1
  shift
  run "$c" --help
  for o in "$@"; do
    grep -q -- "$o" "$tmp/out" || bad "bench $c --help does not list '$o'"
  done
}
expect_in_help load --out --shard --start-at "default 0/1"
expect_in_help merge -o, --out
expect_in_help load -c, --connections -n, --requests -d, --duration --rate --burst --warmup \
  -t, --threads -X, --method -H, --header --timeout --new-conn --records --json -q, --quiet \
  "default 10)" "default 30s" "default GET"
expect_in_help run --out --no-trace --ready-timeout "default 15s" -c, --connections --json \
  --records --burst
expect_in_help run --stall-ms --target-cpus --load-cpus --no-pin "default 100"
expect_in_help all --quick --full --out --targets --scenarios --no-trace --ready-timeout
expect_in_help target --bind --port --ready-fd --verbose --idle-timeout --max-threads --pool \
  --threads --stack-kib "default 40" "default 1000" "default 64" "default 10s"
expect_in_help trace --pid -d, --duration --out --perfetto --plot --no-usdt --syscalls \
  --ring-kb -q, --quiet "default 8192" --stall-ms "default 100"
# Targets and endpoints come from the schema, every one of them.
for c in run target all; do
  run list
  targets=$(sed -n '/^targets:/,/^endpoints/p' "$tmp/out" | awk 'NF && !/:$/ {print $1}')
  run "$c" --help
  for t in $targets; do
    grep -q "\b$t\b" "$tmp/out" || bad "bench $c --help does not name target $t"
  done
done
run run --help
for ep in /hello '/sync?ms=N' '/async?ms=N' '/wrong?ms=N' '/cpu?us=N'; do
  grep -qF -- "$ep" "$tmp/out" || bad "bench run --help does not list $ep"
done

# Operands: missing or extra.
usage_error run "missing TARGET" run
usage_error run "unknown target 'nosuch'" run nosuch
usage_error run "unexpected argument 'x'" run epoll /hello x
usage_error target "missing TARGET" target
usage_error target "unexpected argument 'x'" target epoll x
usage_error target "--pool is not a knob of epoll" target epoll --pool 4
usage_error plot "missing DIR" plot
usage_error plot "unexpected argument 'b'" plot a b
usage_error list "unexpected argument 'extra'" list extra
usage_error all "unexpected argument 'x'" all x
usage_error load "one URL only" load http://127.0.0.1:1/ http://127.0.0.1:2/
usage_error trace "unexpected argument 'x'" trace x

# --opt=value and --opt value read the same value (a bad one, so nothing runs).
both() { # CMD MENTION OPTION VALUE ARGS...
  local cmd=$1 mention=$2 opt=$3 val=$4
  shift 4
  usage_error "$cmd" "$mention" "$cmd" "$@" "$opt=$val"
  usage_error "$cmd" "$mention" "$cmd" "$@" "$opt" "$val"
}
both load "'abc' is not a connection count" --connections abc http://127.0.0.1:1/
both load "'xyz' is not a positive duration" --duration xyz http://127.0.0.1:1/
both run "'abc' is not a connection count" --connections abc epoll
both run "'soon' is not a duration" --ready-timeout soon epoll
both all "'soon' is not a duration" --ready-timeout soon
both all "unknown target 'nosuch'" --targets nosuch
both trace "--pid wants a process id, not 'abc'" --pid abc
both trace "-d wants a positive duration" --duration soon --pid 1
both target "is not a duration" --idle-timeout soon epoll
usage_error load "'abc' is not a connection count" load http://127.0.0.1:1/ -cabc

# Durations: every form read by every duration option. A later check failing
# ("-n and -d", "--warmup needs -d", an unknown target, nothing to trace) shows
# the duration itself was read.
for d in 5 5s 2.5s 250ms 1m30s 1h2m3.5s; do
  usage_error load "-n and -d" load http://127.0.0.1:1/ -n 5 -d "$d"
  usage_error load "--warmup needs -d" load http://127.0.0.1:1/ -n 5 --warmup "$d"
  usage_error load "--burst sends one request" load http://127.0.0.1:1/ --burst --timeout "$d" -d 1
  usage_error run "unknown target 'nosuch'" run nosuch --ready-timeout "$([[ $d == 1h* ]] && echo 5m || echo "$d")"
  usage_error run "unknown target 'nosuch'" run nosuch -d "$d"
  usage_error all "unknown target 'nosuch'" all --targets nosuch --ready-timeout "$([[ $d == 1h* ]] && echo 5m || echo "$d")"
  usage_error trace "say what to trace" trace -d "$d"
  usage_error target "unknown target 'nosuch'" target nosuch --idle-timeout "$([[ $d == 1h* ]] && echo 59m || echo "$d")"
done
for d in "" -1 ms 1m30 5x 30s1m 9999999h; do
  usage_error load "is not a positive duration" load http://127.0.0.1:1/ -d "$d"
  usage_error trace "-d wants" trace -d "$d" --pid 1
  usage_error run "is not a duration" run epoll --ready-timeout "$d"
done
# A duration that runs: 250ms of refused connections ends on time.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s%N)
run load "http://127.0.0.1:$port/" -d 250ms -c 1 -q
ms=$((($(date +%s%N) - start) / 1000000))
[[ $rc -eq 1 ]] || bad "load -d 250ms against a closed port: exit $rc"
((ms >= 200 && ms < 3000)) || bad "load -d 250ms took $ms ms"

# bench run takes every load option: --json and --records are written where
# asked, besides the results directory; --opt=value works for its own options.
run run epoll /hello --no-trace --out="$tmp/r" -n 20 --connections=2 -q \
  --json "$tmp/s.json" --records="$tmp/r.csv"
[[ $rc -eq 0 ]] || bad "bench run with --json/--records: exit $rc: $err"
for f in "$tmp/r/requests.csv" "$tmp/r/summary.json" "$tmp/s.json" "$tmp/r.csv"; do
  [[ -s $f ]] || bad "bench run: $f missing"
done
cmp -s "$tmp/r/requests.csv" "$tmp/r.csv" || bad "bench run --records differs from requests.csv"
python3 - "$tmp/s.json" <<'PY' || bad "bench run --json: not the load summary"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["requests"]["completed"] == 20 and d["config"]["connections"] == 2, d["requests"]
PY
# JSON on stdout: what people read moves to stderr.
run run epoll /hello --no-trace --out "$tmp/r2" -n 5 -c 1 --json -
[[ $rc -eq 0 ]] || bad "bench run --json -: exit $rc: $err"
python3 -c 'import json,sys; json.load(sys.stdin)' <"$tmp/out" || bad "bench run --json -: stdout is not JSON"
[[ $err == *"results: $tmp/r2"* ]] || bad "bench run --json -: the summary is not on stderr"

((fails == 0)) || exit 1
echo "cli: all good"
