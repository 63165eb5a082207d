"""docs/workers.md's Dramatiq and Celery sections, pasted into a fresh `startproject`, their workers run.

As tests/docs/test_workers_page.py does for the other queues (its helpers are used
here): the blocks come from the rendered page in its order, files are applied as
their first lines say, command lines run as a reader runs them, and the worker
command the section ends with is started, as written, as a real process. What
the worker did is read from what the page's own context and tasks log. The API
is tests/stand_in.py's, named by the setting the page reads from the environment.
"""

from __future__ import annotations

import re
import shlex
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import redis_server as real_redis
from tests.docs.test_workers_page import (
    assert_enters_nothing,
    assert_imports,
    commands,
    extras,
    file_headers,
    imported_distributions,
    installed,
    pasted_section,
    section_blocks,
)
from tests.pasted_project import Pasted, is_python_file, served_as_a_user_runs_it
from tests.servers import ServerProcess

redis_server, redis_url = real_redis.redis_server, real_redis.redis_url


def run_command(pasted: Pasted) -> ServerProcess:
    """The section's worker command, as written, from a user's shell in the project."""
    words = shlex.split(pasted.left_to_run)
    # `python -m dramatiq` (or celery) is the `dramatiq` script, run with this interpreter.
    return served_as_a_user_runs_it(words, pasted.path, pasted.env, project_on_path=False)


def pids_logging(output: str, message: str) -> list[int]:
    """The process id of each line whose message starts so, in the order logged."""
    found = re.findall(rf"^\[.*?\] \[PID (\d+)\] .* {re.escape(message)}", output, flags=re.MULTILINE)
    return [int(pid) for pid in found]


# Dramatiq


DRAMATIQ_BLOCKS = section_blocks("dramatiq")


def test_the_dramatiq_section_shows_startapp_the_settings_and_the_actors_module() -> None:
    assert file_headers(DRAMATIQ_BLOCKS) == [
        "# mysite/settings.py: add at the end",
        "# shop/lifespan.py",
        "# shop/actors.py",
    ]
    assert "python manage.py startapp shop" in commands(DRAMATIQ_BLOCKS)
    settings, _, actors = filter(is_python_file, DRAMATIQ_BLOCKS)
    assert "REDIS_URL = " in settings and '"shop"' in settings
    assert "broker.add_middleware(LifespanMiddleware())" in actors and "django.setup()" in actors
    assert_imports(
        actors,
        "dramatiq",
        "current_state",
        "LifespanMiddleware",
        "on_lifespan_loop",
        "worker_lifespan",
        plain_import=True,
    )
    assert extras(DRAMATIQ_BLOCKS) == {"dramatiq", "redis"}  # Ours, and dramatiq's for RedisBroker.
    assert imported_distributions(DRAMATIQ_BLOCKS) <= installed(DRAMATIQ_BLOCKS) | {"django"}


@pytest.fixture
def dramatiq_project(tmp_path: Path, redis_url: str) -> Iterator[Pasted]:
    with pasted_section(DRAMATIQ_BLOCKS, tmp_path, "dramatiq ", REDIS_URL=redis_url) as project:
        yield project


@pytest.mark.integration
def test_the_pasted_dramatiq_project_opens_one_client_in_each_worker_process_and_runs_both_actors(
    dramatiq_project: Pasted,
) -> None:
    pasted, api = dramatiq_project, dramatiq_project.api
    assert_enters_nothing(pasted, ".send(1)")
    assert pasted.left_to_run == "dramatiq shop.actors --processes 2 --threads 4"
    with run_command(pasted) as command:
        command.wait_for(r"Book 1: \{'path': '/books/1/'\}$", timeout=120)
        command.wait_for(r"Author 2: \{'path': '/authors/2/'\}$", timeout=120)
        command.wait_for(f"API client opened for {re.escape(api)}$", timeout=60, count=2)
        # Ctrl+C in its terminal, as the page says.
        code = command.stop(signal.SIGINT, timeout=60, whole_group=True)
    opened = pids_logging(command.output, f"API client opened for {api}")
    closed = pids_logging(command.output, "API client closed")
    # One client in each of the two worker processes, closed by the process that opened it.
    assert len(opened) == 2 and sorted(opened) == sorted(closed) and len(set(opened)) == 2, command.output
    assert command.process is not None and command.process.pid not in opened, command.output
    # Each actor ran in a worker process that had opened its client.
    for answer in ("Book 1:", "Author 2:"):
        (runner,) = pids_logging(command.output, answer)
        assert runner in opened, command.output
    assert code == 0, command.output


