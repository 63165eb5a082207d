"""django_lifespan_ctx.contrib.celery, proven with a real prefork worker on a real broker."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import signals
from celery.exceptions import WorkerShutdown
from celery.worker import state as worker_state

from django_lifespan_ctx import LifespanStartupError, current_state, start_in_thread
from django_lifespan_ctx.contrib import celery as lifespan_celery
from django_lifespan_ctx.threaded import running_lifespan
from tests import contexts
from tests.celery_app import FOLDER_ENV, make_app
from tests.lifecycle_contexts import LOG_ENV, STAND_IN_ENV, read_log
from tests.servers import ServerProcess
from tests.stand_in import stand_in_api
from tests.worker_project import REFUSED


@pytest.fixture
def stand_in() -> Iterator[str]:
    """The external API the shared client talks to."""
    with stand_in_api() as url:
        yield url


def worker(
    tmp_path: Path, stand_in: str, pool: str, concurrency: int, *, fail: bool = False
) -> ServerProcess:
    """A `celery worker`; with fail=True a last context refuses to start."""
    argv = ["celery", "-A", "tests.celery_app", "worker", "--pool", pool, "--concurrency", str(concurrency)]
    argv += ["--loglevel", "INFO", "--without-mingle", "--without-gossip", "--without-heartbeat"]
    process = ServerProcess(argv, settings="tests.sites.celery_settings")
    process.env.update(
        {FOLDER_ENV: str(tmp_path), LOG_ENV: str(tmp_path / "lifecycle.log"), STAND_IN_ENV: stand_in}
    )
    if fail:
        process.env["CELERY_FAIL"] = "1"
    return process


def wait_for_result(result: Any, process: ServerProcess) -> Any:
    try:
        return result.get(timeout=60, interval=0.05)
    except Exception as exc:
        raise AssertionError(f"no result: {exc!r}; the worker logged:\n{process.output}") from exc


def test_each_prefork_process_enters_once_tasks_share_its_client_and_sigterm_exits(
    tmp_path: Path, stand_in: str
) -> None:
    client = make_app(tmp_path)
    with worker(tmp_path, stand_in, "prefork", 2) as process:
        process.wait_for(r"LIFECYCLE \d+ enter http_client", count=2)
        process.wait_for(r"celery@\S+ ready\.")
        sent = [client.send_task("tests.fetch", args=[f"/book/{n}"]) for n in range(8)]
        results = [wait_for_result(result, process) for result in sent]
        code = process.stop(signal.SIGTERM)
    output = process.output
    log = read_log(tmp_path / "lifecycle.log")

    # Two processes, each through one lifecycle: entered once, exited at the warm shutdown.
    assert len(log) == 2, output
    for events in log.values():
        assert events == ["enter logged", "enter http_client", "exit http_client", "exit logged"], output
    # The main process (the pool's parent) runs no tasks and entered nothing.
    assert process.process is not None and process.process.pid not in log
    for n, result in enumerate(results):
        assert result["pid"] in log
        assert result["status"] == 200 and json.loads(result["body"]) == {"path": f"/book/{n}"}
        assert result["same_state"] is True
        assert result["keys"] == ["http_client", "logged"]
    # Every task in a process used that process's one client.
    clients: dict[int, set[int]] = {result["pid"]: set() for result in results}
    for result in results:
        clients[result["pid"]].add(result["client"])
    assert all(len(ids) == 1 for ids in clients.values()), clients
    assert "Warm shutdown" in output or "worker: Warm shutdown" in output, output
    assert code == 0, output


@pytest.mark.parametrize("pool", ["solo", "threads"])
def test_solo_and_threads_pools_run_the_lifespan_in_the_worker_process(
    tmp_path: Path, stand_in: str, pool: str
) -> None:
    client = make_app(tmp_path)
    with worker(tmp_path, stand_in, pool, 2) as process:
        process.wait_for(r"celery@\S+ ready\.")
        results = [
            client.send_task("tests.fetch", args=["/one"]).get(timeout=30, interval=0.05) for _ in range(2)
        ]
        code = process.stop(signal.SIGTERM)
    assert process.process is not None
    log = read_log(tmp_path / "lifecycle.log")
    assert log == {
        process.process.pid: ["enter logged", "enter http_client", "exit http_client", "exit logged"]
    }, process.output
    assert {result["pid"] for result in results} == {process.process.pid}
    assert len({result["client"] for result in results}) == 1
    assert code == 0, process.output


def queued(client: Any) -> int:
    """How many messages wait in the broker's queue, read through the broker itself."""
    with client.connection_for_write() as connection:
        return int(connection.default_channel.queue_declare("celery", passive=True).message_count)


