"""Wrappers around the application pass the lifespan through to our handler: real packages, real uvicorn."""

from __future__ import annotations

import signal

import pytest

from tests import servers
from tests.servers import ServerProcess, events


@pytest.mark.parametrize("wrapper", ["sentry", "opentelemetry", "servestatic", "channels"])
def test_the_lifespan_reaches_our_handler_through(wrapper: str) -> None:
    argv = servers.uvicorn(f"tests.sites.wrapped_asgi:{wrapper}", "--lifespan", "on")
    with ServerProcess(argv, settings="tests.sites.hint_settings") as server:
        server.wait_for("Uvicorn running on")
        body = server.get("/state/").json()
        static = server.get("/site.css") if wrapper == "servestatic" else None
        code = server.stop(signal.SIGINT)
    assert body == {"keys": ["alpha"]}
    assert events(server.output) == ["enter alpha", "exit alpha"]
    if static is not None:
        assert static.text == "body { color: teal; }\n"
    assert code == 0, server.output