# Celery


CELERY_BLOCKS = section_blocks("celery")


def test_the_celery_section_shows_startapp_the_settings_the_celery_app_and_tasks() -> None:
    assert file_headers(CELERY_BLOCKS) == [
        "# mysite/settings.py: add at the end",
        "# shop/lifespan.py",
        "# mysite/celery.py",
        "# mysite/__init__.py: replace the whole file",
        "# shop/tasks.py",
    ]
    assert "python manage.py startapp shop" in commands(CELERY_BLOCKS)
    settings, _, app, init, tasks = filter(is_python_file, CELERY_BLOCKS)
    assert "CELERY_BROKER_URL = " in settings and '"shop"' in settings
    assert 'namespace="CELERY"' in app and "lifespan_celery.connect()" in app
    assert "from .celery import app" in init
    assert_imports(tasks, "shared_task", "current_state", "worker_lifespan")
    assert extras(CELERY_BLOCKS) == {"celery", "redis"}  # Ours, and celery's for its Redis transport.
    assert imported_distributions(CELERY_BLOCKS) <= installed(CELERY_BLOCKS) | {"django"}


@pytest.fixture
def celery_project(tmp_path: Path, redis_server: real_redis.RedisServer) -> Iterator[Pasted]:
    redis_server.client.flushall()
    broker = f"redis+socket://{redis_server.client.socket_file}"
    with pasted_section(CELERY_BLOCKS, tmp_path, "celery ", CELERY_BROKER_URL=broker) as project:
        yield project


def process_names_logging(output: str, message: str) -> list[str]:
    """The process name of each of Celery's lines whose message starts so, in the order logged."""
    return re.findall(rf"^\[[^\]]*: \w+/([\w-]+)\] {re.escape(message)}", output, flags=re.MULTILINE)


@pytest.mark.integration
def test_the_pasted_celery_project_opens_one_client_in_each_prefork_child_and_runs_both_tasks(
    celery_project: Pasted,
) -> None:
    pasted, api = celery_project, celery_project.api
    assert_enters_nothing(pasted, ".delay(1)")
    assert pasted.left_to_run == "celery -A mysite worker --loglevel INFO --concurrency 2"
    with run_command(pasted) as command:
        command.wait_for(
            r"Task shop\.tasks\.fetch_book\[.*\] succeeded .*: \{'path': '/books/1/'\}$", timeout=120
        )
        author = "{'author': {'path': '/authors/2/'}, 'books': {'path': '/authors/2/books/'}}"
        command.wait_for(
            rf"Task shop\.tasks\.fetch_author\[.*\] succeeded .*: {re.escape(author)}$", timeout=120
        )
        command.wait_for(f"API client opened for {re.escape(api)}$", timeout=60, count=2)
        # SIGTERM, as `kill` and process managers send it: Celery's warm shutdown, then status 0.
        # (Ctrl+C is a warm shutdown too, but Celery then exits with status 1, as the page says.)
        code = command.stop(signal.SIGTERM, timeout=90)
    opened = process_names_logging(command.output, f"API client opened for {api}")
    closed = process_names_logging(command.output, "API client closed")
    # One client in each prefork child, closed by the child that opened it; the main process opens none.
    assert sorted(opened) == sorted(closed) == ["ForkPoolWorker-1", "ForkPoolWorker-2"], command.output
    ran = re.findall(r"/([\w-]+)\] Task shop\.tasks\.\w+\[.*\] succeeded", command.output)
    assert len(ran) == 2 and set(ran) <= set(opened), command.output
    assert code == 0, command.output
