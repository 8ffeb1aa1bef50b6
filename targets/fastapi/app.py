"""The original experiment, on the original stack: FastAPI under uvicorn.

Three endpoints each "do I/O" by sleeping `ms` milliseconds:

- /sync is a plain `def`: FastAPI runs it on anyio's worker thread pool (40 threads
  by default), so N calls at once finish together, each on a different thread;
- /async is an `async def` awaiting two nested async functions (depth 1, depth 2)
  that end in a non-blocking sleep: all N run on the event-loop thread and still
  finish together;
- /wrong is an `async def` that calls the blocking sleep: it stops the event loop,
  so N calls take N times as long, one after another.

/hello and /cpu complete the endpoint table shared with the C targets.
"""

import asyncio
import os
import sys
import threading
import time

from fastapi import FastAPI, Query
from fastapi.responses import PlainTextResponse

VERBOSE = os.environ.get("ASYNCSCOPE_VERBOSE") == "1"
MAX_MS = 60000
MAX_US = 10000000

app = FastAPI()


def log(endpoint, what):
    """A blog-style line: pid, tid, endpoint, phase, CLOCK_MONOTONIC time."""
    if VERBOSE:
        t = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        sys.stderr.write(
            f"pid {os.getpid()} | tid {threading.get_native_id()} | {endpoint} | "
            f"{what} | t={t // 10**9}.{t % 10**9:09d}\n"
        )


def body(endpoint, n, unit="ms"):
    return PlainTextResponse(
        f"{endpoint} {n} {unit} pid={os.getpid()} tid={threading.get_native_id()}\n"
    )


@app.get("/hello", response_class=PlainTextResponse)
async def hello():
    return "Hello, World!"


@app.get("/sync")
def sync(ms: int = Query(..., ge=0, le=MAX_MS)):
    log("/sync", f"blocking sleep {ms} ms")
    time.sleep(ms / 1000)
    log("/sync", f"slept {ms} ms")
    return body("/sync", ms)


async def depth2(ms):
    log("/async", f"depth 2: waiting {ms} ms")
    await asyncio.sleep(ms / 1000)
    log("/async", "depth 2: done")


async def depth1(ms):
    log("/async", "depth 1: calling depth 2")
    await depth2(ms)
    log("/async", "depth 1: done")


@app.get("/async")
async def async_(ms: int = Query(..., ge=0, le=MAX_MS)):
    await depth1(ms)
    return body("/async", ms)


@app.get("/wrong")
async def wrong(ms: int = Query(..., ge=0, le=MAX_MS)):
    log("/wrong", f"blocking sleep {ms} ms inside async def")
    time.sleep(ms / 1000)  # the mistake: the event loop stops here
    log("/wrong", f"slept {ms} ms")
    return body("/wrong", ms)


@app.get("/cpu")
def cpu(us: int = Query(..., ge=0, le=MAX_US)):
    end = time.thread_time_ns() + us * 1000
    while time.thread_time_ns() < end:
        pass
    return body("/cpu", us, "us")
