"""Fork is a first-class event: a process forked from one that ran, runs or imported a lifespan runs its own.

Every proof is a real process: os.fork() after start_in_thread(), and the
queues and servers that fork their workers (Huey -k process, Celery prefork,
RQ's work horse, gunicorn --preload). What happened is read from the contexts'
own log (tests/lifecycle_contexts.py); every wait has a deadline, so a child
that hangs fails the test instead of hanging it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.lifecycle_contexts import LOG_ENV, read_log
from tests.servers import REPO, ServerProcess


def run_fork_program(case: str, log: Path) -> subprocess.CompletedProcess[str]:
    process = ServerProcess(["tests.fork_programs", case], settings="tests.settings")
    process.env[LOG_ENV] = str(log)
    return subprocess.run(
        process.command(), cwd=REPO, env=process.env, capture_output=True, text=True, timeout=90
    )


@pytest.mark.parametrize("case", ["running", "stopped", "imported"])
def test_a_child_forked_after_start_in_thread_enters_runs_a_task_and_stops_its_own_lifespan(
    tmp_path: Path, case: str
) -> None:
    done = run_fork_program(case, tmp_path / "lifecycle.log")
    assert done.returncode == 0, done.stdout + done.stderr
    log = read_log(tmp_path / "lifecycle.log")
    parent = next(pid for pid, events in log.items() if any(e.startswith("child ") for e in events))
    (child,) = set(log) - {parent}
    assert log[child] == [
        "enter logged",
        "task ran state='value of logged'",
        "asgiref True",
        "asyncio True",
        "exit logged",
    ], done.stderr
    expected = {
        "running": ["enter logged", f"child {child} exited 0", "exit logged"],
        "stopped": ["enter logged", "exit logged", f"child {child} exited 0"],
        "imported": [f"child {child} exited 0"],
    }
    assert log[parent] == expected[case], done.stderr
