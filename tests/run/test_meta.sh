#!/usr/bin/env bash
# Every meta.json has one frame: a bench run cell, bench trace --out, bench all's
# matrix and a failed cell of it all start with tool and started and carry
# finished and the same machine block (kernel, arch, cpu, ncpu, memory_mib,
# versions, clock), with the same values on the same machine.
source "$(dirname "$0")/lib.sh"

run_bench run epoll /hello -c 1 -n 5 --no-trace --out "$tmp/run" >/dev/null 2>&1 ||
  fail "bench run epoll /hello"
metas=("$tmp/run/meta.json")

# A matrix whose one target exits at once: quick, and its cells failed.
fake=$tmp/bin
mkdir -p "$fake"
printf '#!/bin/sh\nexit 3\n' >"$fake/target-epoll"
chmod +x "$fake/target-epoll"
set +e
ASYNCSCOPE_BIN_DIR=$fake run_bench all --quick --scenarios blog --targets epoll --no-trace \
  --ready-timeout 500ms --out "$tmp/all" >/dev/null 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "bench all with a failing target: want exit 1, got $rc"
metas+=("$tmp/all/meta.json" "$tmp/all/blog/epoll-sync/meta.json")

if privileged; then
  run_bench trace -q --out "$tmp/trace" -- /bin/sleep 0.1 >/dev/null 2>&1 ||
    fail "bench trace --out -- sleep"
  metas+=("$tmp/trace/meta.json")
fi

/usr/bin/python3 - "${metas[@]}" <<'PY' || fail "meta.json frames differ"
import json, sys
machine = ["kernel", "arch", "cpu", "ncpu", "memory_mib", "versions", "clock"]
versions = ["asyncscope", "libcurl", "libbpf"]
tools = {}
first = None
for path in sys.argv[1:]:
    m = json.load(open(path))
    keys = list(m)
    assert keys[:2] == ["tool", "started"], f"{path}: starts with {keys[:2]}"
    for k in ["finished"] + machine:
        assert k in m, f"{path}: no {k}"
    assert sorted(m["versions"]) == sorted(versions), f"{path}: versions {m['versions']}"
    block = {k: m[k] for k in machine}
    if first is None:
        first = (path, block)
    assert block == first[1], f"{path} and {first[0]} differ: {block} vs {first[1]}"
    tools[m["tool"]] = path
want = {"bench run", "bench all"} | ({"bench trace"} if len(sys.argv) > 4 else set())
assert set(tools) == want, tools
# The failed cell says what was tried: its target, and no pid.
cell = json.load(open(sys.argv[3]))
assert cell["target"] == "epoll" and cell["target_pid"] == 0, cell
PY
echo "1 passed, 0 failed"
