#!/usr/bin/env bash
# Installs the Debian packages asyncscope needs to build, test, trace and plot,
# and only those that are missing. Not root: prints the exact command instead.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config      # compiler and build
  libcurl4-openssl-dev                  # load generator and integration tests
  libbpf-dev bpftool clang llvm         # BPF programs, skeletons, loader
  libclang-rt-dev                       # libFuzzer runtime for the fuzz targets
  libelf-dev zlib1g-dev                 # libbpf's own dependencies
  libdw-dev                             # the tracer: stacks unwound and named (libdwfl)
  libcmocka-dev                         # unit tests
  libjson-c-dev                         # plots: reading meta.json
  systemtap-sdt-dev                     # <sys/sdt.h> for the USDT probes
  gnuplot-nox                           # charts (pngcairo, svg)
  curl                                  # examples and smoke checks
  python3-fastapi python3-uvicorn       # the original experiment
  wrk nginx-light linux-perf time       # benchmark scripts: side-by-side references
  valgrind strace                       # bench-load.sh: each generator's instructions and syscalls per request
  liburing-dev                          # target-uring
  redis-server                          # stalls on a real event loop nobody here wrote (test_stalls_redis.sh)
  iproute2 python3-yaml                 # tests/multihost: network namespaces; the deploy/ manifests checked offline
)

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "asyncscope needs these Debian packages: ${missing[*]}" >&2
  echo "run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# nginx is a reference for benchmarks only: do not let the package start it.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
trap '[[ $own_policy == 1 ]] && rm -f "$policy"' EXIT
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