@pytest.mark.parametrize("pool", ["prefork", "solo", "threads"])
def test_a_startup_failure_exits_with_status_1_and_the_contexts_error_and_leaves_the_tasks_queued(
    tmp_path: Path, stand_in: str, pool: str
) -> None:
    client = make_app(tmp_path)
    sent = [client.send_task("tests.fetch", args=[f"/never/{n}"]) for n in range(3)]
    assert queued(client) == 3
    with worker(tmp_path, stand_in, pool, 2, fail=True) as process:
        code = process.wait_for_exit(120)
    output = process.output
    # Not 0, which systemd's Restart=on-failure, supervisord and a Kubernetes Job read as success.
    assert code == 1, output
    assert process.process is not None
    log = read_log(tmp_path / "lifecycle.log")
    # Every process that tried failed, exited what it had entered, and ran nothing; but for
    # children the prefork pool respawned and then SIGKILLed at its shutdown, mid-startup
    # (under load): nothing can exit what a SIGKILLed process entered.
    killed = {int(pid) for pid in re.findall(r"pid:(\d+) exited with 'signal 9 \(SIGKILL\)'", output)}
    finished = {pid: events for pid, events in log.items() if pid not in killed}
    assert finished and all(events == REFUSED for events in finished.values()), output
    if pool == "prefork":
        # The children tried (the pool respawns those that exit until the stop closes it);
        # the main process runs no tasks and entered nothing.
        assert len(log) >= 2 and process.process.pid not in log, output
        assert "worker: Warm shutdown (MainProcess)" in output, output
    else:
        assert list(log) == [process.process.pid], output
    assert "ConnectionError: the search index is unreachable" in output
    assert "Stopping the Celery worker: its tasks would find no lifespan state" in output
    assert "The Celery worker stops with status 1" in output
    assert " succeeded in " not in output and "raised unexpected" not in output, output
    # No task ran, and all three wait in the broker for a worker that can run them.
    assert [result.state for result in sent] == ["PENDING"] * 3
    assert queued(client) == 3, output


# -- the receivers, in-process ------------------------------------------------


@pytest.fixture
def connected() -> Iterator[None]:
    lifespan_celery.connect(contexts=[contexts.alpha])
    try:
        yield
    finally:
        lifespan_celery.disconnect()
        try:
            running_lifespan().stop()
        except LookupError:
            pass


@pytest.mark.usefixtures("connected")
def test_the_receivers_start_and_stop_one_lifespan_per_process() -> None:
    signals.worker_process_init.send(sender="celery@test")
    assert current_state().alpha == "value of alpha"
    assert lifespan_celery.worker_lifespan() is running_lifespan()
    signals.worker_process_shutdown.send(sender="celery@test", pid=1, exitcode=0)
    signals.worker_shutdown.send(sender=None)  # After the children: nothing left to stop.
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]
    with pytest.raises(LookupError, match="the queue.s integration does it in each worker process"):
        lifespan_celery.worker_lifespan()


@pytest.mark.usefixtures("connected")
def test_connecting_twice_connects_each_receiver_once() -> None:
    lifespan_celery.connect(contexts=[contexts.alpha])
    signals.worker_process_init.send(sender="celery@test")
    signals.worker_process_shutdown.send(sender="celery@test", pid=1, exitcode=0)
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


def test_a_startup_failure_in_the_main_process_stops_the_worker_with_status_1(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Worker:
        exitcode = 0  # What a warm shutdown sets before it sends worker_shutdown.

    lifespan_celery.connect(contexts=[contexts.fails_on_enter])
    try:
        with pytest.raises(LifespanStartupError):
            lifespan_celery._start()
        # The consumer reads Celery's stop flag before it takes any message.
        assert worker_state.should_stop == 1
        with pytest.raises(WorkerShutdown):
            worker_state.maybe_shutdown()
        stopped = Worker()
        signals.worker_shutdown.send(sender=stopped)
        assert stopped.exitcode == 1
    finally:
        worker_state.should_stop = None
        assert lifespan_celery._failed is not None
        lifespan_celery._failed[0] = 0
        lifespan_celery.disconnect()
    assert "Stopping the Celery worker: its tasks would find no lifespan state" in caplog.text
    assert "The Celery worker stops with status 1" in caplog.text


@pytest.mark.usefixtures("connected")
def test_a_clean_stop_keeps_celerys_status() -> None:
    class Worker:
        exitcode = 0

    signals.worker_process_init.send(sender="celery@test")
    stopped = Worker()
    signals.worker_shutdown.send(sender=stopped)
    assert stopped.exitcode == 0
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


def test_a_shutdown_failure_is_logged_not_raised_into_celery(caplog: pytest.LogCaptureFixture) -> None:
    lifespan_celery.connect(contexts=[contexts.fails_on_exit])
    try:
        lifespan_celery._start()
        lifespan_celery._stop()
    finally:
        lifespan_celery.disconnect()
    assert "exiting 'tests.contexts.fails_on_exit'" in caplog.text


@pytest.mark.usefixtures("connected")
def test_only_the_threads_pool_starts_on_celeryd_after_setup() -> None:
    class Worker:
        pool_cls = "prefork"

    lifespan_celery._in_main_process(instance=Worker())
    with pytest.raises(LookupError):
        running_lifespan()
    Worker.pool_cls = "threads"
    lifespan_celery._in_main_process(instance=Worker())
    assert running_lifespan().state.alpha == "value of alpha"


@pytest.mark.usefixtures("connected")
def test_a_prefork_main_process_that_already_runs_a_lifespan_warns() -> None:
    class Worker:
        pool_cls = "prefork"

    lifespan_celery._in_main_process(instance=Worker())  # Nothing runs yet: no warning.
    running = start_in_thread(contexts=[contexts.beta])
    try:
        with pytest.warns(RuntimeWarning, match="contrib.celery: the lifespan is already running in process"):
            lifespan_celery._in_main_process(instance=Worker())
        Worker.pool_cls = "solo"  # Runs its tasks itself, forks nothing: no warning.
        lifespan_celery._in_main_process(instance=Worker())
    finally:
        running.stop()
