#!/bin/sh
# The SVG's hover layer as gnuplot writes it (issue 11, item 3): it opens from
# disk (the mouse script inline, nothing fetched), stays within a size bound at
# 5000 requests with the hover texts present, and a thread name carrying quotes,
# a backslash, `$`, backquotes, `<` and `&` reaches the hover text made safe:
# the SVG stays well-formed XML and each text a plain JavaScript string.
# usage: test_plot_hover.sh BENCH SYNTH_GEN
set -u
bench=$1
gen=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$tmp" || exit 1

# What an SVG's hover layer holds, checked with a real XML parser. Prints the
# number of hover points and the file's size; fails on ill-formed XML, an
# external script, or a hover text that is not a plain single-quoted string.
check_svg() {
	python3 - "$1" <<'EOF'
import os, sys, xml.etree.ElementTree as E
path = sys.argv[1]
root = E.parse(path).getroot()
ns = '{http://www.w3.org/2000/svg}'
xl = '{http://www.w3.org/1999/xlink}href'
scripts = list(root.iter(ns + 'script'))
if not scripts or any(s.get('href') or s.get(xl) or s.get('src') for s in scripts):
    sys.exit('the mouse script is missing or not inline')
if not any('gnuplot_svg' in (s.text or '') for s in scripts):
    sys.exit('gnuplot_svg is not defined inline')
for e in root.iter():
    for k, v in e.attrib.items():
        if k in ('href', xl) and not v.startswith(('#', 'data:')):
            sys.exit('external reference ' + v[:80])
pre, post = "gnuplot_svg.showHypertext(evt,'", "')"
texts = []
for g in root.iter(ns + 'g'):
    v = g.get('onmousemove') or ''
    if not v.startswith('gnuplot_svg.showHypertext'):
        continue
    if not (v.startswith(pre) and v.endswith(post)):
        sys.exit('hover handler is not one string: ' + v[:120])
    inner = v[len(pre):-len(post)]
    if "'" in inner or '\\' in inner.replace('\\n', ''):
        sys.exit('a quote or backslash reached the hover text: ' + inner[:120])
    texts.append(inner.replace('\\n', '\n'))
with open(path + '.texts', 'w') as f:
    f.write('\n\n'.join(texts))
print(len(texts), os.path.getsize(path))
EOF
}

# 1. 5000 requests of an open loop, marks on 1 in 64.
"$gen" open 50 5000 40 64 "$tmp/big" || fail "synth-gen open"
"$bench" plot "$tmp/big" >/dev/null 2>"$tmp/err" || fail "plot: $(cat "$tmp/err")"
out=$(check_svg "$tmp/big/timeline.svg") || fail "big: $out"
set -- $out
echo "5000 requests: $1 hover points, svg $2 bytes" >&2
[ "$1" -gt 100 ] && [ "$1" -le 4000 ] || fail "$1 hover points"
# Without the layer it was 0.8 MB; each point costs about 700 bytes.
[ "$2" -lt 4500000 ] || fail "timeline.svg is $2 bytes: the hover layer is not bounded"
t=$tmp/big/timeline.svg.texts
grep -q "^request [0-9]*  ·  status 200  ·  " "$t" || fail "no request hover text"
grep -q "^wait " "$t" || fail "no marked request's phases"
grep -q "^no server marks" "$t" || fail "unmarked requests not said so"
grep -q "^target-epoll  ·  tid 4000$" "$t" || fail "no thread hover text"
grep -q "^serving request [0-9]*$" "$t" || fail "no request named in a thread hover text"
grep -q "Hover for details: [0-9]* requests, [0-9]* of [0-9]* thread intervals" \
	"$tmp/big/timeline.svg" || fail "the chart does not say what has hover text"

# 2. Hostile thread names, CSV-quoted where they hold a double quote: one
# for every way out of a gnuplot string, a JavaScript string or an attribute.
"$gen" pool 10 100 "$tmp/run" || fail "synth-gen pool"
awk -F, 'BEGIN { OFS = ","; sq = sprintf("%c", 39)
		n[4000] = "\"q" sq "\"\"\\$`<&>\""
		n[4001] = "\"" sq ");alert(1);//\""
		n[4002] = "\"" sq ".system(" sq "touch P" sq ")\""
		n[4003] = "\"\"\"+alert(2)+\"\"\"" }
	NR > 1 && ($1 in n) { $2 = n[$1] } { print }' \
	"$tmp/run/sched.csv" >"$tmp/x" && mv "$tmp/x" "$tmp/run/sched.csv"
"$bench" plot "$tmp/run" >/dev/null 2>"$tmp/err" || fail "hostile names should plot: $(cat "$tmp/err")"
[ ! -e "$tmp/P" ] && [ ! -e "$tmp/run/P" ] || fail "a payload ran"
out=$(check_svg "$tmp/run/timeline.svg") || fail "hostile: $out"
t=$tmp/run/timeline.svg.texts
# The names as shown: quotes and the backslash as their look-alikes.
grep -qF "q’”⧵\$\`<&>  ·  tid 4000" "$t" || fail "the first name is not shown made safe: $(head -3 "$t")"
grep -qF "’);alert(1);//  ·  tid 4001" "$t" || fail "the second name is not shown made safe"
grep -qF "”+alert(2)+”  ·  tid 4003" "$t" || fail "the fourth name is not shown made safe"
grep -q "^sleeping in [a-z_]*$" "$t" || fail "no syscall in a thread hover text"
echo ok
