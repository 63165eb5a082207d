"""django_lifespan_ctx.contrib.django_tasks, proven with django-tasks-db's real `db_worker`.

On Django 6 the worker runs django.tasks; on Django 5.2, the django-tasks backport.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import worker_project
from tests.lifecycle_contexts import read_log
from tests.servers import ServerProcess
from tests.stand_in import stand_in_api
from tests.worker_project import ENTERS, EXITS, REFUSED

SETTINGS = "tests.sites.worker_settings"


stand_in = worker_project.stand_in


class Project(worker_project.WorkerProject):
    """A database of its own, migrated, with tasks enqueued the way a web process enqueues them."""

    settings = SETTINGS

    def __init__(self, tmp_path: Path, stand_in: str, **env: str) -> None:
        super().__init__(tmp_path, stand_in, **env)
        self.django("migrate", "--verbosity", "0")

    def files(self, tmp_path: Path) -> dict[str, str]:
        return {"WORKER_DB": str(tmp_path / "tasks.sqlite3"), "WORKER_QUEUE": "django_tasks"}

    def django(self, *args: str) -> str:
        return self.run(["django", *args])

    def enqueue(self, *calls: str) -> None:
        code = "; ".join(f"tests.worker_tasks.{call}" for call in calls)
        self.django("shell", "-c", f"import tests.worker_tasks; {code}")

    def worker(self, *args: str) -> ServerProcess:
        return self.process(["django", "db_worker", "--interval", "0.05", "--no-startup-delay", *args])


@pytest.fixture
def project(tmp_path: Path, stand_in: str) -> Project:
    return Project(tmp_path, stand_in)


def tasks(events: list[str]) -> list[str]:
    return [event for event in events if event.startswith("task ")]


def test_one_worker_process_enters_once_runs_sync_and_async_tasks_and_exits_when_recycled(
    project: Project,
) -> None:
    project.enqueue(*[f"fetch_{kind}.enqueue('/{kind}/{n}')" for n in range(2) for kind in ("sync", "async")])
    with project.worker("--max-tasks", "4") as worker:
        code = worker.wait_for_exit(60)
    log = read_log(project.log)
    assert worker.process is not None and list(log) == [worker.process.pid], worker.output
    (events,) = log.values()
    # Entered before the first task, exited once, in reverse, after the last: in the worker process.
    assert events[:2] == ENTERS and events[-2:] == EXITS, worker.output
    ran = tasks(events)
    assert len(ran) == 4 == len(events) - 4, worker.output
    assert {event.split()[3] for event in ran} == {"200"}
    # Sync and async tasks used the one client, on the loop it was made on.
    assert len({event.split()[4] for event in ran}) == 1, ran
    assert {event.split()[1] for event in ran} == {"sync", "async"}
    assert code == 0, worker.output


def test_sigterm_exits_the_contexts_in_the_worker_process(project: Project) -> None:
    project.enqueue("fetch_async.enqueue('/one')")
    with project.worker() as worker:
        worker.wait_for(r"LIFECYCLE \d+ task async /one 200")
        code = worker.stop(signal.SIGTERM)
    assert worker.process is not None
    assert read_log(project.log) == {
        worker.process.pid: [*ENTERS, tasks(read_log(project.log)[worker.process.pid])[0], *EXITS]
    }
    assert code == 0, worker.output


def test_a_startup_failure_exits_with_status_1_and_the_contexts_error_and_its_tasks_stay_queued(
    tmp_path: Path,
) -> None:
    with stand_in_api() as url:
        project = Project(tmp_path, url, WORKER_FAIL="1")
        project.enqueue("fetch_sync.enqueue('/never')", "fetch_sync.enqueue('/never/again')")
        with project.worker() as worker:
            code = worker.wait_for_exit(60)
        # A process manager reads 0 as success: systemd's Restart=on-failure would not restart it.
        assert code == 1, worker.output
        assert worker.process is not None
        assert read_log(project.log) == {worker.process.pid: REFUSED}
        assert "ConnectionError: the search index is unreachable" in worker.output
        assert "Stopping this db_worker with status 1" in worker.output
        # Both tasks wait, ready, for a worker that can run them: the one it claimed was put back.
        assert queued(project) == [["READY", None, None, ""], ["READY", None, None, ""]], worker.output
        # ... and a worker whose lifespan starts runs them.
        project.env.pop("WORKER_FAIL")
        with project.worker("--batch") as healthy:
            assert healthy.wait_for_exit(60) == 0, healthy.output
        assert [row[0] for row in queued(project)] == ["SUCCESSFUL", "SUCCESSFUL"], healthy.output


def queued(project: Project) -> list[list[Any]]:
    """Each task's status, start, finish and error class, as django-tasks-db stores them."""
    code = (
        "import json; from django_tasks_db.models import DBTaskResult; print(json.dumps([[r.status, "
        "r.started_at and str(r.started_at), r.finished_at and str(r.finished_at), r.exception_class_path] "
        "for r in DBTaskResult.objects.order_by('enqueued_at')]))"
    )
    result: list[list[Any]] = json.loads(project.django("shell", "-c", code).splitlines()[-1])
    return result


def test_a_process_that_only_enqueues_enters_nothing(project: Project) -> None:
    project.enqueue("fetch_sync.enqueue('/later')")
    assert not project.log.exists()


def test_the_python_running_these_tests_is_the_one_workers_use() -> None:
    assert ServerProcess(["django"], settings=SETTINGS).command()[0] == sys.executable
