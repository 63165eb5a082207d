"""Per-request cost in CPU instructions, counted by valgrind.

Wall-clock ratios on a shared 2-core machine wander by a few per cent from round
to round, more than the differences measured here. Instruction counts barely
move once three sources of drift are removed: PYTHONHASHSEED is fixed; address
space randomisation is turned off (setarch -R), since an object's hash is its
address and so decides how sets and dicts keyed by objects probe; and after
set-up the heap is frozen (gc.freeze()), so a garbage collection during the
requests walks only what the requests made, not the whole of Django. Each case
serves a few requests, then more, in separate processes under callgrind, each
count the lowest of REPEATS runs; the difference, divided by the extra requests,
is its cost per request, free of start-up and set-up.
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import re
import shutil
import subprocess
import sys

from .cases import BASELINE, CASES, FLOOR, Case, expected_body
from .driver import table

FEW, MANY = 50, 450
# Fewer for a quick look at a few cases (BENCHMARK_REPEATS=1): each count can only be higher.
REPEATS = int(os.environ.get("BENCHMARK_REPEATS", "3"))


# Without setarch (not Linux), counts still compare, with more noise.
NO_ASLR = ["setarch", platform.machine(), "--addr-no-randomize"] if shutil.which("setarch") else []


def count(case: Case, requests: int) -> int:
    """Instructions executed by a whole process that serves `requests` requests."""
    completed = subprocess.run(
        [
            *NO_ASLR,
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            case.name,
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


def lowest(case: Case, requests: int) -> int:
    # Threads (Django runs response.close() in one) can only add instructions.
    return min(count(case, requests) for _ in range(REPEATS))


def chosen_cases() -> list[Case]:
    """BENCHMARK_CASES="typed key,by item" counts only the cases whose names contain one of
    these, with the two the ratios need; the whole table takes about 14 minutes."""
    wanted = [part.strip() for part in os.environ.get("BENCHMARK_CASES", "").split(",") if part.strip()]
    if not wanted:
        return list(CASES)
    return [
        case for case in CASES if case.name in (BASELINE, FLOOR) or any(part in case.name for part in wanted)
    ]


def run() -> str:
    if shutil.which("valgrind") is None:
        return "Per-request instructions: skipped, valgrind is not installed (apt install valgrind)."
    per_request: dict[str, float] = {}
    for case in chosen_cases():
        try:
            few, many = lowest(case, FEW), lowest(case, MANY)
        except subprocess.CalledProcessError as exc:
            if "not installed" in exc.stderr:
                continue  # django-asgi-lifespan is a bench-only extra.
            raise
        per_request[case.name] = (many - few) / (MANY - FEW)
    baseline, floor = per_request[BASELINE], per_request[FLOOR]
    rows = [("handler, view", "instructions/request", "ratio to Django", "ratio to the floor")]
    for name, instructions in per_request.items():
        rows.append(
            (name, f"{instructions:,.0f}", f"{instructions / baseline:.4f}", f"{instructions / floor:.4f}")
        )
    header = (
        f"Per-request cost in CPU instructions (valgrind callgrind): "
        f"({MANY} requests - {FEW} requests) / {MANY - FEW}, lowest of {REPEATS} runs each"
    )
    return header + "\n" + table(rows)


def serve(name: str, requests: int) -> None:
    """The child process: set up every handler, then serve requests with one."""
    import django

    django.setup()
    from .driver import request
    from .per_request import build

    loop = asyncio.new_event_loop()
    apps, state, lifespans = build(loop)
    case = next(case for case in CASES if case.name == name)
    if case.handler not in apps:
        sys.exit(f"{case.handler} is not installed")
    app, expected = apps[case.handler], expected_body(case)
    # Django tries URL patterns in order: each case's view first, so none pays for its place.
    from .views import urlpatterns

    urlpatterns.sort(key=lambda pattern: f"/{pattern.pattern}" != case.path)

    async def burst() -> None:
        for _ in range(requests):
            assert await request(app, case.path, state) == expected

    gc.collect()
    gc.freeze()
    loop.run_until_complete(burst())
    for lifespan in lifespans:
        loop.run_until_complete(lifespan.shutdown())
    loop.close()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
