"""Every server Django users deploy on, proven with real processes on 127.0.0.1.

uvicorn has its own module (test_uvicorn.py); the load test is at the bottom.
"""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests import servers
from tests.servers import (
    SERVED_KEYS,
    ServerProcess,
    assert_one_lifecycle,
    events,
    events_by_process,
)

APP = "tests.sites.server_asgi:application"


def assert_serves_the_state(server: ServerProcess, requests: int = 6) -> list[dict[str, Any]]:
    bodies = [server.get("/state/").json() for _ in range(requests)]
    assert all(body["keys"] == SERVED_KEYS for body in bodies), bodies
    assert all(body["values"]["resource"] == "<Resource closed=False>" for body in bodies)
    assert server.get("/sync-state/").json()["keys"] == SERVED_KEYS
    return bodies


@pytest.mark.parametrize(
    ("stop_with", "whole_group"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    # On SIGINT to the master alone gunicorn sends uvicorn workers SIGQUIT and
    # waits (uvicorn issue 1116), with any app; Ctrl+C reaches the workers too.
    ids=["SIGTERM to the master", "Ctrl+C to the process group"],
)
def test_gunicorn_with_two_uvicorn_workers_runs_one_lifespan_per_worker(
    stop_with: int, whole_group: bool
) -> None:
    argv = servers.gunicorn(APP, "-w", "2")
    with ServerProcess(argv, settings="tests.sites.server_settings") as server:
        server.wait_for("Lifespan startup complete", count=2)
        assert_serves_the_state(server, requests=20)
        code = server.stop(stop_with, whole_group=whole_group)
    per_worker = events_by_process(server.output)
    assert len(per_worker) == 2, server.output
    for seen in per_worker.values():
        assert_one_lifecycle(seen)  # Each worker enters once and exits once, in its own process.
    assert code == 0, server.output


def assert_serves_one_lifecycle(argv: list[str], stop_with: int, *started: str) -> str:
    """Served once `started` lines are logged, stopped with the signal: one lifecycle, status 0."""
    with ServerProcess(argv, settings="tests.sites.server_settings") as server:
        for line in started:
            server.wait_for(line)
        assert_serves_the_state(server)
        code = server.stop(stop_with)
    assert_one_lifecycle(events(server.output))
    assert code == 0, server.output
    return server.output


def test_gunicorn_native_asgi_worker() -> None:
    argv = servers.gunicorn(APP, "-w", "1", worker="asgi")
    # This worker cancels every task before the lifespan shutdown; group members still exit in order.
    assert_serves_one_lifecycle(argv, signal.SIGTERM, "ASGI server listening on")


def test_hypercorn() -> None:
    assert_serves_one_lifecycle(servers.hypercorn(APP), signal.SIGINT, "Running on http://127.0.0.1")


def test_granian_which_clears_the_state_dict_before_shutdown() -> None:
    argv = servers.granian(APP)
    output = assert_serves_one_lifecycle(argv, signal.SIGINT, "Lifespan startup complete", "Started worker-1")
    assert "Lifespan shutdown complete" in output and "0 errors" in output


def test_daphne_by_default_warns_once_and_names_the_setting() -> None:
    argv = servers.daphne(APP)
    with ServerProcess(argv, settings="tests.sites.server_settings") as server:
        server.wait_for("Listening on TCP address")
        errors = server.get("/missing/").json()
        server.get("/state/")
        code = server.stop(signal.SIGINT)
    assert server.output.count("sent no lifespan events before its first request") == 1, server.output
    for message in errors.values():
        assert "the ASGI server sent no lifespan events" in message
        assert "LIFESPAN_LAZY_STARTUP = True" in message
    assert events(server.output) == []
    assert code == 0, server.output


async def _many_first_requests(url: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30) as client:
        return await asyncio.gather(*(client.get("/state/") for _ in range(count)))


def test_daphne_with_lazy_startup_and_a_channels_consumer() -> None:
    argv = servers.daphne("tests.sites.channels_asgi:application")
    with ServerProcess(argv, settings="tests.sites.lazy_server_settings") as server:
        server.wait_for("Listening on TCP address")
        first = asyncio.run(_many_first_requests(server.url, 30))
        with connect(f"ws://127.0.0.1:{server.port}/ws/state/", proxy=None) as socket:
            consumer = json.loads(socket.recv(timeout=10))
        code = server.stop(signal.SIGINT)
    bodies = [response.json() for response in first]
    assert all(body["keys"] == SERVED_KEYS for body in bodies)
    # Thirty simultaneous first requests, one startup; exited when daphne stopped.
    assert_one_lifecycle(events(server.output))
    assert consumer["keys"] == SERVED_KEYS
    assert consumer["resource_id"] == bodies[0]["ids"]["resource"]
    assert code == 0, server.output


def test_channels_under_uvicorn_http_and_websocket_share_the_state() -> None:
    argv = servers.uvicorn("tests.sites.channels_asgi:application", "--lifespan", "on")
    with ServerProcess(argv, settings="tests.sites.server_settings") as server:
        server.wait_for("Uvicorn running on")
        (http,) = assert_serves_the_state(server, requests=1)
        with connect(f"ws://127.0.0.1:{server.port}/ws/state/", proxy=None) as socket:
            consumer = json.loads(socket.recv(timeout=10))
        code = server.stop(signal.SIGINT)
    assert consumer == {
        "keys": SERVED_KEYS,
        "resource": "<Resource closed=False>",
        "resource_id": http["ids"]["resource"],
    }
    assert_one_lifecycle(events(server.output))
    assert code == 0, server.output


async def _load(url: str, total: int, concurrency: int) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30, limits=limits) as client:

        async def one() -> httpx.Response:
            async with gate:
                return await client.get("/client/")

        return await asyncio.gather(*(one() for _ in range(total)))


def test_a_thousand_requests_fifty_at_a_time_share_one_open_client() -> None:
    argv = servers.uvicorn(APP, "--lifespan", "on", "--no-access-log")
    # Development mode shows every ResourceWarning, such as an unclosed client.
    dev_mode = ["-X", "dev", "-W", "always::ResourceWarning"]
    with ServerProcess(argv, settings="tests.sites.load_settings", python_options=dev_mode) as server:
        server.wait_for("Uvicorn running on")
        responses = asyncio.run(_load(server.url, total=1000, concurrency=50))
        code = server.stop(signal.SIGINT)
    assert [r.status_code for r in responses] == [200] * 1000
    bodies = [r.json() for r in responses]
    assert len({body["id"] for body in bodies}) == 1  # One shared client.
    assert not any(body["closed"] for body in bodies)  # Never seen closed.
    assert events(server.output) == ["enter httpx_client", "exit httpx_client, client closed: True"]
    assert "ResourceWarning" not in server.output and "unclosed" not in server.output.lower()
    assert code == 0, server.output
