#!/usr/bin/env bash
# /hello throughput of every target next to nginx (one worker), measured with wrk
# in the same run on this machine, with ratios to nginx.
#   scripts/bench-targets.sh [SECONDS] [CONNECTIONS]
# Each server gets the same wrk command; the machine has 2 cores, so wrk (one
# thread) and the server (one loop thread, where the model has one) share them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
conns=${2:-64}
bin=${BUILD_DIR:-$root/build}/bin
command -v wrk >/dev/null || { echo "bench-targets: wrk is missing (scripts/deps.sh installs it)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "bench-targets: nginx is missing (scripts/deps.sh installs it)" >&2; exit 1; }
[[ -x $bin/target-epoll ]] || { echo "bench-targets: build first (./bench --version)" >&2; exit 1; }

source "$root/scripts/nginx-ref.sh"
tmp=$(mktemp -d)
pids=()
cleanup() {
  nginx_stop
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# req/s from wrk's "Requests/sec:" line.
measure() {
  wrk -t1 -c"$conns" -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'
}

nginx_start "$tmp"
nginx_rps=$(measure "http://127.0.0.1:$nginx_port/hello")

printf '%-22s %12s %10s\n' server 'req/s' 'x nginx'
printf '%-22s %12.0f %10.2f\n' "nginx (1 worker)" "$nginx_rps" 1
declare -A rps
for model in blocking threaded hybrid epoll coroutine; do
  "$bin/target-$model" --port 0 --ready-fd 3 3>"$tmp/$model.port" &
  pid=$!
  pids+=($pid)
  for _ in $(seq 50); do [[ -s $tmp/$model.port ]] && break; sleep 0.1; done
  p=$(head -1 "$tmp/$model.port")
  # wrk keeps connections open; the blocking model serves one at a time, so it
  # gets one connection (more would just wait in its backlog and time out).
  if [[ $model == blocking ]]; then
    r=$(wrk -t1 -c1 -d"${secs}s" "http://127.0.0.1:$p/hello" | awk '/Requests\/sec/ {print $2}')
    label="blocking (-c1)"
  else
    r=$(measure "http://127.0.0.1:$p/hello")
    label=$model
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rps[$model]=$r
  printf '%-22s %12.0f %10.2f\n' "$label" "$r" "$(awk -v a="$r" -v b="$nginx_rps" 'BEGIN {print a / b}')"
done
printf '\ncoroutine / epoll: %.2f\n' "$(awk -v a="${rps[coroutine]}" -v b="${rps[epoll]}" 'BEGIN {print a / b}')"
echo "wrk -t1 -c$conns -d${secs}s, $(nproc) CPUs, $(uname -r)"
