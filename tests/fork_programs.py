"""Programs that fork after a lifespan ran in them, for tests/engine/test_fork.py to run as real processes.

``python -m tests.fork_programs CASE``: the parent runs the lifespan (or not)
as CASE says, forks, and the child enters its own lifespan, runs a task on its
loop through run(), also uses asgiref on a loop of its own, stops, and exits 0.
The contexts and the task write what they did to LIFECYCLE_LOG (tests/lifecycle_contexts.py).
"""

from __future__ import annotations

import asyncio
import os
import sys

import django
from asgiref.sync import async_to_sync, sync_to_async

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sites.settings")
django.setup()

from django_lifespan_ctx import current_state, start_in_thread  # noqa: E402
from tests.lifecycle_contexts import logged, note  # noqa: E402

CASES = ("running", "stopped", "imported")


async def task() -> None:
    # Runs on the child's own lifespan loop, with the child's own state.
    note(f"task ran state={current_state()['logged']!r}")


def child() -> None:
    running = start_in_thread(contexts=[logged])
    running.run(task())
    # Other users of asgiref in the child: its process-wide executor works.
    note(f"asgiref {async_to_sync(sync_to_async(os.getpid))() == os.getpid()}")
    note(f"asyncio {asyncio.run(sync_to_async(os.getpid)()) == os.getpid()}")
    running.stop()


def main(case: str) -> int:
    parent = None if case == "imported" else start_in_thread(contexts=[logged])
    if parent is not None:
        # The parent's pools have run something, as every lifespan's warm-up makes them.
        parent.run(asyncio.sleep(0))
        async_to_sync(sync_to_async(os.getpid))()
        if case == "stopped":
            parent.stop()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            child()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    note(f"child {pid} exited {os.waitstatus_to_exitcode(status)}")
    if parent is not None and case == "running":
        parent.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
