"""A Huey worker process forked while its parent's worker threads were mid-startup or had failed.

``python -m tests.huey_fork_program``, for tests/workers/test_huey_worker.py: in the
parent, one worker thread has failed to start the lifespan and another is
still starting it (it holds the integration's startup lock) when the process
forks. The child then runs Huey's startup hook as a worker would: it must
start its own lifespan at once, neither refused by the parent's failure nor
blocked on a lock whose holder does not exist in the child, run a task and stop.
The parent waits for it with a deadline and exits with its status. What the
contexts and the task did is written to LIFECYCLE_LOG (tests/lifecycle_contexts.py).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sites.settings")
django.setup()

from huey import SqliteHuey  # noqa: E402

from django_lifespan_ctx import current_state  # noqa: E402
from django_lifespan_ctx.contrib import huey as lifespan_huey  # noqa: E402
from tests.lifecycle_contexts import logged, note  # noqa: E402

HUNG = 3  # The child's status when it did not finish in time: it was killed.


def child(huey: SqliteHuey) -> None:
    # What the consumer's worker runs before its first task, and after its last.
    connection = lifespan_huey._connections[huey]
    connection.start_worker()
    note(f"task ran state={current_state()['logged']!r}")
    connection.stop_worker()


def main() -> int:
    huey = SqliteHuey("fork", filename=os.path.join(tempfile.mkdtemp(), "queue.sqlite3"))
    lifespan_huey.connect(huey, contexts=[logged])
    # A worker thread of this process could not start the lifespan...
    lifespan_huey._startup_failure = ConnectionError("the parent's index was unreachable")
    # ...and another is still starting it, holding the lock, when the process forks.
    holding, release = threading.Event(), threading.Event()

    def starting() -> None:
        with lifespan_huey._startup_lock:
            holding.set()
            release.wait()

    threading.Thread(target=starting, daemon=True).start()
    holding.wait()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            child(huey)
            code = 0
        finally:
            os._exit(code)
    deadline = time.monotonic() + 60
    while (done := os.waitpid(pid, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    if done == (0, 0):
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        code = HUNG
    else:
        code = os.waitstatus_to_exitcode(done[1])
    release.set()
    note(f"child {pid} exited {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
