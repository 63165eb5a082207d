"""With DEBUG and no LOGGING, every server shows the lifespan starting and stopping, as runserver does."""

from __future__ import annotations

import signal

from tests import servers
from tests.servers import ServerProcess

LINES = ("Lifespan startup complete", "Lifespan shutdown complete")


def _uvicorn(debug: bool) -> ServerProcess:
    argv = servers.uvicorn("tests.sites.server_asgi:application")
    server = ServerProcess(argv, settings="tests.sites.development_settings")
    server.env["TEST_DEBUG"] = "1" if debug else "0"
    return server


def test_debug_without_logging_prints_the_startup_and_shutdown_lines_under_uvicorn() -> None:
    with _uvicorn(debug=True) as server:
        server.wait_for(LINES[0])
        assert server.get("/").status_code in (200, 404)
        server.stop(signal.SIGINT)
    for line in LINES:
        assert server.output.count(line) == 1, server.output  # Once: not again through the root logger.


def test_without_debug_nothing_new_is_printed() -> None:
    with _uvicorn(debug=False) as server:
        server.wait_for("Application startup complete")  # uvicorn's own line: the lifespan ran.
        server.stop(signal.SIGINT)
    assert "django_lifespan_ctx" not in server.output
    assert not any(line in server.output for line in LINES)
