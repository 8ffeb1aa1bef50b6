#!/usr/bin/env bash
# Redraws the README's pictures in docs/ from the commands the README names, so
# every picture there can be made again on any machine:
#   docs/blog.png, docs/timeline-{epoll-wrong,epoll-async,hybrid-sync,
#     blocking-wrong,threaded-sync}.png     bench all --scenarios blog
#   docs/timeline-hybrid-sync-500.png       bench run hybrid '/sync?ms=100' -c 500 --burst
#   docs/timeline-epoll-c20.png             bench run epoll '/async?ms=200' -c 20 -d 5s
#   docs/timeline-threaded-c1000.png        bench run threaded '/async?ms=50' -c 1000 -d 2s
# (docs/bench-trace-python.png comes from the asyncio demo in docs/tracer.md.)
# Run as root so the cells are traced; takes about a minute and a half.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=${BUILD_DIR:-$root/build}/bin/bench
[[ -x $bench ]] || { echo "readme-pictures: $bench not built (run ./bench list first)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || echo "readme-pictures: not root: the timelines will lack thread lanes" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
docs=$root/docs

"$bench" all --scenarios blog --out "$tmp/all" >/dev/null
cp "$tmp/all/blog.png" "$docs/blog.png"
for c in epoll-wrong epoll-async hybrid-sync blocking-wrong threaded-sync; do
  cp "$tmp/all/blog/$c/timeline.png" "$docs/timeline-$c.png"
done

cell() { # NAME TARGET ENDPOINT LOAD-OPTIONS...
  local name=$1; shift
  # A degraded or failed cell still draws; say so and go on.
  "$bench" run "$@" -q --out "$tmp/$name" >/dev/null || echo "readme-pictures: $name: exit $?" >&2
  cp "$tmp/$name/timeline.png" "$docs/timeline-$name.png"
}
cell hybrid-sync-500 hybrid '/sync?ms=100' -c 500 --burst
cell epoll-c20 epoll '/async?ms=200' -c 20 -d 5s
cell threaded-c1000 threaded '/async?ms=50' -c 1000 -d 2s
echo "readme-pictures: docs/*.png redrawn"
