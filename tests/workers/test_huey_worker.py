"""django_lifespan_ctx.contrib.huey, proven with real consumers on SqliteHuey.

`huey_consumer` runs the recipe's Huey instance (docs/examples/workers/huey/jobs.py)
with process and thread workers, and `manage.py run_huey` the recipe's djhuey app.
What the contexts did is read from their own log (tests/lifecycle_contexts.py).
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from huey import SqliteHuey

from django_lifespan_ctx import start_in_thread
from django_lifespan_ctx.contrib import huey as lifespan_huey
from tests import worker_project
from tests.lifecycle_contexts import LOG_ENV, STAND_IN_ENV, http_client, logged, read_log
from tests.servers import REPO, ServerProcess
from tests.stand_in import stand_in_api
from tests.worker_project import ENTERS, EXITS, REFUSED

pytestmark = pytest.mark.integration

RECIPE = REPO / "docs" / "examples" / "workers" / "huey"
SETTINGS = "tests.sites.huey_settings"
DJHUEY_SETTINGS = "tests.sites.huey_djhuey_settings"
# Poll the queue often, so tests wait for tasks, not for huey's back-off.
POLLING = ["--delay", "0.05", "--max-delay", "0.2", "--backoff", "1"]


stand_in = worker_project.stand_in


class Project(worker_project.WorkerProject):
    """A queue and a database in files of their own, and the processes that use them."""

    settings = SETTINGS
    recipe = RECIPE

    def files(self, tmp_path: Path) -> dict[str, str]:
        return {
            "HUEY_DB": str(tmp_path / "queue.sqlite3"),
            "HUEY_DJANGO_DB": str(tmp_path / "django.sqlite3"),
        }

    def enqueue(self, *calls: str) -> None:
        self.python("import tests.huey_tasks as t; " + "; ".join(f"t.{call}" for call in calls))

    def consumer(self, *args: str) -> ServerProcess:
        return self.process(["huey.bin.huey_consumer", "tests.huey_tasks.huey", *POLLING, *args])


@pytest.fixture
def project(tmp_path: Path, stand_in: str) -> Project:
    return Project(tmp_path, stand_in)


def tasks(events: list[str]) -> list[str]:
    return [event for event in events if event.startswith("task ")]


def assert_one_lifespan_around_tasks(events: list[str]) -> list[str]:
    """Entered before the first task, exited once in reverse after the last; the tasks between."""
    assert events[:2] == ENTERS and events[-2:] == EXITS, events
    ran = events[2:-2]
    assert ran == tasks(events), events
    return ran


FETCHES = [f"fetch_{kind}('/{kind}/{n}')" for n in range(3) for kind in ("sync", "async")]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_each_worker_process_enters_once_its_tasks_share_its_client_and_a_stop_exits_there(
    project: Project, stop: signal.Signals
) -> None:
    project.enqueue(*FETCHES)
    with project.consumer("-k", "process", "-w", "2") as consumer:
        consumer.wait_for(r"LIFECYCLE \d+ task ", count=len(FETCHES))
        code = consumer.stop(stop)
    log = read_log(project.log)
    assert consumer.process is not None and consumer.process.pid not in log, consumer.output
    # Two workers, two lifespans: the consumer and its scheduler process enter nothing.
    assert len(log) == 2, consumer.output
    ran = [event for events in log.values() for event in assert_one_lifespan_around_tasks(events)]
    assert sorted(event.split()[1:4] for event in ran) == sorted(
        [kind, f"/{kind}/{n}", "200"] for n in range(3) for kind in ("sync", "async")
    )
    for events in log.values():  # Sync and async tasks of one process used its one client.
        assert len({event.split()[4] for event in tasks(events)}) <= 1, events
    assert code == 0, consumer.output


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_thread_workers_share_one_lifespan_and_their_tasks_close_database_connections(
    project: Project, stop: signal.Signals
) -> None:
    # Three database tasks for two threads: one thread runs two, after each other.
    project.enqueue(*FETCHES, *["use_the_database()"] * 3)
    with project.consumer("-k", "thread", "-w", "2") as consumer:
        consumer.wait_for(r"LIFECYCLE \d+ task ", count=len(FETCHES) + 3)
        code = consumer.stop(stop)
    assert consumer.process is not None
    log = read_log(project.log)
    assert list(log) == [consumer.process.pid], consumer.output
    ran = assert_one_lifespan_around_tasks(log[consumer.process.pid])
    fetched = [event for event in ran if "database" not in event]
    assert {event.split()[3] for event in fetched} == {"200"} and len(fetched) == len(FETCHES)
    assert len({event.split()[4] for event in fetched}) == 1, fetched
    # Each task found the connection its thread's last task opened closed, as djhuey's db_task leaves it.
    assert [event for event in ran if "database" in event] == ["task database open_before=False"] * 3
    assert code == 0, consumer.output


def test_a_recycled_worker_process_exits_its_contexts_and_its_successor_enters_its_own(
    project: Project,
) -> None:
    project.enqueue(*[f"fetch_sync('/{n}')" for n in range(4)])
    with project.consumer("-k", "process", "-w", "1", "--max-tasks", "2", "-c", "0.2") as consumer:
        consumer.wait_for(r"LIFECYCLE \d+ enter http_client", count=3)
        code = consumer.stop(signal.SIGINT)
    log = read_log(project.log)
    assert len(log) == 3, consumer.output
    first, second, third = log.values()
    assert len(assert_one_lifespan_around_tasks(first)) == 2, consumer.output
    assert len(assert_one_lifespan_around_tasks(second)) == 2, consumer.output
    assert third == [*ENTERS, *EXITS], consumer.output
    assert code == 0, consumer.output


def test_when_the_last_worker_thread_is_recycled_the_lifespan_exits_and_its_successor_enters_anew(
    project: Project,
) -> None:
    project.enqueue(*[f"fetch_sync('/{n}')" for n in range(2)])
    with project.consumer("-k", "thread", "-w", "1", "--max-tasks", "1", "-c", "0.2") as consumer:
        consumer.wait_for(r"LIFECYCLE \d+ enter http_client", count=3)
        code = consumer.stop(signal.SIGINT)
    assert consumer.process is not None
    events = read_log(project.log)[consumer.process.pid]
    assert [event for event in events if not event.startswith("task ")] == [*ENTERS, *EXITS] * 3
    assert events[2].startswith("task sync /0 200") and events[7].startswith("task sync /1 200"), events
    assert code == 0, consumer.output


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_a_startup_failure_stops_the_consumer_with_status_1_and_the_contexts_error_and_runs_no_task(
    tmp_path: Path, kind: str
) -> None:
    with stand_in_api() as url:
        project = Project(tmp_path, url, HUEY_FAIL="1")
        project.enqueue("fetch_sync('/never')", "fetch_async('/never/again')")
        with project.consumer("-k", kind, "-w", "2") as consumer:
            code = consumer.wait_for_exit(60)
        # Not 0, which systemd's Restart=on-failure, supervisord and a Kubernetes Job read as success.
        assert code == 1, consumer.output
        assert consumer.process is not None
        log = read_log(project.log)
        # Each process tries once: thread workers share their process's one attempt.
        assert list(log.values()) == [REFUSED] * (2 if kind == "process" else 1), consumer.output
        assert (consumer.process.pid in log) == (kind == "thread"), consumer.output
        assert "ConnectionError: the search index is unreachable" in consumer.output
        assert "Stopping the Huey consumer: its tasks would find no lifespan state" in consumer.output
        assert "The Huey consumer stops with status 1" in consumer.output
        # The tasks wait in the queue for a worker that can run them.
        assert project.python("import tests.huey_tasks as t; print(t.huey.pending_count())").strip() == "2"


def test_the_recipes_tasks_return_what_the_states_client_fetched(project: Project) -> None:
    with project.process(["huey.bin.huey_consumer", "jobs.huey", *POLLING, "-k", "process"]) as consumer:
        results = project.python(
            "import json, jobs; "
            "title, price = jobs.book_title('42'), jobs.book_price('42'); "
            "print(json.dumps([title.get(blocking=True, timeout=30), price.get(blocking=True, timeout=30)]))"
        )
        consumer.stop(signal.SIGINT)
    assert json.loads(results) == [{"path": "/books/42"}, {"path": "/prices/42"}]
    ((pid, events),) = read_log(project.log).items()
    assert events == [*ENTERS, *EXITS] and consumer.process is not None and pid != consumer.process.pid


def test_run_huey_through_djhuey_enters_in_each_worker_process(project: Project) -> None:
    with project.process(["django", "run_huey", *POLLING], DJHUEY_SETTINGS) as consumer:
        results = project.python(
            "import django, json; django.setup(); from catalog import tasks; "
            "title, price = tasks.book_title('7'), tasks.book_price('7'); "
            "print(json.dumps([title.get(blocking=True, timeout=30), price.get(blocking=True, timeout=30)]))",
            DJHUEY_SETTINGS,
        )
        code = consumer.stop(signal.SIGINT)
    assert json.loads(results) == [{"path": "/books/7"}, {"path": "/prices/7"}]
    log = read_log(project.log)
    # settings.HUEY's consumer options: two worker processes, none of them run_huey's own.
    assert len(log) == 2 and consumer.process is not None and consumer.process.pid not in log, consumer.output
    assert list(log.values()) == [[*ENTERS, *EXITS]] * 2, consumer.output
    assert code == 0, consumer.output


def test_a_startup_failure_under_run_huey_exits_with_status_1_and_leaves_the_tasks_queued(
    tmp_path: Path,
) -> None:
    set_up = "import django; django.setup(); "
    pending = set_up + "from huey.contrib.djhuey import HUEY; print(HUEY.pending_count())"
    with stand_in_api() as url:
        project = Project(tmp_path, url, HUEY_FAIL="1")
        project.python(
            set_up + "from catalog import tasks; tasks.book_title('7'); tasks.book_price('7')",
            DJHUEY_SETTINGS,
        )
        assert project.python(pending, DJHUEY_SETTINGS).strip() == "2"
        with project.process(["django", "run_huey", *POLLING], DJHUEY_SETTINGS) as consumer:
            code = consumer.wait_for_exit(60)
        assert code == 1, consumer.output
        assert consumer.process is not None
        log = read_log(project.log)
        # settings.HUEY's two worker processes each tried once; run_huey's own process entered nothing.
        assert list(log.values()) == [REFUSED] * 2 and consumer.process.pid not in log, consumer.output
        assert "ConnectionError: the search index is unreachable" in consumer.output
        assert "The Huey consumer stops with status 1" in consumer.output
        assert project.python(pending, DJHUEY_SETTINGS).strip() == "2"


@pytest.fixture
def huey(tmp_path: Path) -> Iterator[SqliteHuey]:
    queue = SqliteHuey("in-process", filename=str(tmp_path / "queue.sqlite3"))
    yield queue
    lifespan_huey.disconnect(queue)


def test_connecting_one_huey_instance_twice_is_an_error(huey: SqliteHuey) -> None:
    lifespan_huey.connect(huey)
    with pytest.raises(
        RuntimeError, match=r"connect\(\) was called twice for the Huey instance 'in-process'"
    ):
        lifespan_huey.connect(huey)
    lifespan_huey.disconnect(huey)
    lifespan_huey.disconnect(huey)  # Undone already: nothing to undo.
    lifespan_huey.connect(huey)  # After disconnect(), once again.


def test_a_consumer_about_to_fork_workers_where_a_lifespan_runs_gets_a_warning(huey: SqliteHuey) -> None:
    lifespan_huey.connect(huey)
    with start_in_thread(contexts=[]):
        with pytest.warns(RuntimeWarning, match="about to start worker processes"):
            huey.create_consumer(worker_type="process", workers=2)
        huey.create_consumer(worker_type="thread", workers=2)  # Its threads share the lifespan: no warning.


def test_a_huey_worker_in_this_process_runs_a_task_in_its_lifespan(
    huey: SqliteHuey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "lifecycle.log"
    monkeypatch.setenv(LOG_ENV, str(log))
    monkeypatch.setattr(huey, "immediate", False)

    @huey.task()
    @lifespan_huey.run_on_lifespan_loop
    async def state_keys() -> list[str]:
        from django_lifespan_ctx import current_state

        return sorted(current_state())

    with stand_in_api() as url:
        monkeypatch.setenv(STAND_IN_ENV, url)
        lifespan_huey.connect(huey, contexts=[logged, http_client])
        ((worker, _),) = huey.create_consumer(workers=1).worker_threads
        worker.initialize()  # Huey's startup hooks, as in its worker thread.
        result = state_keys()
        worker.loop()
        worker.shutdown()
    assert result.get() == ["http_client", "logged"]
    assert list(read_log(log).values()) == [[*ENTERS, *EXITS]]


@pytest.mark.django_db(databases=["on_disk"])
def test_in_immediate_mode_a_task_runs_in_the_callers_transaction_and_closes_no_connection(
    huey: SqliteHuey,
) -> None:
    lifespan_huey.connect(huey)
    huey.immediate = True  # djhuey's default when DEBUG is on: tasks run where they are enqueued.
    on_disk = connections["on_disk"]

    @huey.task()
    def in_the_callers_transaction() -> bool:
        return on_disk.in_atomic_block

    on_disk.ensure_connection()
    assert in_the_callers_transaction().get() is True
    # Closing a connection inside a transaction dooms it: the caller could not query again.
    with on_disk.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_an_async_task_with_no_worker_lifespan_says_where_it_runs() -> None:
    @lifespan_huey.run_on_lifespan_loop
    async def nothing() -> None:
        pass

    with pytest.raises(
        RuntimeError, match=r"nothing runs on the Huey worker lifespan's loop.*immediate mode"
    ):
        nothing()


def test_a_worker_process_forked_while_its_parents_threads_started_or_failed_starts_its_own(
    tmp_path: Path,
) -> None:
    program = ServerProcess(["tests.huey_fork_program"], settings="tests.sites.settings")
    program.env[LOG_ENV] = str(tmp_path / "lifecycle.log")
    done = subprocess.run(
        program.command(), cwd=REPO, env=program.env, capture_output=True, text=True, timeout=120
    )
    log = read_log(tmp_path / "lifecycle.log")
    assert done.returncode == 0, done.stdout + done.stderr
    parent = next(pid for pid, events in log.items() if events[0].startswith("child "))
    (child,) = set(log) - {parent}
    # Neither refused by the parent's failure nor blocked on the lock its starting thread held.
    assert log[child] == ["enter logged", "task ran state='value of logged'", "exit logged"], done.stderr
    assert log[parent] == [f"child {child} exited 0"], done.stderr
