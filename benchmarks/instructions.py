"""Per-request cost in CPU instructions, counted by valgrind.

Wall-clock ratios on a shared 2-core machine wander by a few per cent from round
to round, more than the 1% the per-request target allows. Instruction counts
barely move: the same handler's count repeats within 0.1%, though set-up alone
can shift counts between handlers by about 0.2% (memory layout, garbage
collection timing; see docs/benchmarks.md). Each handler
serves a few requests, then more, in separate processes under callgrind; the
difference, divided by the extra requests, is its cost per request, free of
start-up and set-up.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys

from .driver import table

FEW, MANY = 50, 250
HANDLERS = ("Django ASGIHandler", "django-lifespan-ctx", "django-asgi-lifespan")
# Our handler with Django's own request class: the view finds no request.state,
# as under plain Django, so this row is what the handler alone adds.
HANDLER_ALONE = "django-lifespan-ctx, view reads no state"


def count(handler: str, requests: int) -> int:
    """Instructions executed by a whole process that serves `requests` requests."""
    completed = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            handler,
            str(requests),
        ],
        # Hash randomisation would change dict layouts, and so counts, between runs.
        env={**os.environ, "PYTHONHASHSEED": "0", "DJANGO_SETTINGS_MODULE": "benchmarks.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", completed.stderr)
    assert found is not None, completed.stderr
    return int(found.group(1))


def run() -> str:
    if shutil.which("valgrind") is None:
        return "Per-request instructions: skipped, valgrind is not installed (apt install valgrind)."
    per_request: dict[str, float] = {}
    for handler in (*HANDLERS, HANDLER_ALONE):
        try:
            few, many = count(handler, FEW), count(handler, MANY)
        except subprocess.CalledProcessError as exc:
            if "not installed" in exc.stderr:
                continue  # django-asgi-lifespan is a bench-only extra.
            raise
        per_request[handler] = (many - few) / (MANY - FEW)
    baseline = per_request["Django ASGIHandler"]
    rows = [("handler (view reads request.state)", "instructions/request", "ratio to Django")]
    for handler, instructions in per_request.items():
        rows.append((handler, f"{instructions:,.0f}", f"{instructions / baseline:.4f}"))
    header = (
        f"Per-request cost in CPU instructions (valgrind callgrind): "
        f"({MANY} requests - {FEW} requests) / {MANY - FEW}"
    )
    return header + "\n" + table(rows)


def serve(handler: str, requests: int) -> None:
    """The child process: set up every handler, then serve requests with one."""
    import django

    django.setup()
    from .driver import request
    from .per_request import build

    loop = asyncio.new_event_loop()
    apps, state, lifespans = build(loop)
    if handler not in (*apps, HANDLER_ALONE):
        sys.exit(f"{handler} is not installed")
    if handler == HANDLER_ALONE:
        from django.core.handlers.asgi import ASGIHandler

        app = apps["django-lifespan-ctx"]
        app.request_class = ASGIHandler.request_class
    else:
        app = apps[handler]

    # Without our request class the view finds no state; with it, it must.
    expected = b"no state" if handler in ("Django ASGIHandler", HANDLER_ALONE) else b"state"

    async def burst() -> None:
        for _ in range(requests):
            assert await request(app, "/read-state/", state) == expected

    loop.run_until_complete(burst())
    for lifespan in lifespans:
        loop.run_until_complete(lifespan.shutdown())
    loop.close()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
