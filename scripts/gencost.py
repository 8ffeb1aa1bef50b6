#!/usr/bin/env python3
"""The load generators' own cost per request, from callgrind and strace files.

    gencost.py NAME=PROGRAM:REQ_BASE:REQ_FULL:DIR[:ST_BASE:ST_FULL] [...]

For each generator DIR holds cg.base, cg.full (callgrind outputs) and st.base,
st.full (`strace -c -f -o` summaries) of two runs that differ only in how many
requests they made (REQ_BASE and REQ_FULL; ST_BASE and ST_FULL when the strace
runs made other counts, as a generator run for a duration does). Every figure printed is the
difference between the two runs divided by the difference in requests: start-up
(dynamic linking, libcurl's global init, LuaJIT) and connection set-up cancel
out, what is left is the steady-state cost of one more request on kept-alive
connections. PROGRAM is the generator's own executable, so "own" means the
instructions in its own code.

Instructions are callgrind's exclusive Ir per object file. libc is split by the
object that called it directly (a libc function calling another libc function
stays with the first caller); a call reaching libc through a third library
counts for that library. The first row's generator is compared with the last.
"""
import os
import re
import sys


def parse_callgrind(path, program):
    """Exclusive Ir per object, and inclusive Ir of direct calls into libc per caller."""
    names = {}  # compressed "(id)" -> object path
    excl = {}
    libc_from = {}
    ob = callee_ob = None
    after_call = False

    def objname(value):
        m = re.match(r"\((\d+)\)(?: (.*))?", value)
        if not m:
            return value
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names[m.group(1)]

    with open(path) as f:
        for line in f:
            c = line[0]
            if c.isdigit() or c in "+-*":
                ir = int(line.split()[-1])
                if after_call:
                    # The inclusive cost of the call just announced: not ours
                    # to count as exclusive, but it is how libc gets its caller.
                    target = callee_ob or ob
                    if classify(target, program) == "libc" and classify(ob, program) != "libc":
                        k = classify(ob, program)
                        libc_from[k] = libc_from.get(k, 0) + ir
                    after_call = False
                    callee_ob = None
                else:
                    k = classify(ob, program)
                    excl[k] = excl.get(k, 0) + ir
            elif line.startswith("ob="):
                ob = objname(line[3:].strip())
            elif line.startswith("cob="):
                callee_ob = objname(line[4:].strip())
            elif line.startswith("calls="):
                after_call = True
    return excl, libc_from


def classify(path, program):
    if path is None:
        return "other"
    if os.path.realpath(path) == os.path.realpath(program):
        return "own"
    base = os.path.basename(path)
    if base.startswith("libcurl."):
        return "libcurl"
    if base.startswith("libc.so") or base.startswith("libc-"):
        return "libc"
    return "other"


def parse_strace(path):
    """Calls per syscall from an `strace -c` summary."""
    calls = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[3].isdigit() and parts[-1] != "total":
                calls[parts[-1]] = calls.get(parts[-1], 0) + int(parts[3])
    return calls


def diff(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b)}


def main(args):
    rows = []
    for spec in args:
        name, rest = spec.split("=", 1)
        program, base, full, d, *st = rest.split(":")
        n = int(full) - int(base)
        nst = int(st[1]) - int(st[0]) if st else n
        e0, l0 = parse_callgrind(os.path.join(d, "cg.base"), program)
        e1, l1 = parse_callgrind(os.path.join(d, "cg.full"), program)
        excl, libc_from = diff(e0, e1), diff(l0, l1)
        sc = diff(parse_strace(os.path.join(d, "st.base")), parse_strace(os.path.join(d, "st.full")))
        rows.append((name, n, {k: v / n for k, v in excl.items()},
                     {k: v / n for k, v in libc_from.items()},
                     {k: v / nst for k, v in sc.items() if v > 0}))

    print("per request, steady state (difference of two runs / difference in requests):")
    hdr = ("generator", "requests", "own", "libcurl", "libc", "(by own", "by curl)", "other", "instr total", "syscalls")
    print("%-11s %9s %8s %8s %8s %8s %9s %8s %11s %9s" % hdr)
    totals = []
    for name, n, e, lf, sc in rows:
        tot = sum(e.values())
        nsc = sum(sc.values())
        totals.append((tot, nsc))
        # round() first: a difference of two nearly equal counts can print "-0".
        print("%-11s %9d %8d %8d %8d %8d %9d %8d %11d %9.2f" % (
            name, n, round(e.get("own", 0)), round(e.get("libcurl", 0)), round(e.get("libc", 0)),
            round(lf.get("own", 0)), round(lf.get("libcurl", 0)), round(e.get("other", 0)),
            round(tot), nsc))
    if len(rows) >= 2:
        (a, asc), (b, bsc) = totals[0], totals[-1]
        print("ratio %s / %s: instructions %.1fx, syscalls %.2fx" % (
            rows[0][0], rows[-1][0], a / b if b else float("nan"), asc / bsc if bsc else float("nan")))
    print("syscalls per request:")
    for name, n, e, lf, sc in rows:
        top = sorted(sc.items(), key=lambda kv: -kv[1])
        print("  %-11s %s" % (name, ", ".join("%s %.2f" % kv for kv in top if kv[1] >= 0.01)))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
