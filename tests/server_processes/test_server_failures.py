"""Every server stops, instead of serving, on every kind of startup failure.

A failure outside a context's own code must never look to a server like
"lifespan unsupported": uvicorn's `auto` mode and hypercorn would then serve
every request with an empty state. Real processes, on 127.0.0.1.
"""

from __future__ import annotations

import signal

import pytest

from tests import servers
from tests.servers import ServerProcess, events

APP = "tests.sites.server_asgi:application"
SERVERS = {
    "uvicorn --lifespan on": servers.uvicorn(APP, "--lifespan", "on"),
    "uvicorn --lifespan auto": servers.uvicorn(APP, "--lifespan", "auto"),
    "hypercorn": servers.hypercorn(APP),
    # asyncio's loop: granian 2.8 on uvloop (its default when installed) loses a SIGTERM
    # that comes while its worker is still starting, and never exits, with or without us.
    # The stop signals here come right after startup; the drain tests cover uvloop.
    "granian": servers.granian(APP, "--loop", "asyncio"),
    "gunicorn -k uvicorn_worker": servers.gunicorn(APP),
    "gunicorn -k asgi": servers.gunicorn(APP, worker="asgi"),
}
# What the failure message names, for each kind of failure (tests/sites/failure_kind_settings.py).
KINDS = {
    "exception": "while entering 'tests.contexts.fails_on_enter': RuntimeError: boom on enter",
    "system exit": "while entering 'tests.broken.contexts.exits_the_process': SystemExit: 3",
    "module raises at import": "while reading the settings: LifespanConfigurationError: a configuration "
    "problem (as `manage.py check` reports): django_lifespan_ctx.E003: LIFESPAN_CONTEXTS[2] "
    "'tests.broken.raises_at_import.context' could not be imported: RuntimeError: this module cannot "
    "be imported",
    "bad timeout": "django_lifespan_ctx.E009: LIFESPAN_STARTUP_TIMEOUT is 'soon'",
    "bad lazy startup": "django_lifespan_ctx.E011: LIFESPAN_LAZY_STARTUP is 'yes'",
    "mapping breaks on merge": "while merging what 'tests.broken.contexts.yields_a_treacherous_mapping' "
    "yielded: RuntimeError: this mapping cannot list its keys",
}
SERVED_ANYWAY = (
    "Lifespan startup complete",
    "lifespan' protocol appears unsupported",
    "without Lifespan support",
)


def failing(server: str, kind: str) -> ServerProcess:
    """The server, not started yet, with settings that fail in the way `kind` names."""
    process = ServerProcess(SERVERS[server], settings="tests.sites.failure_kind_settings")
    process.env["FAILURE_KIND"] = kind
    return process


@pytest.mark.server_grid
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("server", SERVERS)
def test_the_server_stops_instead_of_serving(server: str, kind: str) -> None:
    with failing(server, kind) as process:
        code = process.wait_for_exit(timeout=60)
    output = process.output
    assert not any(sign in output for sign in SERVED_ANYWAY), output
    # Our own line, once, naming the step; the server may echo the message it was sent.
    ours = [line for line in output.splitlines() if line.startswith("Lifespan startup failed while")]
    assert len(ours) == 1 and KINDS[kind] in ours[0], output
    # hypercorn 0.18 exits 0 on any startup failure (its own bug): for it, stopping is the proof.
    if server != "hypercorn":
        assert code != 0, output
    # Whatever was entered was exited, in reverse order.
    seen = events(output)
    entered = [event.split()[1] for event in seen if event.startswith("enter")]
    exited = [event.split()[1] for event in seen if event.startswith("exit")]
    opened = [name for name in entered if name in ("alpha", "beta", "yields_a_treacherous_mapping")]
    assert exited == opened[::-1], output


@pytest.mark.server_grid
@pytest.mark.parametrize("server", SERVERS)
def test_a_log_filter_that_raises_on_our_startup_line_changes_nothing(server: str) -> None:
    # Logging is an observer: the lifespan starts, serves, and stops as if it had logged.
    with failing(server, "startup log line") as process:
        process.wait_for("ignored, and not reported again")
        response = process.get("/state/")
        code = process.stop(signal.SIGTERM, timeout=60)
    output = process.output
    assert response.status_code == 200, output
    assert "Lifespan startup failed" not in output, output
    seen = events(output)
    assert seen[:2] == ["enter alpha", "enter beta"] and seen[-2:] == ["exit beta", "exit alpha"], output
    assert "2 contexts, 0 errors" in output, output
    assert code in (0, -signal.SIGTERM), output  # uvicorn passes SIGTERM on once it has stopped.


SHUTDOWN_KINDS = {
    "exit raises": "exiting 'tests.contexts.fails_on_exit': RuntimeError: boom on exit",
    "exit raises system exit": "exiting 'tests.broken.contexts.system_exit_on_exit': SystemExit: 4",
}


@pytest.mark.server_grid
@pytest.mark.parametrize("kind", SHUTDOWN_KINDS)
@pytest.mark.parametrize("server", SERVERS)
def test_the_server_is_told_of_a_shutdown_failure_and_every_context_is_exited(server: str, kind: str) -> None:
    with failing(server, kind) as process:
        process.wait_for("Lifespan startup complete")
        process.stop(signal.SIGTERM, timeout=60)
    output = process.output
    # Our own line, with the traceback; then what the server was sent, which each server logs.
    assert f"Lifespan shutdown: error while {SHUTDOWN_KINDS[kind]}" in output, output
    if not (server == "gunicorn -k asgi" and kind == "exit raises system exit"):
        # gunicorn's asgi worker ends on the SystemExit before it logs the message it got.
        assert f"Lifespan shutdown failed: {SHUTDOWN_KINDS[kind]}" in output, output
    exited = [event.split()[1] for event in events(output) if event.startswith("exit")]
    assert exited == [SHUTDOWN_KINDS[kind].split("'")[1].rsplit(".", 1)[1], "beta", "alpha"], output
