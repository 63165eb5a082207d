"""Running several gunicorns that share one run-once context, and reading its log."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django_lifespan_ctx._ops.run_once_locks import lock_id
from tests import servers
from tests.servers import ServerProcess

# One key's advisory lock as pg_locks shows it (the server is shared by the whole session).
LOCK_ROWS = """
from pg_locks where locktype = 'advisory' and granted
  and classid = %(classid)s::bigint::oid and objid = %(objid)s::bigint::oid and objsubid = 1
"""


def lock_parts(key: str) -> dict[str, int]:
    unsigned = lock_id(key) & 0xFFFF_FFFF_FFFF_FFFF
    return {"classid": unsigned >> 32, "objid": unsigned & 0xFFFF_FFFF}


HOLDS = re.compile(r"this process \([^:]+:(\d+)\) holds the lock")
WORKER = re.compile(r"Booting worker with pid: (\d+)")


def gunicorn(workers: int, log: Path, key: str, **env: str) -> ServerProcess:
    argv = servers.gunicorn("tests.sites.server_asgi:application", "-w", str(workers))
    server = ServerProcess(argv, settings="tests.sites.ops_run_once_settings")
    server.env.update(env, LIFESPAN_TEST_RUN_ONCE_LOG=str(log), LIFESPAN_TEST_RUN_ONCE_KEY=key)
    return server


def entries(log: Path) -> list[tuple[str, int]]:
    if not log.exists():
        return []
    return [(event, int(pid)) for event, pid in (line.split() for line in log.read_text().splitlines())]


def assert_never_two_at_once(log: Path) -> None:
    """Every enter is followed by that process's exit (or its death) before the next enter."""
    holder: int | None = None
    for event, pid in entries(log):
        if event == "enter":
            assert holder is None or not alive(holder), entries(log)
            holder = pid
        else:
            assert pid == holder, entries(log)
            holder = None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_enters(log: Path, count: int, timeout: float = 10) -> list[tuple[str, int]]:
    """Wait until the log shows `count` enters: the contexts' own log is the only signal there is."""
    deadline = time.monotonic() + timeout
    while sum(event == "enter" for event, _ in entries(log)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} enters in {timeout} s: {entries(log)}")
        time.sleep(0.02)
    return [entry for entry in entries(log) if entry[0] == "enter"]


def parent_of(pid: int) -> int:
    """Its parent's pid, from /proc: which gunicorn master (which "host") a worker belongs to."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])  # After the command's name, which may hold spaces.


def wait_for_enter_by(log: Path, chosen: Callable[[int], bool], *, after: int, timeout: float) -> int:
    """Wait until a process that `chosen` accepts enters, after the first `after` log lines; its pid."""
    deadline = time.monotonic() + timeout
    while True:
        found = [pid for event, pid in entries(log)[after:] if event == "enter" and chosen(pid)]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no chosen process entered in {timeout} s: {entries(log)}")
        time.sleep(0.02)


def kill(pid: int) -> float:
    os.kill(pid, signal.SIGKILL)
    return time.monotonic()


def run_once_view(server: ServerProcess) -> dict[str, Any]:
    (described,) = server.get("/readyz/").json()["run_once"]
    return dict(described)
