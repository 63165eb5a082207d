"""docs/workers.md, pasted section by section into a fresh `startproject`, its workers run.

The blocks come from the rendered page, in the page's order: a file block is
applied as its first line says (tests.pasted_project.copy_into), a command
block is run line by line as a reader runs it, and the worker command it ends
with is started as a real process. What the worker did is read from what the
page's own context logs and from the results the queue stored. The API the
tasks call is tests/stand_in.py's, named by the setting the page reads from the
environment.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests import redis_server as real_redis
from tests.pasted_project import (
    Pasted,
    headers,
    is_python_file,
    pasted_with_api,
    run_in,
    served_as_a_user_runs_it,
)
from tests.pasted_project import imported_distributions as pasted_imports
from tests.rendered_docs import code_blocks, render
from tests.servers import ServerProcess

HTML = render("workers.md")
SECTIONS = re.split(r'<h[23] id="', HTML)


def section_blocks(heading_id: str) -> list[str]:
    """The code blocks under one heading of the page, up to the next, in order."""
    (section,) = [text for text in SECTIONS if text.startswith(f'{heading_id}"')]
    return code_blocks(section)


def file_headers(blocks: list[str]) -> list[str]:
    """The first line of each file block: which file, and what to do with it."""
    return headers([block for block in blocks if is_python_file(block)])


def commands(blocks: list[str]) -> list[str]:
    """Every command line of the blocks, in order."""
    return [line for block in blocks if not is_python_file(block) for line in block.splitlines()]


@contextmanager
def pasted_section(blocks: list[str], where: Path, worker_words: str, **env: str) -> Generator[Pasted]:
    """The section pasted with the stand-in API; its worker, the page's last command, left to run."""
    lines = commands(blocks)
    (worker,) = [line for line in lines if line.startswith(worker_words)]
    assert lines[-1] == worker, "the worker is the page's last command"
    with pasted_with_api(blocks, where, worker, **env) as pasted:
        yield pasted


def run_worker(pasted: Pasted) -> ServerProcess:
    """The page's worker command, as written, in the project, from a user's shell."""
    words = shlex.split(pasted.left_to_run)
    assert words[:2] == ["python", "manage.py"], pasted.left_to_run
    # `python -m manage` is `python manage.py` with ServerProcess's interpreter.
    return served_as_a_user_runs_it(["manage", *words[2:]], pasted.path, pasted.env)


