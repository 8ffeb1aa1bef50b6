#!/usr/bin/env bash
# Runs one libFuzzer target briefly (ctest) or long (scripts/fuzz.sh):
#   run.sh BINARY SECONDS SEED_DIR [extra libFuzzer flags]
# New inputs go to a scratch directory, never into the seeds in the repository.
# Exits 77 (skipped) when the target could not be built: clang's libFuzzer
# runtime is missing.
set -euo pipefail
bin=$1 secs=$2 seeds=$3
shift 3
if [[ ! -x $bin ]]; then
  echo "skipped: $(basename "$bin") was not built: clang with libFuzzer is missing" \
    "(apt-get install clang libclang-rt-dev)" >&2
  exit 77
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
log=$scratch/log
# -print_final_stats gives execs/s and the total; a crash prints everything, and
# libFuzzer leaves the input that found it as crash-* in the working directory.
rc=0
"$bin" -max_total_time="$secs" -timeout=10 -error_exitcode=1 -rss_limit_mb=2048 -print_final_stats=1 \
  "$@" "$scratch" "$seeds" >"$log" 2>&1 || rc=$?
if [[ $rc -ne 0 ]]; then
  cat "$log"
  exit "$rc"
fi
grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|^INFO: Seed' "$log" || true
