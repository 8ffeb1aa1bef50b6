#!/usr/bin/env python3
"""A second, independent reader of our HdrHistogram logs (stdlib only: base64,
zlib, struct), and the histogram of records computed from requests.csv, for
netns.sh to compare bucket by bucket.

  hdrdump.py log FILE TAG        "index count" of every non-zero bucket
  hdrdump.py records FILE KIND   the same from requests.csv: KIND corrected
                                 (t_end - t_intended) or uncorrected (t_end - t_start)
"""
import base64, csv, struct, sys, zlib

SUB_BITS, MAX_BITS = 10, 43  # load/hist.h
HIST_MAX = (1 << MAX_BITS) - 1


def index(v):
    """HdrHistogram's counts index for lowest 1, 3 significant digits."""
    v = min(v, HIST_MAX)
    bucket = 53 - (64 - (v | 2047).bit_length())
    return (bucket + 1) * 1024 + (v >> bucket) - 1024


def words(buf):
    i = 0
    while i < len(buf):
        z = shift = 0
        for k in range(9):
            b = buf[i]
            i += 1
            if k == 8:
                z |= b << 56
                break
            z |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        yield (z >> 1) ^ -(z & 1)


def decode(b64):
    raw = base64.b64decode(b64)
    cookie, zlen = struct.unpack(">II", raw[:8])
    assert cookie & ~0xF0 == 0x1C849304, hex(cookie)
    raw = zlib.decompress(raw[8 : 8 + zlen])
    cookie, plen, norm, digits, lowest, highest, ratio = struct.unpack(">IIIIqqd", raw[:40])
    assert cookie & ~0xF0 == 0x1C849303 and norm == 0 and digits == 3 and lowest == 1, raw[:40]
    counts, i = {}, 0
    for w in words(raw[40 : 40 + plen]):
        if w < 0:
            i += -w
        else:
            if w:
                counts[i] = counts.get(i, 0) + w
            i += 1
    return counts


def from_log(path, tag):
    total = {}
    for line in open(path):
        if line.startswith("#") or line.startswith('"') or not line.strip():
            continue
        if not line.startswith(f"Tag={tag},"):
            continue
        for k, v in decode(line.strip().split(",")[-1]).items():
            total[k] = total.get(k, 0) + v
    return total


def from_records(path, kind):
    total = {}
    start = "t_intended" if kind == "corrected" else "t_start"
    for r in csv.DictReader(open(path)):
        k = index(int(r["t_end"]) - int(r[start]))
        total[k] = total.get(k, 0) + 1
    return total


if __name__ == "__main__":
    what, path, arg = sys.argv[1:4]
    h = from_log(path, arg) if what == "log" else from_records(path, arg)
    for k in sorted(h):
        print(k, h[k])