def last_line_json(pasted: Pasted, command: str) -> list[Any]:
    """The JSON the command line prints last, run in the project."""
    done = run_in(pasted.path, command, env=pasted.env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    results: list[Any] = json.loads(done.stdout.splitlines()[-1])
    return results


def shell_json(pasted: Pasted, code: str) -> list[Any]:
    """The JSON the code prints last, run by `python manage.py shell -c` in the project."""
    return last_line_json(pasted, f"python manage.py shell -c {shlex.quote(code)}")


def assert_enters_nothing(pasted: Pasted, words: str) -> None:
    """The process that only enqueues (the command line with these words) enters nothing."""
    enqueued = pasted.output_of(words)
    assert "API client" not in enqueued, enqueued


def assert_imports(block: str, *names: str, plain_import: bool = False) -> None:
    """The block imports each name: `from x import name` (or, with plain_import, `import name`)."""
    statement = r"^(from [\w.]+ )?import" if plain_import else r"^from [\w.]+ import"
    for name in names:
        assert re.search(rf"{statement} .*\b{name}\b", block, flags=re.MULTILINE), name


def assert_one_client_in_each_of_two_processes(worker: ServerProcess, api: str) -> None:
    """Huey's process workers: one client in each of the two; the consumer process opens none."""
    lines = worker.output.splitlines()
    assert lines.count(f"API client opened for {api}") == 2, worker.output
    assert lines.count("API client closed") == 2, worker.output


def assert_one_client_per_job(worker: ServerProcess, api: str) -> None:
    """RQ's work horses: once per job, opened before the job ran, closed after it."""
    opened = line_numbers(worker.output, f"API client opened for {api}")
    closed = line_numbers(worker.output, "API client closed")
    assert len(opened) == len(closed) == 2, worker.output
    assert opened[0] < closed[0] < opened[1] < closed[1], worker.output


def line_numbers(output: str, wanted: str) -> list[int]:
    """Where in the output this whole line was printed."""
    return [n for n, line in enumerate(output.splitlines()) if line == wanted]


BOTH_ANSWERS = sorted(map(str, [{"path": "/books/1/"}, {"path": "/authors/2/"}]))


def imported_distributions(blocks: list[str]) -> set[str]:
    """What the section's file blocks import, by distribution (tests.pasted_project's reading)."""
    return pasted_imports([block for block in blocks if is_python_file(block)])


def installed(blocks: list[str]) -> set[str]:
    (line,) = [line for block in blocks for line in block.splitlines() if line.startswith("pip install")]
    return {re.sub(r"\[.*\]", "", word) for word in shlex.split(line)[2:]}


def extras(blocks: list[str]) -> set[str]:
    (line,) = [line for block in blocks for line in block.splitlines() if line.startswith("pip install")]
    return {extra for word in shlex.split(line) for extra in re.findall(r"\[(.*)\]", word)}


# Django's Tasks


TASKS_BLOCKS = section_blocks("djangos-tasks")


def test_the_tasks_section_shows_startapp_settings_the_appconfig_tasks_and_migrate() -> None:
    assert file_headers(TASKS_BLOCKS) == [
        "# mysite/settings.py: add at the end",
        "# shop/lifespan.py",
        "# shop/apps.py: replace the whole file",
        "# shop/tasks.py",
    ]
    assert "python manage.py startapp shop" in commands(TASKS_BLOCKS)
    assert "python manage.py migrate" in commands(TASKS_BLOCKS)
    settings, _, apps, tasks = filter(is_python_file, TASKS_BLOCKS)
    assert 'INSTALLED_APPS += ["django_tasks", "django_tasks_db", "shop"]' in settings
    assert "TASKS = {" in settings
    assert "def ready(self):" in apps and "django_tasks.connect()" in apps
    assert_imports(tasks, "task", "current_state", "on_lifespan_loop", "worker_lifespan")


def test_the_tasks_install_line_names_every_package_the_code_imports() -> None:
    # The extra brings the backport, django-tasks; django-lifespan-ctx brings Django.
    assert extras(TASKS_BLOCKS) == {"django-tasks"}
    assert imported_distributions(TASKS_BLOCKS) <= installed(TASKS_BLOCKS) | {"django", "django-tasks"}


@pytest.fixture
def tasks_project(tmp_path: Path) -> Iterator[Pasted]:
    with pasted_section(TASKS_BLOCKS, tmp_path, "python manage.py db_worker") as project:
        yield project


def stored_results(pasted: Pasted) -> list[list[object]]:
    """Each stored task's path, status and return value, in the order they were enqueued."""
    code = (
        "import json; from django_tasks_db.models import DBTaskResult; print(json.dumps([[r.task_path, "
        "r.status, r.return_value] for r in DBTaskResult.objects.order_by('enqueued_at')]))"
    )
    return shell_json(pasted, code)


@pytest.mark.integration
def test_the_pasted_project_runs_a_sync_and_an_async_task_with_one_client_per_worker(
    tasks_project: Pasted,
) -> None:
    pasted, api = tasks_project, tasks_project.api
    assert_enters_nothing(pasted, ".enqueue(")
    with run_worker(pasted) as worker:
        for task in ("fetch_book", "fetch_author"):
            worker.wait_for(rf"path=shop\.tasks\.{task} state=SUCCESSFUL", timeout=120)
        # Ctrl+C in its terminal, as the page says: it finishes, then the client is closed.
        code = worker.stop(signal.SIGINT, timeout=60, whole_group=True)
    lines = worker.output.splitlines()
    opened = line_numbers(worker.output, f"API client opened for {api}")
    closed = line_numbers(worker.output, "API client closed")
    finished = [n for n, line in enumerate(lines) if "state=SUCCESSFUL" in line]
    started = [n for n, line in enumerate(lines) if "state=RUNNING" in line]
    # One client for the worker process: opened before the first task ran, closed after the last.
    assert len(opened) == 1 and len(closed) == 1, worker.output
    assert started and opened[0] < min(finished) and max(finished) < closed[0], worker.output
    assert code == 0, worker.output
    # Both tasks reached the API through that client, whose base URL came from the setting.
    assert stored_results(pasted) == [
        ["shop.tasks.fetch_book", "SUCCESSFUL", {"path": "/books/1/"}],
        ["shop.tasks.fetch_author", "SUCCESSFUL", {"path": "/authors/2/"}],
    ]


# Huey, through djhuey


HUEY_BLOCKS = section_blocks("huey")


def test_the_huey_section_shows_startapp_the_huey_setting_the_appconfig_and_tasks() -> None:
    assert file_headers(HUEY_BLOCKS) == [
        "# mysite/settings.py: add at the end",
        "# shop/lifespan.py",
        "# shop/apps.py: replace the whole file",
        "# shop/tasks.py",
    ]
    settings, _, apps, tasks = filter(is_python_file, HUEY_BLOCKS)
    assert "HUEY = {" in settings and '"huey.contrib.djhuey"' in settings
    assert "def ready(self):" in apps and "huey.connect(HUEY)" in apps
    assert_imports(tasks, "db_task", "current_state", "run_on_lifespan_loop", "worker_lifespan")
    assert extras(HUEY_BLOCKS) == {"huey"}
    assert imported_distributions(HUEY_BLOCKS) <= installed(HUEY_BLOCKS) | {"django", "huey"}


@pytest.fixture
def huey_project(tmp_path: Path) -> Iterator[Pasted]:
    with pasted_section(HUEY_BLOCKS, tmp_path, "python manage.py run_huey") as project:
        yield project


def huey_results(pasted: Pasted) -> list[object]:
    """Every result in the project's Huey storage."""
    code = (
        "import json; from huey.contrib.djhuey import HUEY; "
        "print(json.dumps([HUEY.serializer.deserialize(v) for v in HUEY.all_results().values()]))"
    )
    return shell_json(pasted, code)


@pytest.mark.integration
def test_the_pasted_huey_project_opens_one_client_in_each_worker_process_and_runs_both_tasks(
    huey_project: Pasted,
) -> None:
    pasted, api = huey_project, huey_project.api
    assert_enters_nothing(pasted, "fetch_book(1)")
    with run_worker(pasted) as worker:
        for task in ("fetch_book", "fetch_author"):
            worker.wait_for(rf"shop\.tasks\.{task}: \S+ executed in", timeout=120)
        worker.wait_for(f"API client opened for {re.escape(api)}$", timeout=60, count=2)
        # Ctrl+C in its terminal, as the page says.
        code = worker.stop(signal.SIGINT, timeout=60, whole_group=True)
    assert_one_client_in_each_of_two_processes(worker, api)
    assert code == 0, worker.output
    assert sorted(map(str, huey_results(pasted))) == BOTH_ANSWERS


# RQ, through django-rq


RQ_BLOCKS = section_blocks("rq")
redis_server, redis_url = real_redis.redis_server, real_redis.redis_url


def test_the_rq_section_shows_startapp_rq_queues_jobs_and_the_worker_class() -> None:
    assert file_headers(RQ_BLOCKS) == [
        "# mysite/settings.py: add at the end",
        "# shop/lifespan.py",
        "# shop/jobs.py",
    ]
    settings, _, jobs = filter(is_python_file, RQ_BLOCKS)
    assert "RQ_QUEUES = {" in settings and '"django_rq"' in settings
    assert_imports(jobs, "job", "current_state", "on_lifespan_loop", "worker_lifespan")
    assert extras(RQ_BLOCKS) == {"rq"}
    distributions = imported_distributions(RQ_BLOCKS) - {"django_rq"}
    assert distributions <= installed(RQ_BLOCKS) | {"django"} and "django-rq" in installed(RQ_BLOCKS)


@pytest.fixture
def rq_project(tmp_path: Path, redis_url: str) -> Iterator[Pasted]:
    with pasted_section(RQ_BLOCKS, tmp_path, "python manage.py rqworker", REDIS_URL=redis_url) as project:
        yield project


def rq_results(pasted: Pasted) -> list[object]:
    """The return value of every finished job."""
    code = (
        "import json, django_rq; q = django_rq.get_queue(); print(json.dumps("
        "[q.fetch_job(i).return_value() for i in q.finished_job_registry.get_job_ids()]))"
    )
    return shell_json(pasted, code)


@pytest.mark.integration
def test_the_pasted_rq_project_opens_a_client_in_each_work_horse_and_runs_both_jobs(
    rq_project: Pasted,
) -> None:
    pasted, api = rq_project, rq_project.api
    assert_enters_nothing(pasted, ".delay(1)")
    with run_worker(pasted) as worker:
        worker.wait_for(r"Job OK", timeout=120, count=2)
        code = worker.stop(signal.SIGTERM, timeout=60)
    assert_one_client_per_job(worker, api)
    assert code == 0, worker.output
    assert sorted(map(str, rq_results(pasted))) == BOTH_ANSWERS
