"""What one read of request.state costs, without Django's request around it.

The per-request counts in instructions.py cannot tell apart differences much
under 0.1% of a request (docs/benchmarks.md says why). This counts, under
callgrind, a loop that makes a request the way our handler's requests are made
and reads its state once, against the same loop reading a module global:
the difference is the read, and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from io import BytesIO

from .driver import http_scope, table
from .instructions import NO_ASLR

FEW, MANY = 1_000, 11_000
GLOBAL_CLIENT = object()
LOOPS = {
    "global": "reads a module global",
    "once": "reads request.state once",
    "twice": "twice",
    "key": "reads request.state[KEY] once",
}


def run() -> str:
    if shutil.which("valgrind") is None:
        return "One state read: skipped, valgrind is not installed."
    counts = {kind: (count(kind, MANY) - count(kind, FEW)) / (MANY - FEW) for kind in LOOPS}
    rows = [("a request made, then", "instructions/loop")]
    rows += [(LOOPS[kind], f"{value:,.0f}") for kind, value in counts.items()]
    first = counts["once"] - counts["global"]
    further = counts["twice"] - counts["once"]
    typed = counts["key"] - counts["once"]
    return (
        "One read of request.state, in a loop of its own (valgrind callgrind)\n"
        f"{table(rows)}\n"
        f"the first read: {first:,.0f} instructions (the property, and building the State)\n"
        f"each further read: {further:,.0f} instructions (the property alone)\n"
        f"a typed key instead of a string: {typed:+,.0f} instructions"
    )


def count(loop: str, times: int) -> int:
    completed = subprocess.run(
        [
            *NO_ASLR,
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "benchmarks.state_read",
            loop,
            str(times),
        ],
        env={
            **os.environ,
            "PYTHONHASHSEED": "0",
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", completed.stderr)
    assert found is not None, completed.stderr
    return int(found.group(1))


def loop(kind: str, times: int) -> None:
    import django

    django.setup()
    from django_lifespan_ctx import StateKey
    from django_lifespan_ctx._serving.state.request import LifespanASGIRequest

    key = StateKey("client", object)
    client = object()
    # Both keys, as the runner stores them (exact strings), in every loop's state.
    lifespan_state = {"client": client, str.__str__(key): client}
    for _ in range(times):
        scope = http_scope("/", lifespan_state)  # The server's per-request copy.
        request = LifespanASGIRequest(scope, BytesIO())
        if kind == "global":
            client = GLOBAL_CLIENT
        elif kind == "once":
            client = request.state["client"]
        elif kind == "key":
            client = request.state[key]
        else:
            client = request.state["client"]
            client = request.state["client"]
        assert client is not None


if __name__ == "__main__":
    loop(sys.argv[1], int(sys.argv[2]))
