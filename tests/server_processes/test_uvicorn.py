"""The core contract, end to end, against a real uvicorn process."""

from __future__ import annotations

import re

import pytest

from tests import servers
from tests.servers import REPO, SERVED_KEYS, ServerProcess, assert_one_lifecycle, events


def uvicorn(
    app: str, *, lifespan: str, settings: str = "tests.sites.server_settings", **kw: object
) -> ServerProcess:
    argv = servers.uvicorn(app, "--lifespan", lifespan)
    return ServerProcess(argv, settings=settings, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["on", "auto"])
def test_contexts_order_state_isolation_and_groups_under_uvicorn(mode: str) -> None:
    with uvicorn("tests.sites.server_asgi:application", lifespan=mode) as server:
        server.wait_for("Uvicorn running on")
        startup_ms = float(server.wait_for(r"Lifespan startup complete in ([\d.]+) ms").group(1))

        first, again = server.get("/state/").json(), server.get("/state/").json()
        sync = server.get("/sync-state/").json()
        writes = [server.get("/write/").json() for _ in range(2)]

        code = server.stop()
        output = server.output

    keys = SERVED_KEYS
    assert first["keys"] == sync["keys"] == keys
    # One shared resource, open while serving, seen by every request.
    assert first["ids"]["resource"] == again["ids"]["resource"] == sync["ids"]["resource"]
    assert first["values"]["resource"] == "<Resource closed=False>"
    assert (
        writes[0]
        == writes[1]
        == {"before": keys, "after": sorted([*keys, "written_attribute", "written_item"])}
    )

    assert_one_lifecycle(events(output))
    # Three members that each sleep 0.3 s: one after another would take 0.6 s or more.
    assert 300 <= startup_ms < 550, startup_ms
    assert "Application shutdown complete." in output
    assert code == 0, output


def test_without_lifespan_events_views_get_a_message_that_says_why() -> None:
    with uvicorn("tests.sites.server_asgi:application", lifespan="off") as server:
        server.wait_for("Uvicorn running on")
        errors = server.get("/missing/").json()
        server.stop()
    assert "the ASGI server sent no lifespan events" in errors["item"]
    assert events(server.output) == []


def test_the_core_issue_signal_example_under_uvicorn() -> None:
    project = REPO / "tests" / "signal_example"
    with uvicorn("asgi:application", lifespan="on", settings="settings", cwd=project) as server:
        server.wait_for("Uvicorn running on")
        status = server.get("/client/").json()
        code = server.stop()
    output = server.output
    assert status == {"client": "AsyncClient", "closed": False}
    # Contexts enter before asgi_startup and exit after asgi_shutdown.
    lines = re.findall(r"SIGNAL-EXAMPLE (.*)", output)
    assert lines == ["client exists when contexts enter: False", "client closed when contexts exit: True"]
    assert code == 0, output


@pytest.mark.parametrize("mode", ["on", "auto"])
def test_a_startup_failure_stops_uvicorn_naming_the_context(mode: str) -> None:
    with uvicorn(
        "tests.sites.server_asgi:application", lifespan=mode, settings="tests.sites.failing_settings"
    ) as server:
        code = server.wait_for_exit()
    output = server.output
    assert code != 0, output
    assert "Uvicorn running on" not in output
    assert (
        "Lifespan startup failed while entering 'tests.contexts.fails_on_enter': RuntimeError: boom on enter"
        in output
    )
    assert "Application startup failed. Exiting." in output
    # The context entered before the failing one was exited; the one after never started.
    assert events(output) == ["enter alpha", "enter fails_on_enter", "exit alpha"]
