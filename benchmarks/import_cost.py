"""What importing the library costs a process, over what Django's ASGI handler costs it already.

Each round starts fresh interpreters side by side: one that imports Django's ASGI
handler and django.http, and ones that then import the package, or the ASGI entry
point a project's asgi.py uses. Each times only its own last import, CPU time, so a
busy machine's preemptions land in no candidate's round.
"""

from __future__ import annotations

import subprocess
import sys

from .driver import alternate, median, table

ROUNDS = 15
TIMED = "import {before}, time\nbegan = time.process_time()\n{imports}\nprint(time.process_time() - began)\n"
DJANGO = "django.core.handlers.asgi, django.http"
# What a pytest run has imported before it loads plugins (pytest-asyncio is one).
PYTEST = "pytest, pytest_asyncio"


def timed(imports: str, before: str = DJANGO) -> float:
    code = TIMED.format(before=before, imports=imports)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def run() -> str:
    candidates = {
        "the package, after Django's ASGI handler and django.http": lambda: timed(
            "import django_lifespan_ctx"
        ),
        "django_lifespan_ctx.asgi (what asgi.py imports), after the same": lambda: timed(
            "import django_lifespan_ctx.asgi"
        ),
        "the pytest11 entry point, after pytest and pytest-asyncio": lambda: timed(
            "import django_lifespan_ctx.pytest_plugin", before=PYTEST
        ),
    }
    results = alternate(ROUNDS, candidates)
    rows = [("import", "median ms")]
    rows += [(name, f"{median(times) * 1000:.1f}") for name, times in results.items()]
    return f"Import cost, {ROUNDS} alternating rounds of fresh interpreters, CPU time\n" + table(rows)
