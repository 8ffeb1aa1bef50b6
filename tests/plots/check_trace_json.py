#!/usr/bin/python3
"""Checks the structure of a trace.json (plots/perfetto.c) as ui.perfetto.dev's
importer would read it, and prints one line per problem.

usage: check_trace_json.py FILE [--client-flows N] [--min-handoffs N] [--stalls N]

- valid JSON, a traceEvents array; every event has ph, a numeric ts, integer
  pid and tid;
- each timestamp and duration reads as the same nanosecond exactly (decimal)
  and as the importer reads it (double times 1000, truncated);
- complete ("X") and B/E slices on one thread track meet or nest, never
  overlap otherwise (a stall holds the states it spans);
- a stall (cat "stall") is named "stall: <cause>[ <syscall>]", carries every
  column of stalls.csv in args, sits on a thread track that has states, and
  its args agree with its ts and dur;
- async slices ("b"/"e") pair up by (cat, id) and nest properly (an "e" ends
  the innermost open "b" of its track, by name);
- flows of either kind: a v2 flow (bind_id) starts once (flow_out), ends once
  (flow_in) on a slice event, and never goes back in time; a v1 "s" has its
  "f" with the same (cat, id);
- counter values are never negative;
- every process and thread that holds slices is named ("M" events);
- --client-flows N: flows starting on a client request (cat "request") number N;
- --min-handoffs N: at least N flows hop from one server thread to another;
- --stalls N: exactly N stall slices, and otherData.stalls says N.
Exit 0 when all holds, 1 otherwise.
"""
import collections
import decimal
import json
import sys

problems = []


def bad(msg):
    if len(problems) < 50:
        problems.append(msg)


def exact_ns(v):
    return int(decimal.Decimal(v) * 1000)  # floor for the non-negative times here


