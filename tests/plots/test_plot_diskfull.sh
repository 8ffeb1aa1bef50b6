#!/bin/sh
# A full disk while plotting (issue 8, item 6). gnuplot exits 0 when its writes
# fail, so the charts must be checked: whatever space is left, a chart under its
# final name is complete (a PNG ends with its IEND chunk, an SVG with </svg>), and
# when a write failed `bench plot` says "No space left on device" and exits 1;
# when gnuplot stops half way and exits 0, it says so and exits 1.
# Needs a small tmpfs: root mounts one; exit 77 (skip) when that is not allowed.
# usage: test_plot_diskfull.sh BENCH SYNTH_GEN
set -u
bench=$1
gen=$2
tmp=$(mktemp -d)
mnt=$tmp/mnt
mounted=0
cleanup() {
	[ $mounted -eq 1 ] && umount "$mnt"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$mnt"
if ! mount -t tmpfs -o size=4m tmpfs "$mnt" 2>"$tmp/mount.err"; then
	echo "SKIP: cannot mount a tmpfs to fill up (needs root): $(cat "$tmp/mount.err")"
	exit 77
fi
mounted=1

"$gen" parallel 20 100 "$tmp/run" || fail "synth-gen"
# A matrix with one cell directory: the comparison chart, a timeline and the
# report, small enough that the free space below walks through all of them.
"$gen" matrix "$tmp/mfull" blog || fail "synth-gen matrix"
mkdir "$tmp/m" && cp "$tmp/mfull/summary.csv" "$tmp/mfull/meta.json" "$tmp/m/" &&
	cp -r "$tmp/mfull/blog-epoll-async" "$tmp/m/" || fail "copy matrix"

complete() { # FILE: complete chart or report, or absent
	f=$1
	[ -e "$f" ] || return 0
	case $f in
	*.png) [ "$(tail -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 49454e44ae426082 ] ;;
	*.svg) tail -c 16 "$f" | grep -q '</svg>' ;;
	*.html) tail -c 32 "$f" | grep -q '</html>' ;;
	*) [ -s "$f" ] ;;
	esac
}

# Leaves about $1 KiB free on the mount: fill it up, then give some back.
leave_free() {
	rm -f "$mnt/fill"
	dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
	truncate -s "-$1K" "$mnt/fill" 2>/dev/null || rm -f "$mnt/fill"
}

full=0
for free in 0 8 60 120 170 220 1000; do
	for what in run m; do
		rm -rf "${mnt:?}/$what"
		cp -r "$tmp/$what" "$mnt/$what" || fail "copy"
		leave_free "$free"
		"$bench" plot "$mnt/$what" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		for f in $(find "$mnt/$what" -name '*.png' -o -name '*.svg' -o -name 'report.*'); do
			complete "$f" || fail "$what with ${free}K free: $f is incomplete under its final name"
		done
		if [ "$free" -eq 1000 ] && [ $rc -ne 0 ]; then
			fail "$what with ${free}K free should plot: $(cat "$tmp/err")"
		fi
		if [ $rc -ne 0 ]; then
			[ $rc -eq 1 ] || fail "$what with ${free}K free: exit $rc, want 1"
			grep -q "No space left on device" "$tmp/err" ||
				fail "$what with ${free}K free: the error should say so: $(cat "$tmp/err")"
			full=$((full + 1))
		fi
		rm -f "$mnt/fill"
	done
done
[ $full -gt 0 ] || fail "the disk never filled up: the test proves nothing"

# A gnuplot that stops half way through its charts and still exits 0, as it does
# when its own writes fail: the real one draws into files here, and this wrapper
# passes on only the first 1000 bytes of each. The write errors above are seen
# by bench itself; this is what only the check of a chart's end can catch.
real=$(command -v gnuplot) || fail "no gnuplot in PATH"
mkdir "$tmp/gp" "$tmp/half" || fail "mkdir"
cat >"$tmp/gp/gnuplot" <<EOF
#!/bin/sh
"$real" "\$@" 3>"$tmp/gp/out3" 4>"$tmp/gp/out4" || exit
head -c 1000 "$tmp/gp/out3" >&3
{ head -c 1000 "$tmp/gp/out4" >&4; } 2>/dev/null
exit 0
EOF
chmod +x "$tmp/gp/gnuplot"
for what in run m; do
	cp -r "$tmp/$what" "$tmp/half/$what" || fail "copy"
	PATH="$tmp/gp:$PATH" "$bench" plot "$tmp/half/$what" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] || fail "$what, charts cut short by gnuplot: exit $rc, want 1: $(cat "$tmp/err")"
	grep -q "gnuplot stopped before the end of the chart" "$tmp/err" ||
		fail "$what, charts cut short by gnuplot: the error should say so: $(cat "$tmp/err")"
	for f in $(find "$tmp/half/$what" -name '*.png' -o -name '*.svg' -o -name '*.tmp'); do
		complete "$f" || fail "$what, charts cut short by gnuplot: $f is incomplete under its final name"
		case $f in *.tmp) fail "$what, charts cut short by gnuplot: $f left behind" ;; esac
	done
done
echo "ok ($full plots ran out of space)"
