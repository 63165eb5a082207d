"""Fork is a first-class event: a process forked from one that ran, runs or imported a lifespan runs its own.

Every proof is a real process: os.fork() after start_in_thread(), and the
queues and servers that fork their workers (Huey -k process, Celery prefork,
RQ's work horse, gunicorn --preload). What happened is read from the contexts'
own log (tests/lifecycle_contexts.py); every wait has a deadline, so a child
that hangs fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import redis_server as real_redis
from tests import servers
from tests.celery_app import make_app
from tests.lifecycle_contexts import LOG_ENV, read_log
from tests.servers import REPO, ServerProcess
from tests.stand_in import stand_in_api
from tests.workers.test_celery_worker import worker as celery_worker
from tests.workers.test_huey_worker import FETCHES as HUEY_FETCHES
from tests.workers.test_huey_worker import POLLING as HUEY_POLLING
from tests.workers.test_huey_worker import Project as HueyProject
from tests.workers.test_huey_worker import assert_one_lifespan_around_tasks
from tests.workers.test_rq_worker import Project as RqProject

LIFECYCLE = ["enter logged", "enter http_client", "exit http_client", "exit logged"]


def run_fork_program(case: str, log: Path) -> subprocess.CompletedProcess[str]:
    process = ServerProcess(["tests.fork_programs", case], settings="tests.sites.settings")
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


def test_celery_prefork_children_of_a_main_process_that_runs_a_lifespan_enter_their_own_and_warn(
    tmp_path: Path,
) -> None:
    stand_in = "http://127.0.0.1:9"  # Never reached: the test sends no fetch.
    client: Any = make_app(tmp_path)  # Celery ships no type information.
    process = celery_worker(tmp_path, stand_in, "prefork", 2)
    process.argv[process.argv.index("tests.celery_app")] = "tests.fork_celery_app"
    with process:
        process.wait_for(r"LIFECYCLE \d+ enter http_client", count=3, timeout=90)
        process.wait_for(r"celery@\S+ ready\.", timeout=90)
        results = [client.send_task("tests.pid").get(timeout=60, interval=0.05) for _ in range(4)]
        code = process.stop(signal.SIGTERM, timeout=60)
    output = process.output
    assert process.process is not None
    main = process.process.pid
    log = read_log(tmp_path / "lifecycle.log")
    # The main process ran its own lifespan, and exited it when it stopped.
    assert log.pop(main) == LIFECYCLE, output
    # Two children, each through a lifecycle of its own; they ran the tasks.
    assert len(log) == 2 and all(events == LIFECYCLE for events in log.values()), output
    assert set(results) <= set(log), (results, output)
    assert "django_lifespan_ctx.contrib.celery: the lifespan is already running in process" in output
    assert code == 0, output


@pytest.fixture
def huey_project(tmp_path: Path) -> Iterator[HueyProject]:
    with stand_in_api() as url:
        yield HueyProject(tmp_path, url)


def test_huey_process_workers_of_a_consumer_whose_module_ran_a_lifespan_enter_their_own_and_run_tasks(
    huey_project: HueyProject,
) -> None:
    huey_project.enqueue(*HUEY_FETCHES)
    consumer = huey_project.process(
        ["huey.bin.huey_consumer", "tests.fork_huey_tasks.huey", *HUEY_POLLING, "-k", "process", "-w", "2"]
    )
    with consumer:
        consumer.wait_for(r"LIFECYCLE \d+ task ", count=len(HUEY_FETCHES), timeout=90)
        code = consumer.stop(signal.SIGTERM, timeout=60)
    output = consumer.output
    assert consumer.process is not None
    log = read_log(huey_project.log)
    # The consumer's own lifespan, from the module's import: entered, and exited as it stopped.
    assert log.pop(consumer.process.pid) == LIFECYCLE, output
    # Each worker process entered its own lifespan and ran tasks on it.
    ran = [event for events in log.values() for event in assert_one_lifespan_around_tasks(events)]
    assert sorted(event.split()[1:4] for event in ran) == sorted(
        [kind, f"/{kind}/{n}", "200"] for n in range(3) for kind in ("sync", "async")
    ), output
    assert "contrib.huey: the lifespan is already running in process" in output
    assert code == 0, output


PRELOAD_LIFECYCLE = ["enter logged", "enter uses_asgiref", "exit uses_asgiref", "exit logged"]


def test_gunicorn_preload_workers_forked_after_the_master_ran_a_lifespan_run_their_own(
    tmp_path: Path,
) -> None:
    log = tmp_path / "lifecycle.log"
    argv = servers.gunicorn("tests.sites.fork_preload_asgi:application", "--preload", "-w", "2")
    server = ServerProcess(argv, settings="tests.fork_contexts")
    server.env[LOG_ENV] = str(log)
    with server:
        # The master's lifespan, then one in each worker, whose contexts use asgiref's thread.
        server.wait_for(r"LIFECYCLE \d+ enter uses_asgiref", count=3, timeout=90)
        server.wait_for(r"Application startup complete", count=2, timeout=90)
        assert server.get("/state/").status_code == 200, server.output
        code = server.stop(signal.SIGTERM, timeout=60)
    output = server.output
    assert server.process is not None
    lifecycles = read_log(log)
    assert lifecycles.pop(server.process.pid) == PRELOAD_LIFECYCLE, output
    assert len(lifecycles) == 2, output
    assert all(events == PRELOAD_LIFECYCLE for events in lifecycles.values()), output
    assert code == 0, output


redis_server, redis_url = real_redis.redis_server, real_redis.redis_url


@pytest.fixture
def rq_project(tmp_path: Path, redis_url: str) -> Iterator[RqProject]:
    with stand_in_api() as url:
        yield RqProject(tmp_path, redis_url, url)


@pytest.mark.integration  # A real Redis, and rq's own pace: about a minute on a loaded machine.
def test_rq_work_horses_forked_from_a_worker_that_runs_a_lifespan_enter_their_own_for_each_job(
    rq_project: RqProject,
) -> None:
    for function in ("fetch_sync", "fetch_async"):
        rq_project.enqueue(function, f"/{function}")
    with rq_project.rq_worker("tests.fork_rq_worker.RanALifespan", "--max-jobs", "2") as worker:
        code = worker.wait_for_exit(90)
    output = worker.output
    assert worker.process is not None
    log = read_log(rq_project.log)
    # The worker process's own lifespan, exited as it ended after its two jobs.
    assert log.pop(worker.process.pid) == LIFECYCLE, output
    # Two horses, one per job, each through a lifespan of its own around its job.
    assert len(log) == 2, output
    for events in log.values():
        assert events[:2] == LIFECYCLE[:2] and events[-2:] == LIFECYCLE[2:] and len(events) == 5, output
        assert events[2].startswith("task ") and events[2].split()[3] == "200", output
    assert "contrib.rq.LifespanWorker: the lifespan is already running in process" in output
    assert code == 0, output


def test_a_forked_child_inherits_no_drain_nor_requests_in_flight() -> None:
    # gunicorn --preload forks after the master imported the app: whatever the parent's
    # drain counted, the child's readyz/ must start from its own.
    from django_lifespan_ctx._serving import draining

    draining.counting = True
    draining.request_began()
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit status
            os._exit(
                0
                if (draining.in_flight(), draining.counting, draining.is_draining()) == (0, False, False)
                else 1
            )
        _, status = os.waitpid(pid, 0)
    finally:
        draining.request_ended()
        draining.counting = False
    assert os.waitstatus_to_exitcode(status) == 0
