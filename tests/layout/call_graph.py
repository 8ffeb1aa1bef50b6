#!/usr/bin/env python3
"""One direction between files: in each static library given, no two members
(one .c each) call each other, directly or round a longer loop. Reads what nm
says each member defines and uses, so it sees calls, not includes. Prints every
loop found and exits 1; 0 when there is none.
    call_graph.py LIB.a..."""
import subprocess
import sys


def members(lib):
    out = subprocess.run(["nm", "-A", lib], capture_output=True, text=True, check=True).stdout
    defs, uses = {}, {}
    for line in out.splitlines():
        # "lib.a:member.c.o:0000000000000000 T name" or "lib.a:member.c.o:                 U name"
        head, _, rest = line.rpartition(":")
        member = head.split(":")[-1].split(".")[0]
        f = rest.split()
        if len(f) == 3 and f[1] in "TDRB":
            defs.setdefault(member, set()).add(f[2])
        elif len(f) == 2 and f[0] == "U":
            uses.setdefault(member, set()).add(f[1])
    return defs, uses


def loops(defs, uses):
    calls = {a: sorted(b for b in defs if b != a and uses.get(a, set()) & defs[b]) for a in defs}
    found, state = [], {}

    def walk(v, path):
        state[v] = 1
        for w in calls[v]:
            if state.get(w) == 1:
                found.append(path[path.index(w):] + [w])
            elif w not in state:
                walk(w, path + [w])
        state[v] = 2

    for v in sorted(calls):
        if v not in state:
            walk(v, [v])
    return found


bad = 0
for lib in sys.argv[1:]:
    defs, uses = members(lib)
    if len(defs) < 2:
        print(f"{lib}: fewer than two members, nothing to check", file=sys.stderr)
        sys.exit(1)
    for loop in loops(defs, uses):
        print(f"{lib}: files that call each other: {' -> '.join(loop)}")
        bad += 1
sys.exit(1 if bad else 0)