def importer_ns(v):
    return int(float(v) * 1000)  # the importer's arithmetic


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    path, client_flows, min_handoffs, want_stalls = args[0], None, None, None
    for i in range(1, len(args), 2):
        if args[i] == "--client-flows":
            client_flows = int(args[i + 1])
        elif args[i] == "--min-handoffs":
            min_handoffs = int(args[i + 1])
        elif args[i] == "--stalls":
            want_stalls = int(args[i + 1])
    try:
        with open(path) as f:
            doc = json.load(f, parse_float=decimal.Decimal)
    except (OSError, ValueError) as e:
        print(f"{path}: not JSON: {e}")
        return 1
    ev = doc.get("traceEvents") if isinstance(doc, dict) else None
    if not isinstance(ev, list):
        print(f"{path}: no traceEvents array")
        return 1

    slices = collections.defaultdict(list)  # (pid, tid) -> [(a, b, i)]
    asyncs = collections.defaultdict(list)  # (pid, cat, id) -> [(ts, i, ph, name)]
    binds = collections.defaultdict(list)  # bind_id -> [(ts, in, out, i)]
    v1 = collections.defaultdict(lambda: [0, 0])
    named_pids, named_tids, used = set(), set(), set()
    stalls, sched_tracks = [], set()
    for i, e in enumerate(ev):
        ph = e.get("ph")
        if not isinstance(ph, str) or len(ph) != 1:
            bad(f"event {i}: no ph")
            continue
        ts = e.get("ts")
        if isinstance(ts, bool) or not isinstance(ts, (int, decimal.Decimal)):
            bad(f"event {i}: ts is not a number: {ts!r}")
            continue
        for k in ("pid", "tid"):
            if isinstance(e.get(k), bool) or not isinstance(e.get(k), int):
                bad(f"event {i}: {k} is not an integer: {e.get(k)!r}")
        pid, tid = e.get("pid"), e.get("tid")
        t = exact_ns(ts)
        if importer_ns(ts) != t:
            bad(f"event {i}: ts {ts} reads as {importer_ns(ts)} ns, not {t}")
        if ph == "M":
            name = e.get("name")
            if not isinstance(e.get("args", {}).get("name"), str):
                bad(f"event {i}: {name} without args.name")
            if name == "process_name":
                named_pids.add(pid)
            elif name == "thread_name":
                named_tids.add((pid, tid))
            continue
        if ph == "X":
            dur = e.get("dur")
            if isinstance(dur, bool) or not isinstance(dur, (int, decimal.Decimal)) or dur < 0:
                bad(f"event {i}: X without a duration")
                continue
            d = exact_ns(dur)
            if importer_ns(dur) != d:
                bad(f"event {i}: dur {dur} reads as {importer_ns(dur)} ns, not {d}")
            slices[(pid, tid)].append((t, t + d, i))
            used.add((pid, tid))
            if e.get("cat") == "stall":
                stalls.append((pid, tid, t, d, i))
            elif e.get("cat") == "sched":
                sched_tracks.add((pid, tid))
        elif ph in "BE":
            slices[(pid, tid, "BE")].append((t, ph, i))
            used.add((pid, tid))
        elif ph in "ben":
            if "id" not in e:
                bad(f"event {i}: async {ph} without id")
            asyncs[(pid, e.get("cat"), str(e.get("id")))].append((t, i, ph, e.get("name")))
            used.add((pid, None))
        elif ph == "C":
            for k, v in e.get("args", {}).items():
                if not isinstance(v, (int, decimal.Decimal)) or v < 0:
                    bad(f"event {i}: counter {e.get('name')}.{k} = {v!r}")
            used.add((pid, None))
        elif ph in "stf":
            v1[(e.get("cat"), str(e.get("id")))]["sf".index(ph) if ph in "sf" else 0] += ph != "t"
        if "bind_id" in e:
            fin, fout = bool(e.get("flow_in")), bool(e.get("flow_out"))
            if ph not in "XBb":
                bad(f"event {i}: bind_id on a {ph} event, which holds no slice")
            if not fin and not fout:
                bad(f"event {i}: bind_id without flow_in or flow_out")
            binds[e["bind_id"]].append((t, fin, fout, i))

    # One thread track: X slices meet or nest, a zero-length one anywhere.
    # At an equal start the longer one is the parent (what the importer does
    # with file order here: the writer puts stalls first).
    overlaps = 0
    for key, lst in slices.items():
        if len(key) == 3:
            depth = 0
            for t, ph, i in sorted(lst):
                depth += 1 if ph == "B" else -1
                if depth < 0:
                    bad(f"event {i}: E without B on {key[:2]}")
                    depth = 0
            if depth:
                bad(f"{key[:2]}: {depth} B without E")
            continue
        open_ = []  # ends of the enclosing slices, innermost last
        for a, b, i in sorted(lst, key=lambda x: (x[0], -x[1], x[2])):
            if a == b:
                continue
            while open_ and open_[-1] <= a:
                open_.pop()
            if open_ and b > open_[-1]:
                overlaps += 1
                bad(f"event {i}: slice [{a}, {b}) overlaps the previous one (ends {open_[-1]}) without nesting on {key}")
                continue
            open_.append(b)
    cols = ["tid", "comm", "t_start", "t_end", "duration_ns", "cause", "syscall", "running_ns",
            "runnable_ns", "sleeping_ns", "blocked_ns", "ready", "requests_waiting", "stack"]
    for pid, tid, t, d, i in stalls:
        e = ev[i]
        a = e.get("args", {})
        missing = [c for c in cols if c not in a]
        if missing:
            bad(f"event {i}: stall without args {missing}")
            continue
        want = "stall: " + a["cause"] + (" " + a["syscall"] if a["syscall"] else "")
        if e.get("name") != want:
            bad(f"event {i}: stall named {e.get('name')!r}, want {want!r}")
        if a["cause"] not in ("running", "runnable", "sleeping", "blocked"):
            bad(f"event {i}: stall cause {a['cause']!r}")
        if a["tid"] != tid:
            bad(f"event {i}: stall of tid {a['tid']} on the track of {tid}")
        if a["duration_ns"] != a["t_end"] - a["t_start"] or d > a["duration_ns"]:
            bad(f"event {i}: stall dur {d} ns, its row says {a['duration_ns']}")
        parts = sum(a[c] for c in ("running_ns", "runnable_ns", "sleeping_ns", "blocked_ns"))
        if parts > a["duration_ns"]:
            bad(f"event {i}: stall parts {parts} ns exceed its {a['duration_ns']} ns")
        if (pid, tid) not in sched_tracks:
            bad(f"event {i}: stall on a track without thread states")
    if want_stalls is not None:
        od = doc.get("otherData", {}).get("stalls")
        if len(stalls) != want_stalls or od != want_stalls:
            bad(f"{len(stalls)} stall slices (otherData says {od}), want {want_stalls}")
    # Async tracks: a stack per (pid, cat, id); ties keep file order.
    for key, lst in asyncs.items():
        stack = []
        for t, i, ph, name in sorted(lst, key=lambda x: (x[0], x[1])):
            if ph == "b":
                stack.append((name, t))
            elif ph == "e":
                if not stack:
                    bad(f"event {i}: e without b on {key}")
                elif stack[-1][0] != name:
                    bad(f"event {i}: e '{name}' closes '{stack[-1][0]}' on {key}")
                    stack.pop()
                else:
                    stack.pop()
        if stack:
            bad(f"{key}: {len(stack)} b without e")
    # Flows.
    by_index = {}
    starts_on_client = handoffs = 0
    for bid, lst in binds.items():
        lst.sort()
        outs = [x for x in lst if x[2] and not x[1]]
        ins = [x for x in lst if x[1] and not x[2]]
        if len(outs) != 1 or len(ins) != 1:
            bad(f"flow {bid}: {len(outs)} starts and {len(ins)} ends")
            continue
        if lst[0] is not outs[0] or lst[-1] is not ins[0]:
            bad(f"flow {bid}: goes back in time")
        if ev[outs[0][3]].get("cat") == "request":
            starts_on_client += 1
        hops = [ev[x[3]] for x in lst if ev[x[3]].get("cat") != "request"]
        handoffs += sum(1 for a, b in zip(hops, hops[1:]) if a.get("tid") != b.get("tid"))
    for key, (s, f) in v1.items():
        if s != f:
            bad(f"v1 flow {key}: {s} starts, {f} ends")
    for pid, tid in used:
        if pid not in named_pids:
            bad(f"process {pid} has no process_name")
        if tid is not None and (pid, tid) not in named_tids:
            bad(f"thread {tid} of {pid} has no thread_name")
    if client_flows is not None and starts_on_client != client_flows:
        bad(f"{starts_on_client} flows start on a client request, want {client_flows}")
    if min_handoffs is not None and handoffs < min_handoffs:
        bad(f"{handoffs} flows hop between server threads, want at least {min_handoffs}")

    for p in problems:
        print(f"{path}: {p}")
    if not problems:
        print(f"{path}: ok: {len(ev)} events, {len(stalls)} stalls, {len(binds)} flows "
              f"({starts_on_client} from the client, {handoffs} hand-offs), "
              f"{sum(len(v) for k, v in slices.items() if len(k) == 2)} thread slices")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
