#!/usr/bin/env bash
# Micro-benchmark of the coroutine switch: builds bench-coro-switch if needed
# (in BUILD_DIR, default build/) and prints ns per switch for the assembly
# switch, glibc's swapcontext and coro_resume/coro_yield side by side.
#   scripts/bench-coro.sh [-n SWITCHES] [-r RUNS]
# CMAKE_ARGS adds configure flags for a new build directory, e.g.
#   BUILD_DIR=build-uc CMAKE_ARGS=-DCORO_UCONTEXT=ON scripts/bench-coro.sh
# Not a test: the numbers depend on the machine and on what else runs on it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" ${CMAKE_ARGS:-} >/dev/null
fi
# Quiet when nothing changed; full output when something fails.
if ! out=$(cmake --build "$build" -j 2 --target bench-coro-switch 2>&1); then
  printf '%s\n' "$out" >&2
  exit 1
fi
exec "$build/bin/bench-coro-switch" "$@"
