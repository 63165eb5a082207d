"""python -m benchmarks: run every benchmark and print the figures."""

from __future__ import annotations

import os
import platform
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django

django.setup()

from . import end_to_end, import_cost, instructions, lifespan_cost, memory, per_request, state_read  # noqa: E402


def main() -> None:
    chosen = sys.argv[1:] or [
        "per_request",
        "instructions",
        "state_read",
        "lifespan_cost",
        "end_to_end",
        "memory",
        "import_cost",
    ]
    modules = {
        "per_request": per_request,
        "instructions": instructions,
        "state_read": state_read,
        "lifespan_cost": lifespan_cost,
        "end_to_end": end_to_end,
        "memory": memory,
        "import_cost": import_cost,
    }
    print(f"Python {platform.python_version()}, Django {django.get_version()}, {os.cpu_count()} cores\n")
    for name in chosen:
        started = time.perf_counter()
        print(modules[name].run())
        print(f"({time.perf_counter() - started:.0f} s)\n", flush=True)


main()
