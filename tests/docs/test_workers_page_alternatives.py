"""docs/workers.md's "Without djhuey" and "Without django-rq" recipes, pasted and run under their own workers.

The same approach as tests/docs/test_workers_page.py, whose helpers these are: the
subsection's blocks come from the rendered page, in order; files are applied as
their first line says, commands run as written, and the worker command the
subsection ends with (`huey_consumer ...`, `rq worker ...`) is started as a real
process. What it did is read from what the page's context logs and from the
results the queue stored. The API is tests/stand_in.py's, through SHOP_API_URL.
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
    BOTH_ANSWERS,
    assert_enters_nothing,
    assert_imports,
    assert_one_client_in_each_of_two_processes,
    assert_one_client_per_job,
    commands,
    extras,
    file_headers,
    imported_distributions,
    installed,
    last_line_json,
    pasted_section,
    section_blocks,
    shell_json,
)
from tests.pasted_project import Pasted, is_python_file, served_as_a_user_runs_it

HUEY_BLOCKS = section_blocks("without-djhuey")
RQ_BLOCKS = section_blocks("without-django-rq")
redis_server, redis_url = real_redis.redis_server, real_redis.redis_url


# Huey without djhuey


def test_without_djhuey_shows_startapp_settings_and_the_module_that_makes_and_connects_huey() -> None:
    assert file_headers(HUEY_BLOCKS) == [
        "# mysite/settings.py: add at the end",
        "# shop/lifespan.py",
        "# shop/jobs.py",
    ]
    assert "python manage.py startapp shop" in commands(HUEY_BLOCKS)
    assert commands(HUEY_BLOCKS)[-1] == "huey_consumer shop.jobs.huey -k process -w 2"
    settings, _, jobs = filter(is_python_file, HUEY_BLOCKS)
    assert "djhuey" not in settings and "HUEY" not in settings
    assert "django.setup()" in jobs and "\nconnect(huey)" in jobs
    assert_imports(jobs, "SqliteHuey", "current_state", "connect", "run_on_lifespan_loop", "worker_lifespan")
    assert extras(HUEY_BLOCKS) == {"huey"}
    assert imported_distributions(HUEY_BLOCKS) <= installed(HUEY_BLOCKS) | {"django", "huey"}


@pytest.fixture
def huey_project(tmp_path: Path) -> Iterator[Pasted]:
    with pasted_section(HUEY_BLOCKS, tmp_path, "huey_consumer ") as project:
        yield project


@pytest.mark.integration
def test_the_pasted_plain_huey_project_opens_one_client_in_each_worker_process_and_runs_both_tasks(
    huey_project: Pasted,
) -> None:
    pasted, api = huey_project, huey_project.api
    assert_enters_nothing(pasted, "fetch_book(1)")
    words = shlex.split(pasted.left_to_run)
    assert words[0] == "huey_consumer"
    consumer = served_as_a_user_runs_it(["huey.bin.huey_consumer", *words[1:]], pasted.path, pasted.env)
    with consumer:
        for task in ("fetch_book", "fetch_author"):
            consumer.wait_for(rf"shop\.jobs\.{task}: \S+ executed in", timeout=120)
        consumer.wait_for(f"API client opened for {re.escape(api)}$", timeout=60, count=2)
        code = consumer.stop(signal.SIGINT, timeout=60, whole_group=True)  # Ctrl+C, as the page says.
    assert_one_client_in_each_of_two_processes(consumer, api)
    assert code == 0, consumer.output
    read = (
        "import json; from shop.jobs import huey; "
        "print(json.dumps([huey.serializer.deserialize(v) for v in huey.all_results().values()]))"
    )
    assert sorted(map(str, last_line_json(pasted, f"python -c {shlex.quote(read)}"))) == BOTH_ANSWERS


# RQ without django-rq

RQ_WORKER = (
    "DJANGO_SETTINGS_MODULE=mysite.settings rq worker "
    "--worker-class django_lifespan_ctx.contrib.rq.LifespanWorker --url redis://localhost:6379/0"
)


def test_without_django_rq_shows_startapp_settings_the_jobs_with_their_queue_and_rq_worker() -> None:
    assert file_headers(RQ_BLOCKS) == [
        "# mysite/settings.py: add at the end",
        "# shop/lifespan.py",
        "# shop/jobs.py",
    ]
    assert "python manage.py startapp shop" in commands(RQ_BLOCKS)
    assert commands(RQ_BLOCKS)[-1] == RQ_WORKER
    settings, _, jobs = filter(is_python_file, RQ_BLOCKS)
    assert "django_rq" not in settings and "REDIS_URL = " in settings
    assert "Redis.from_url(settings.REDIS_URL)" in jobs
    assert_imports(jobs, "Queue", "Redis", "current_state", "on_lifespan_loop", "worker_lifespan")
    assert extras(RQ_BLOCKS) == {"rq"}
    # The rq extra brings rq, and rq brings redis.
    assert imported_distributions(RQ_BLOCKS) <= installed(RQ_BLOCKS) | {"django", "rq", "redis"}


@pytest.fixture
def rq_project(tmp_path: Path, redis_url: str) -> Iterator[Pasted]:
    with pasted_section(RQ_BLOCKS, tmp_path, "DJANGO_SETTINGS_MODULE=", REDIS_URL=redis_url) as pasted:
        yield pasted


@pytest.mark.integration
def test_the_pasted_plain_rq_project_opens_a_client_in_each_work_horse_and_runs_both_jobs(
    rq_project: Pasted,
) -> None:
    pasted, api, url = rq_project, rq_project.api, rq_project.env["REDIS_URL"]
    assert_enters_nothing(pasted, ".enqueue(")
    assignment, *words = shlex.split(pasted.left_to_run)
    name, _, value = assignment.partition("=")
    assert words[:2] == ["rq", "worker"] and words[-2] == "--url", pasted.left_to_run
    words[-1] = url  # The test's Redis, the one REDIS_URL names, for the page's localhost.
    with served_as_a_user_runs_it(["rq.cli", *words[1:]], pasted.path, {**pasted.env, name: value}) as worker:
        worker.wait_for(r"Job OK", timeout=120, count=2)
        code = worker.stop(signal.SIGTERM, timeout=60)
    assert_one_client_per_job(worker, api)
    assert code == 0, worker.output
    read = (
        "import json; from shop.jobs import queue; print(json.dumps("
        "[queue.fetch_job(i).return_value() for i in queue.finished_job_registry.get_job_ids()]))"
    )
    assert sorted(map(str, shell_json(pasted, read))) == BOTH_ANSWERS
