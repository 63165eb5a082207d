"""run_once() across processes and "hosts", on a real PostgreSQL, and on one host with a file lock."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

from tests.postgres import PostgresServer, postgres  # noqa: F401
from tests.run_once_helpers import (
    LOCK_ROWS,
    WORKER,
    assert_never_two_at_once,
    entries,
    gunicorn,
    kill,
    lock_parts,
    parent_of,
    run_once_view,
    wait_for_enter_by,
    wait_for_enters,
)

# Generous: the lock goes the moment the holder's socket closes, and the others try every 0.2 s.
HANDOVER_LIMIT = 3.0


def locks_held(server: PostgresServer, key: str) -> int:
    with server.connect() as connection:
        row = connection.execute("select count(*)" + LOCK_ROWS, lock_parts(key)).fetchone()
    assert row is not None
    return int(row[0])


def test_four_workers_on_two_hosts_enter_once_hand_over_on_sigkill_and_release_on_stop(
    postgres: PostgresServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    log = tmp_path / "scheduler.log"
    key = f"scheduler-{uuid.uuid4()}"
    env = {**postgres.environ(), "LIFESPAN_TEST_ON_POSTGRES": "1"}
    with gunicorn(3, log, key, **env) as first_host, gunicorn(1, log, key, **env) as second_host:
        first_host.wait_for("Lifespan startup complete", count=3)
        second_host.wait_for("Lifespan startup complete")
        ((_, holder),) = wait_for_enters(log, 1)
        # Every process reports the same holder; only the holder holds it here.
        seen = [run_once_view(first_host) for _ in range(6)] + [run_once_view(second_host)]
        assert {view["holder"].rsplit(":", 1)[1] for view in seen} == {str(holder)}, seen
        assert all(view["lock"] == "postgresql advisory lock" for view in seen)

        killed_at = kill(holder)
        (_, (_, successor)) = wait_for_enters(log, 2, timeout=HANDOVER_LIMIT)
        handover = time.monotonic() - killed_at
        assert successor != holder

        # A clean stop of the host that holds it now: it exits, releases, and the other host takes over.
        # Told by the successor's parent, not by its "holds the lock" line: that line may not
        # have been read from the host's output yet when the log file already names it.
        holding, other = (
            (first_host, second_host)
            if first_host.process is not None and parent_of(successor) == first_host.process.pid
            else (second_host, first_host)
        )
        stopping = {int(pid) for pid in WORKER.findall(holding.output)}
        before = len(entries(log))
        stopped_at = time.monotonic()
        assert holding.stop(signal.SIGTERM) == 0, holding.output
        # Its sibling workers may take the lock in turn as they shut down; the other host gets it last.
        taker = wait_for_enter_by(log, lambda pid: pid not in stopping, after=before, timeout=HANDOVER_LIMIT)
        clean_handover = time.monotonic() - stopped_at
        assert other.stop(signal.SIGTERM) == 0, other.output

    print(
        f"handover after SIGKILL: {handover * 1000:.0f} ms;",
        f"after a clean stop: {clean_handover * 1000:.0f} ms",
    )
    assert_never_two_at_once(log)
    logged = entries(log)
    assert logged[:3] == [("enter", holder), ("enter", successor), ("exit", successor)], logged
    assert logged[-2:] == [("enter", taker), ("exit", taker)], logged
    # Every enter has its exit, but for the holder that was killed.
    assert [event for event, _ in logged].count("enter") == [event for event, _ in logged].count("exit") + 1
    assert handover < HANDOVER_LIMIT
    assert locks_held(postgres, key) == 0  # Released.


def test_one_host_with_a_file_lock(tmp_path: Path) -> None:
    log = tmp_path / "scheduler.log"
    with gunicorn(3, log, "scheduler", LIFESPAN_TEST_LOCK_DIR=str(tmp_path)) as server:
        server.wait_for("Lifespan startup complete", count=3)
        ((_, holder),) = wait_for_enters(log, 1)
        view = run_once_view(server)
        killed_at = kill(holder)
        wait_for_enters(log, 2, timeout=HANDOVER_LIMIT)
        handover = time.monotonic() - killed_at
        code = server.stop(signal.SIGTERM)
    print(f"file lock handover after SIGKILL: {handover * 1000:.0f} ms")
    assert code == 0, server.output
    assert view["lock"] == "file lock (this host only)" and view["holder"].endswith(f":{holder}")
    assert server.output.count("uses a file lock, because the database 'default' is sqlite") >= 3
    assert_never_two_at_once(log)
    logged = [event for event, _ in entries(log)]
    # On the stop, a sibling worker that stops a moment later may hold it in turn.
    assert logged[:2] == ["enter", "enter"] and logged[-1] == "exit", logged
    assert logged.count("enter") == logged.count("exit") + 1, logged
