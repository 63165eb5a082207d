"""livez/ and readyz/: in-process through the real handler, then under uvicorn and daphne."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from django_lifespan_ctx._engine.process import reset_process
from django_lifespan_ctx._ops.checks import check_operations
from django_lifespan_ctx.asgi import get_asgi_application
from tests import ops_contexts, servers
from tests.asgi_driver import LifespanConversation, http_scope, request
from tests.servers import ServerProcess, events

OPS = {"ROOT_URLCONF": "tests.sites.ops_urls"}


@pytest.fixture(autouse=True)
def fresh_tracker() -> Iterator[None]:
    reset_process()
    yield
    reset_process()


async def probe(app: Any, path: str, query: bytes = b"") -> tuple[int, dict[str, Any]]:
    scope = http_scope(path, None)
    scope["query_string"] = query
    status, body = await request(app, scope)
    return status, json.loads(body)


def states(body: dict[str, Any]) -> dict[str, str]:
    return {context["name"].rsplit(".", 1)[-1]: context["state"] for context in body["contexts"]}


async def test_readyz_follows_the_lifespan_from_pending_to_exited() -> None:
    entering, go_on = asyncio.Event(), asyncio.Event()
    exiting, exit_gate = asyncio.Event(), asyncio.Event()

    @asynccontextmanager
    async def broker() -> AsyncIterator[None]:
        entering.set()
        await go_on.wait()
        yield
        exiting.set()
        await exit_gate.wait()

    settings = {
        **OPS,
        "LIFESPAN_CONTEXTS": [ops_contexts.database, broker],
        "LIFESPAN_HEALTH_CHECKS": {"pool": "tests.ops_contexts.pool_open"},
    }
    app = get_asgi_application()
    with override_settings(**settings):
        status, body = await probe(app, "/readyz/")
        assert (status, body["status"], body["lifespan"]) == (503, "not ready", "not started")
        assert set(states(body).values()) == {"pending"}

        conversation = LifespanConversation(app, state={})
        starting = asyncio.create_task(conversation.startup())
        await entering.wait()
        status, body = await probe(app, "/readyz/")
        assert (status, body["lifespan"]) == (503, "starting")
        assert states(body) == {"database": "entered", "broker": "pending"}
        assert body["checks"] == {}  # Not run before startup completes.

        go_on.set()
        assert (await starting)["type"] == "lifespan.startup.complete"
        status, body = await probe(app, "/readyz/")
        assert (status, body["status"], body["lifespan"]) == (200, "ready", "started")
        assert states(body) == {"database": "entered", "broker": "entered"}
        assert all(context["entered_at"] for context in body["contexts"])
        assert body["checks"]["pool"]["result"] == "pass"
        assert (await probe(app, "/livez/"))[0] == 200

        stopping = asyncio.create_task(conversation.shutdown())
        await exiting.wait()
        status, body = await probe(app, "/readyz/")
        assert (status, body["lifespan"]) == (503, "stopping")
        assert states(body) == {"database": "entered", "broker": "exiting"}

        exit_gate.set()
        assert (await stopping)["type"] == "lifespan.shutdown.complete"
        status, body = await probe(app, "/readyz/")
        assert (status, body["lifespan"]) == (503, "stopped")
        assert states(body) == {"database": "exited", "broker": "exited"}
        assert (await probe(app, "/livez/"))[0] == 200


@override_settings(**OPS, LIFESPAN_CONTEXTS=[ops_contexts.database, "tests.ops_contexts.slow_start"])
async def test_readyz_after_a_failed_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFESPAN_TEST_FAIL_START", "1")
    app = get_asgi_application()
    conversation = LifespanConversation(app, state={})
    assert (await conversation.startup())["type"] == "lifespan.startup.failed"
    status, body = await probe(app, "/readyz/")
    assert (status, body["lifespan"]) == (503, "failed")
    assert states(body) == {"database": "exited", "slow_start": "failed"}


async def started_app(**settings: Any) -> tuple[Any, LifespanConversation]:
    app = get_asgi_application()
    conversation = LifespanConversation(app, state={})
    with override_settings(**settings):
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
    return app, conversation


@pytest.mark.parametrize(
    ("debug", "query", "error"),
    [
        (False, b"", "ConnectionError"),
        (False, b"verbose", "ConnectionError"),
        (True, b"", "ConnectionError"),
        (True, b"verbose", "ConnectionError: password=hunter2 rejected by db.internal"),
    ],
)
async def test_a_failing_check_shows_its_error_text_only_verbose_under_debug(
    debug: bool, query: bytes, error: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = tmp_path / "unhealthy"
    flag.touch()
    monkeypatch.setenv("LIFESPAN_TEST_UNHEALTHY", str(flag))
    settings = {
        **OPS,
        "DEBUG": debug,
        "LIFESPAN_CONTEXTS": [ops_contexts.database],
        "LIFESPAN_HEALTH_CHECKS": {
            "pool": "tests.ops_contexts.pool_open",
            "flag": "tests.ops_contexts.no_unhealthy_flag",
        },
    }
    app, conversation = await started_app(**settings)
    with override_settings(**settings):
        status, body = await probe(app, "/readyz/", query)
        await conversation.shutdown()
    assert (status, body["status"], body["lifespan"]) == (503, "not ready", "started")
    assert body["checks"]["pool"]["result"] == "pass" and "error" not in body["checks"]["pool"]
    assert body["checks"]["flag"]["result"] == "fail"
    assert body["checks"]["flag"]["error"] == error


async def test_checks_run_concurrently_each_with_the_timeout() -> None:
    settings = {
        **OPS,
        "LIFESPAN_CONTEXTS": [ops_contexts.database],
        "LIFESPAN_HEALTH_TIMEOUT": 0.3,
        "LIFESPAN_HEALTH_CHECKS": {
            "first": "tests.ops_contexts.hangs",
            "second": "tests.ops_contexts.hangs",
            "third": "tests.ops_contexts.hangs",
            "pool": "tests.ops_contexts.pool_open",
        },
    }
    app, conversation = await started_app(**settings)
    with override_settings(**settings):
        started = time.perf_counter()
        status, body = await probe(app, "/readyz/")
        took = time.perf_counter() - started
        await conversation.shutdown()
    assert status == 503
    assert [body["checks"][name]["error"] for name in ("first", "second", "third")] == ["TimeoutError"] * 3
    assert body["checks"]["pool"]["result"] == "pass"
    # Three 0.3 s timeouts one after another would take 0.9 s.
    assert 0.3 <= took < 0.8, took


def closed_pool(state: Any) -> bool:
    return not state.pool["open"]


async def test_a_sync_check_that_returns_false_fails() -> None:
    settings = {
        **OPS,
        "DEBUG": True,
        "LIFESPAN_CONTEXTS": [ops_contexts.database],
        "LIFESPAN_HEALTH_CHECKS": {"closed": "tests.ops.test_probes.closed_pool"},
    }
    app, conversation = await started_app(**settings)
    with override_settings(**settings):
        status, body = await probe(app, "/readyz/", b"verbose")
        await conversation.shutdown()
    assert status == 503
    assert body["checks"]["closed"]["error"] == "HealthCheckFailed: 'closed' returned False"


# -- system checks -------------------------------------------------------


def ids(**settings: Any) -> list[str]:
    with override_settings(**settings):
        return [message.id or "" for message in check_operations()]


def test_valid_operations_settings_pass() -> None:
    assert ids() == []
    assert (
        ids(LIFESPAN_HEALTH_CHECKS={"pool": "tests.ops_contexts.pool_open"}, LIFESPAN_HEALTH_TIMEOUT=2) == []
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"LIFESPAN_HEALTH_CHECKS": ["tests.ops_contexts.pool_open"]}, "E040"),
        ({"LIFESPAN_HEALTH_CHECKS": {"pool": 3}}, "E040"),
        ({"LIFESPAN_HEALTH_CHECKS": {"pool": "tests.ops_contexts.nothing_here"}}, "E040"),
        ({"LIFESPAN_HEALTH_CHECKS": {"pool": "tests.ops_contexts.OPS_NOT_CALLABLE"}}, "E040"),
        ({"LIFESPAN_HEALTH_TIMEOUT": 0}, "E041"),
        ({"LIFESPAN_HEALTH_TIMEOUT": None}, "E041"),
        ({"LIFESPAN_OPENTELEMETRY": "yes"}, "E042"),
        ({"LIFESPAN_RUN_ONCE_INTERVAL": -1}, "E044"),
    ],
)
def test_each_bad_setting_has_its_id(settings: dict[str, Any], expected: str) -> None:
    assert ids(**settings) == [f"django_lifespan_ctx.{expected}"]


def test_the_checks_are_registered(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management.base import SystemCheckError

    with override_settings(LIFESPAN_HEALTH_TIMEOUT=-1), pytest.raises(SystemCheckError, match="E041"):
        call_command("check")


# -- real servers --------------------------------------------------------


def wait_until(condition: Any, timeout: float = 10) -> Any:
    """Poll a live server until `condition()` is truthy; the server gives no other signal."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_uvicorn_ready_then_unready_while_a_check_fails_then_ready(tmp_path: Path) -> None:
    flag = tmp_path / "unhealthy"
    argv = servers.uvicorn("tests.sites.server_asgi:application")
    server = ServerProcess(argv, settings="tests.sites.ops_settings")
    server.env["LIFESPAN_TEST_UNHEALTHY"] = str(flag)
    with server:
        server.wait_for("Uvicorn running on")
        ready = server.get("/readyz/")
        flag.touch()
        unready = server.get("/readyz/")
        flag.unlink()
        again = server.get("/readyz/")
        live = server.get("/livez/")
        code = server.stop()
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert (body["status"], body["lifespan"]) == ("ready", "started")
    assert set(states(body).values()) == {"entered"}
    assert list(states(body)) == ["database", "slow_one", "slow_two", "slow_start"]
    assert body["run_once"] == [] and body["process"].rsplit(":", 1)[1].isdigit()
    assert unready.status_code == 503
    assert unready.json()["checks"]["flag"] == {
        **unready.json()["checks"]["flag"],
        "error": "ConnectionError",
    }
    assert "hunter2" not in unready.text
    assert again.status_code == 200 and live.status_code == 200
    assert ready.headers["Cache-Control"].startswith("max-age=0")
    assert code == 0, server.output


