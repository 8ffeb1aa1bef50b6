#!/usr/bin/env bash
# Long fuzzing runs of every libFuzzer target (ctest runs each for 10 s):
#   scripts/fuzz.sh [SECONDS]      (default 300 per target)
# Prints each target's executions and rate; a crash stops with its input saved
# as crash-* in the current directory. Builds first, as ./bench does.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${1:-300}
[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }
build=${BUILD_DIR:-$root/build}
ASYNCSCOPE_NO_DEPS=${ASYNCSCOPE_NO_DEPS:-} "$root/bench" list >/dev/null
for t in http sched; do
  echo "fuzz_$t: $secs s"
  "$root/tests/fuzz/run.sh" "$build/tests/bin/fuzz_$t" "$secs" "$root/tests/fuzz/corpus/$t"
done
