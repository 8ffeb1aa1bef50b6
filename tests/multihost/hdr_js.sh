#!/bin/bash
# hdr-histogram-js (the TypeScript port of HdrHistogram, from npm) decodes the
# base64 V2 histogram we encode: the same total and the same count in every
# bucket. An independent reader of the bytes, so the format is not only our own
# idea of it. Skips (77) without node or npm, or when the package cannot be
# installed (no network): it is installed once into the build tree.
set -u
EMIT=$1 NPMDIR=$2
command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
if [ ! -d "$NPMDIR/node_modules/hdr-histogram-js" ]; then
	command -v npm >/dev/null || { echo "SKIP: npm is not installed"; exit 77; }
	mkdir -p "$NPMDIR"
	if ! (cd "$NPMDIR" && timeout 120 npm install --no-audit --no-fund hdr-histogram-js@3.0.1 >npm.log 2>&1); then
		echo "SKIP: npm install hdr-histogram-js failed (offline?):"; tail -3 "$NPMDIR/npm.log"; exit 77
	fi
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$EMIT" emit "$tmp/h.txt" || { echo "FAIL: test_hdrlog emit"; exit 1; }
NODE_PATH="$NPMDIR/node_modules" node - "$tmp/h.txt" <<'JS'
const fs = require("fs");
const hdr = require("hdr-histogram-js");
const lines = fs.readFileSync(process.argv[2], "utf8").trim().split("\n");
const h = hdr.decodeFromCompressedBase64(lines[0]);
let bad = 0;
const total = Number(lines[1]);
if (h.totalCount !== total) { console.log(`FAIL: totalCount ${h.totalCount}, want ${total}`); bad++; }
if (h.numberOfSignificantValueDigits !== 3) { console.log("FAIL: digits", h.numberOfSignificantValueDigits); bad++; }
// Every bucket: the count at its lowest value, as the reader's own index maps it.
for (const l of lines.slice(2)) {
  const [lo, n] = l.split(" ").map(Number);
  const got = h.getCountAtValue(lo);
  if (got !== n) { if (bad < 5) console.log(`FAIL: count at ${lo}: ${got}, want ${n}`); bad++; }
}
console.log(`hdr-histogram-js: ${lines.length - 2} buckets, ${h.totalCount} values, p99 ${h.getValueAtPercentile(99)} ns: ${bad ? "MISMATCH" : "identical"}`);
process.exit(bad ? 1 : 0);
JS
