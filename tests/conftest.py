from __future__ import annotations

import importlib
import os
import pkgutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import django_lifespan_ctx
from django_lifespan_ctx._config import sources
from django_lifespan_ctx._engine.process import reset_process
from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup
from tests import contexts


def _import_the_whole_package() -> None:
    """Import (and so assertion-rewrite) every module now, from a shallow stack.

    The package is a pytest plugin, so pytest rewrites all of its modules on
    import. CPython 3.11.7 can fail that compile with "AST constructor recursion
    depth mismatch" when the first import happens deep inside a thread that
    asgiref started (a command's first call_command, say).
    """
    for module in pkgutil.walk_packages(django_lifespan_ctx.__path__, "django_lifespan_ctx."):
        importlib.import_module(module.name)


_import_the_whole_package()


@pytest.fixture(autouse=True)
def clean_slate() -> Iterator[None]:
    """Each test starts with no recorded events, receivers or registrations."""
    contexts.EVENTS.clear()
    contexts.TASKS.clear()
    registered = list(sources.registered_contexts)
    startup_receivers = list(asgi_startup.receivers)
    shutdown_receivers = list(asgi_shutdown.receivers)
    # Code run in-process (rq's Worker.work(), a drain) may install stop-signal handlers.
    stop_handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in stop_handlers.items():
        if handler is not None:
            signal.signal(number, handler)
    reset_process()  # Process-wide state, as at import: drain, readiness, thread and worker lifespans.
    sources.registered_contexts[:] = registered
    asgi_startup.receivers[:] = startup_receivers
    asgi_shutdown.receivers[:] = shutdown_receivers
    asgi_startup.sender_receivers_cache.clear()
    asgi_shutdown.sender_receivers_cache.clear()


# Whole-process proofs of integrations (Celery, PostgreSQL, rendered docs, the demo):
# `make test` runs them once; the Python x Django matrix leaves them out, since they
# prove the integration, not the pair, and would multiply CI time by eight.
INTEGRATION_MODULES = {
    "test_celery_worker.py",
    "test_outside_requests.py",
    "test_database_docs.py",
    "test_run_once_postgres.py",
    "test_quickstart.py",
    "test_demo.py",
    "test_user_project.py",
    "test_operations_docs.py",
    "test_deploying.py",
    "test_wrappers.py",
    "test_mounted_apps.py",
}


# Real processes (servers, workers, commands) that prove a Python x Django pair: Django 6's
# own django.tasks under a real worker, and the core contract under a real server.
PAIR_MODULES = {"test_django_tasks_worker.py", "test_uvicorn.py"}
# Set by the matrix (noxfile.py): every other real process ran once already, in make test.
REAL_PROCESSES_ONCE = os.environ.get("LIFESPAN_TESTS_REAL_PROCESSES") == "once"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in INTEGRATION_MODULES:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def real_processes_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the matrix, a test that starts a process is skipped there, unless it proves the pair.

    Decided where the process starts (every server, worker and command goes through
    subprocess.Popen), so a test that mixes in-process checks with a real server still
    runs up to the server, and nothing has to be listed by hand.
    """
    if not REAL_PROCESSES_ONCE or request.node.path.name in PAIR_MODULES:
        return
    popen_init = subprocess.Popen.__init__

    def skip_instead(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            popen_init(self, *args, **kwargs)  # Not the test's own: a library's helper thread.
            return
        pytest.skip("a real process: make test runs it once, the matrix proves each pair in-process")

    monkeypatch.setattr(subprocess.Popen, "__init__", skip_instead)
