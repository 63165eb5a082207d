"""LIFESPAN_DRAIN_SECONDS under real servers: not ready at once, no request dropped, then a clean stop.

A client sends requests back to back through SIGTERM while another polls
readyz/; an SSE stream and a WebSocket wait for the notice. What each saw,
and what the contexts logged, is checked against the promise.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests import servers
from tests.lifecycle_contexts import LOG_ENV, read_log
from tests.servers import ServerProcess

pytestmark = pytest.mark.integration

WINDOW = 2.0
APP = "tests.sites.drain_asgi:application"
# Each row names its event loop: uvicorn's and granian's "auto" pick uvloop when it is installed.
SERVERS = {
    "uvicorn --loop asyncio": servers.uvicorn(APP, "--loop", "asyncio"),
    "uvicorn --loop uvloop": servers.uvicorn(APP, "--loop", "uvloop"),
    "uvicorn --workers 2": servers.uvicorn(APP, "--workers", "2"),
    "gunicorn -k uvicorn_worker": servers.gunicorn(APP),
    "hypercorn --workers 0": servers.hypercorn(APP, "--workers", "0"),
    "hypercorn --workers 0 -k uvloop": servers.hypercorn(APP, "--workers", "0", "-k", "uvloop"),
    "granian": servers.granian(APP),
    "granian --loop asyncio": servers.granian(APP, "--loop", "asyncio"),
    "daphne": servers.daphne(APP),
    "runserver": servers.runserver("--noreload"),
}
# The line each row logs once it accepts connections: the table's, by the row's first word.
READY_LINE = {row: servers.LISTENING[row.split()[0]] for row in SERVERS}
# How soon readyz/ must answer 503 after the signal. uvicorn's supervisor looks at the
# signals it caught twice a second before it passes SIGTERM on to its workers.
NOT_READY_WITHIN = {"uvicorn --workers 2": 0.6}


@dataclass
class Seen:
    """What a client saw: (sent at, answered at, status or None for a failure)."""

    replies: list[tuple[float, float, int | None]] = field(default_factory=list)
    bodies: list[dict[str, object]] = field(default_factory=list)


def hammer(url: str, stop: threading.Event, seen: Seen, keep_body: bool = False) -> None:
    # A new connection for every request, as from a load balancer that keeps sending.
    n = 0
    while not stop.is_set():
        n += 1
        sent = time.monotonic()
        try:
            response = httpx.get(f"{url}?n={n}", timeout=5, trust_env=False)
            status: int | None = response.status_code
            if keep_body and response.headers.get("content-type") == "application/json":
                seen.bodies.append(response.json())
        except httpx.HTTPError:
            status = None
        seen.replies.append((sent, time.monotonic(), status))
        if status is None:
            time.sleep(0.01)  # Refused: the listener is closed; don't spin.


def read_stream(url: str, lines: list[str], opened: threading.Event) -> None:
    try:
        with httpx.stream("GET", url, timeout=30, trust_env=False) as response:
            for line in response.iter_lines():
                lines.append(line)
                if line == "data: connected":
                    opened.set()
    except httpx.HTTPError as exc:
        lines.append(f"error: {exc!r}")


def watch_websocket(url: str, received: list[object], opened: threading.Event) -> None:
    try:
        with connect(url, open_timeout=10) as websocket:
            opened.set()
            for message in websocket:
                received.append(message)
    except ConnectionClosed as closed:
        received.append(closed.rcvd.code if closed.rcvd else closed)
    except Exception as exc:
        received.append(exc)
    else:
        received.append(websocket.close_code)


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_drains_then_stops(tmp_path: Path, server: str) -> None:
    process = ServerProcess(SERVERS[server], settings="tests.sites.drain_settings")
    process.env.update({LOG_ENV: str(tmp_path / "lifecycle.log"), "DRAIN_SECONDS": str(WINDOW)})
    if server == "daphne":
        process.env["LAZY_STARTUP"] = "1"
    stop = threading.Event()
    work, ready = Seen(), Seen()
    stream_lines: list[str] = []
    ws_received: list[object] = []
    with process:
        process.wait_for(READY_LINE[server])
        process.wait_until_accepting()
        assert process.get("/work/").status_code == 200  # Daphne's lazy startup happens here.
        process.wait_for(r"Lifespan startup complete")
        assert process.get("/readyz/").status_code == 200
        stream_open, ws_open = threading.Event(), threading.Event()
        threads = [
            threading.Thread(target=hammer, args=(f"{process.url}/work/", stop, work)),
            threading.Thread(target=hammer, args=(f"{process.url}/readyz/", stop, ready, True)),
            threading.Thread(target=read_stream, args=(f"{process.url}/events/", stream_lines, stream_open)),
            threading.Thread(
                target=watch_websocket,
                args=(f"ws://127.0.0.1:{process.port}/ws/live/", ws_received, ws_open),
            ),
        ]
        for thread in threads:
            thread.daemon = True
            thread.start()
        assert stream_open.wait(10) and ws_open.wait(10), process.output
        while len(work.replies) < 5:
            time.sleep(0.01)
        assert process.process is not None
        signalled = time.monotonic()
        process.process.send_signal(signal.SIGTERM)
        code = process.wait_for_exit(WINDOW + 30)
        stopped = time.monotonic()
        stop.set()
        for thread in threads:
            thread.join(10)
    output = process.output

    # readyz/: 503 within 100 ms of the signal, and from then on, until the listener closed.
    late = [
        (sent, status)
        for sent, done, status in ready.replies
        if done > signalled + NOT_READY_WITHIN.get(server, 0.1)
    ]
    assert late and all(status in (503, None) for _, status in late), (late[:5], output)
    draining = [body for body in ready.bodies if body.get("status") == "draining"]
    assert draining and all(isinstance(body["in_flight"], int) for body in draining), output
    # The probe is not counted: with one request at a time in flight beside it, some
    # polls land between two of them (counted, every poll would say at least 1).
    assert min(int(body["in_flight"]) for body in draining) == 0, draining
    # Zero failed requests during the window; refused only after it.
    window = [status for sent, done, status in work.replies if signalled <= sent < signalled + WINDOW - 0.3]
    assert window and all(status == 200 for status in window), (window, output)
    refused = [sent for sent, done, status in work.replies if status is None]
    assert refused and min(refused) >= signalled + WINDOW - 0.3, output
    assert stopped - signalled < WINDOW + 10, output
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{process.url}/work/", timeout=2, trust_env=False)
    # The long-lived connections got the notice and closed cleanly.
    assert "event: draining" in stream_lines, (stream_lines, output)
    assert ws_received == ["draining: reconnect elsewhere", 1000], (ws_received, output)
    # The contexts were exited, once, after the last request they served.
    log = read_log(tmp_path / "lifecycle.log")
    for events in log.values():
        assert events[0] == "enter logged" and events[-1] == "exit logged", events
        assert events.count("exit logged") == 1
    assert code in (0, -signal.SIGTERM), output  # uvicorn raises the signal again once stopped.


def test_hypercorn_with_worker_processes_says_it_cannot_drain_and_stops_on_the_signal(tmp_path: Path) -> None:
    argv = servers.hypercorn(APP)
    process = ServerProcess(argv, settings="tests.sites.drain_settings")
    process.env.update({LOG_ENV: str(tmp_path / "lifecycle.log"), "DRAIN_SECONDS": str(WINDOW)})
    with process:
        process.wait_for(r"LIFESPAN_DRAIN_SECONDS is 2.0, but hypercorn cannot drain: .*--workers 0")
        code = process.stop(signal.SIGTERM)
    assert [events[-1] for events in read_log(tmp_path / "lifecycle.log").values()] == ["exit logged"]
    assert code == 0, process.output


@pytest.mark.parametrize("value", ["huge", "inf", "nan"])
def test_a_drain_window_out_of_range_is_refused_before_any_context_is_entered(
    tmp_path: Path, value: str
) -> None:
    # 10**400 once passed the check and overflowed float() after the contexts were entered.
    process = ServerProcess(servers.uvicorn(APP), settings="tests.sites.drain_bad_settings")
    process.env.update({LOG_ENV: str(tmp_path / "lifecycle.log"), "BAD_DRAIN": value})
    with process:
        code = process.wait_for_exit(60)
    output = process.output
    assert code != 0 and "Application startup failed. Exiting." in output, output
    assert "django_lifespan_ctx.E018: LIFESPAN_DRAIN_SECONDS is " in output, output
    assert "it must be a finite number of seconds, from 0 (no draining) to 3600" in output, output
    assert read_log(tmp_path / "lifecycle.log") == {}, output


@pytest.mark.parametrize("lazy", [False, True], ids=["lifespan events", "lazy startup"])
def test_a_drain_that_fails_to_arm_fails_the_startup_and_the_contexts_are_exited(
    tmp_path: Path, lazy: bool
) -> None:
    process = ServerProcess(
        servers.uvicorn("tests.sites.drain_fault_asgi:application", *(["--lifespan", "off"] if lazy else [])),
        settings="tests.sites.drain_settings",
    )
    process.env.update({LOG_ENV: str(tmp_path / "lifecycle.log"), "DRAIN_SECONDS": str(WINDOW)})
    if lazy:
        process.env["LAZY_STARTUP"] = "1"
    with process:
        if lazy:
            process.wait_for(servers.LISTENING["uvicorn"])
            assert process.get("/work/").status_code == 500  # The first request starts, and fails.
            process.wait_for(r"exit logged")
            code = process.stop(signal.SIGTERM)
        else:
            code = process.wait_for_exit(60)
    output = process.output
    assert "the drain could not be armed" in output, output
    (events,) = read_log(tmp_path / "lifecycle.log").values()
    assert events == ["enter logged", "exit logged"], output
    if not lazy:
        assert code != 0 and "Application startup failed. Exiting." in output, output
        assert "Lifespan startup failed after the contexts were entered" in output, output


@pytest.mark.parametrize(
    ("settings", "drains"),
    [("tests.sites.drain_settings", False), ("tests.sites.drain_signals_settings", True)],
    ids=["default: SIGTERM alone", "SIGINT listed"],
)
def test_ctrl_c_stops_at_once_unless_the_setting_lists_sigint(
    tmp_path: Path, settings: str, drains: bool
) -> None:
    process = ServerProcess(servers.uvicorn(APP), settings=settings)
    process.env.update({LOG_ENV: str(tmp_path / "lifecycle.log"), "DRAIN_SECONDS": "60"})
    with process:
        process.wait_for(servers.LISTENING["uvicorn"])
        assert process.get("/readyz/").status_code == 200
        assert process.process is not None
        process.process.send_signal(signal.SIGINT)
        if drains:
            process.wait_for(r"Draining after SIGINT")
            assert process.get("/readyz/").status_code == 503
            process.process.send_signal(signal.SIGINT)  # A second one ends the window.
        code = process.wait_for_exit(30)  # Far less than the 60 s window.
    assert ("Draining after" in process.output) is drains, process.output
    assert [events[-1] for events in read_log(tmp_path / "lifecycle.log").values()] == ["exit logged"]
    assert code in (0, -signal.SIGINT, 128 + signal.SIGINT), process.output