def daphne(tmp_path: Path, **env: str) -> ServerProcess:
    argv = servers.daphne("tests.sites.server_asgi:application")
    server = ServerProcess(argv, settings="tests.sites.ops_lazy_settings")
    server.env.update(env, LIFESPAN_TEST_UNHEALTHY=str(tmp_path / "unhealthy"))
    return server


def test_daphne_lazy_startup_ready_after_the_first_request(tmp_path: Path) -> None:
    # Works with today's handler: the first request enters the contexts, then readyz/ reports them.
    with daphne(tmp_path) as server:
        server.wait_for("Listening on TCP address")
        assert server.get("/state/").status_code == 200
        ready = server.get("/readyz/")
        (tmp_path / "unhealthy").touch()
        unready = server.get("/readyz/")
        code = server.stop(signal.SIGINT)
    assert ready.status_code == 200, ready.text
    assert set(states(ready.json()).values()) == {"entered"}
    assert unready.status_code == 503
    assert code == 0, server.output
    assert events(server.output)[-1] == "exit database"


def test_daphne_lazy_startup_readyz_is_503_while_starting_and_after_a_failed_start(tmp_path: Path) -> None:
    with daphne(tmp_path, LIFESPAN_TEST_START_SECONDS="1") as server:
        server.wait_for("Listening on TCP address")
        first = server.get("/readyz/")  # Starts the lifespan, does not wait for it.
        starting = server.get("/readyz/")  # The startup takes a second.
        server.wait_for("Lifespan startup complete")
        ready = server.get("/readyz/")
        server.stop(signal.SIGINT)
    # Answered at once: the startup it began has not yet taken its first step.
    assert (first.status_code, first.json()["lifespan"]) == (503, "not started"), first.text
    assert (starting.status_code, starting.json()["lifespan"]) == (503, "starting"), starting.text
    assert ready.status_code == 200, ready.text

    with daphne(tmp_path, LIFESPAN_TEST_FAIL_START="1") as server:
        server.wait_for("Listening on TCP address")
        server.get("/readyz/")
        server.wait_for("Lifespan startup failed")
        failed = server.get("/readyz/")
        server.stop(signal.SIGINT)
    assert failed.status_code == 503
    assert failed.json()["lifespan"] in {"failed", "starting"}  # Each probe starts another attempt.
    assert states(failed.json())["slow_start"] in {"failed", "pending"}


class AsyncCallable:
    async def __call__(self, state: Any) -> bool:
        return "pool" in state


pool_present = AsyncCallable()


async def test_an_object_with_an_async_call_is_awaited() -> None:
    settings = {
        **OPS,
        "LIFESPAN_CONTEXTS": [ops_contexts.database],
        "LIFESPAN_HEALTH_CHECKS": {"present": "tests.ops.test_probes.pool_present"},
    }
    app, conversation = await started_app(**settings)
    with override_settings(**settings):
        status, body = await probe(app, "/readyz/")
        await conversation.shutdown()
    assert (status, body["checks"]["present"]["result"]) == (200, "pass")
