"""The sample's command and Celery task reach the shared client outside requests."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers
from tests.celery_app import make_app
from tests.servers import ServerProcess

SITE = Path(__file__).resolve().parent
FLUENT_PYTHON = "Fluent Python by Luciano Ramalho (2022)"


@pytest.fixture
def books_api() -> Iterator[str]:
    """The sample site itself, under uvicorn: it serves the books API its client calls."""
    argv = servers.uvicorn("sample_site.asgi:application", "--lifespan", "on")
    server = ServerProcess(argv, settings="sample_site.settings", cwd=SITE)
    server.env["BOOKS_API_URL"] = f"{server.url}/api/"
    with server:
        server.wait_for("Uvicorn running on")
        yield server.env["BOOKS_API_URL"]
        server.stop()


def test_the_book_summary_command_uses_the_shared_client(books_api: str) -> None:
    env = ServerProcess([], settings="sample_site.settings", cwd=SITE).env
    env["BOOKS_API_URL"] = books_api
    result = subprocess.run(
        [sys.executable, "manage.py", "book_summary", "2"],
        cwd=SITE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{FLUENT_PYTHON}\n"
    assert "Lifespan shutdown complete" in result.stderr


def test_the_celery_task_uses_the_shared_client_through_run(books_api: str, tmp_path: Path) -> None:
    argv = ["celery", "-A", "sample_site", "worker", "--pool", "solo", "--loglevel", "INFO"]
    worker = ServerProcess(
        [*argv, "--without-mingle", "--without-gossip"], settings="sample_site.settings", cwd=SITE
    )
    worker.env.update({"BOOKS_API_URL": books_api, "SAMPLE_CELERY_FOLDER": str(tmp_path)})
    client = make_app(tmp_path)  # The same folders the sample's app uses.
    with worker:
        worker.wait_for(r"celery@\S+ ready\.")
        summary = client.send_task("library.tasks.summarise_book", args=[2]).get(timeout=30, interval=0.05)
        code = worker.stop(signal.SIGTERM)
    assert summary == FLUENT_PYTHON
    # Entered once per process is proven in tests/workers/test_celery_worker.py; here, entered and exited.
    assert "Lifespan startup complete" in worker.output
    assert "Lifespan shutdown complete" in worker.output, worker.output
    assert code == 0, worker.output


def test_the_django_tasks_task_runs_under_db_worker_on_the_shared_client(
    books_api: str, tmp_path: Path
) -> None:
    env = ServerProcess([], settings="sample_site.settings", cwd=SITE).env
    env.update({"BOOKS_API_URL": books_api, "SAMPLE_DB": str(tmp_path / "tasks.sqlite3")})

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=SITE,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    manage("migrate", "--verbosity", "0")
    enqueue = "from library.jobs import summarise_book_later as t; print(t.enqueue(2).id)"
    task_id = manage("shell", "-c", enqueue).strip().splitlines()[-1]
    worked = manage("db_worker", "--batch", "--no-startup-delay")
    read = (
        f"from library.jobs import summarise_book_later as t; print(t.get_result({task_id!r}).return_value)"
    )
    assert manage("shell", "-c", read).strip().splitlines()[-1] == FLUENT_PYTHON
    assert "Lifespan startup complete" in worked and "Lifespan shutdown complete" in worked, worked
