"""Requests per second under uvicorn: our handler reading the state, plain Django reading nothing."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .driver import alternate, median, table

CONNECTIONS = 50
SECONDS_PER_ROUND = 3.0
ROUNDS = 6
REPO = Path(__file__).resolve().parent.parent
READ_STATE = b"GET /read-state/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
NO_STATE = b"GET /no-state/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Uvicorn:
    def __init__(self, app: str, lifespan: str, request: bytes) -> None:
        self.request = request
        self.port = free_port()
        argv = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(self.port)]
        argv += ["--lifespan", lifespan, "--no-access-log", "--log-level", "warning"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)  # Polling a port that is not open yet; there is no event to await.
        raise RuntimeError(f"uvicorn on port {self.port} did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)
        assert self.process.stdout is not None
        self.process.stdout.close()


async def load(port: int, request: bytes, seconds: float) -> int:
    """Keep-alive GETs on CONNECTIONS connections for `seconds`; how many completed."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def connection() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                match = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
                await reader.readexactly(int(match.group(1)) if match else 0)
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head.decode(errors="replace"))
                done += 1
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return done


def run() -> str:
    servers = {
        "django-lifespan-ctx": Uvicorn("benchmarks.asgi_ours:application", "on", READ_STATE),
        "Django get_asgi_application()": Uvicorn("benchmarks.asgi_django:application", "off", NO_STATE),
    }
    try:
        for server in servers.values():
            server.wait_until_serving()
        for server in servers.values():  # Warm up.
            asyncio.run(load(server.port, server.request, 1.0))
        results = alternate(
            ROUNDS,
            {
                name: (
                    lambda server=server: (
                        asyncio.run(load(server.port, server.request, SECONDS_PER_ROUND)) / SECONDS_PER_ROUND
                    )
                )
                for name, server in servers.items()
            },
        )
    finally:
        for server in servers.values():
            server.stop()
    baseline = median(results["Django get_asgi_application()"])
    rows = [("uvicorn, 1 worker", "median requests/s", "ratio to Django")]
    for name, rates in results.items():
        rows.append((name, f"{median(rates):.0f}", f"{median(rates) / baseline:.3f}"))
    title = (
        f"End to end under uvicorn: {CONNECTIONS} keep-alive connections on loopback, "
        f"{ROUNDS} alternating rounds of {SECONDS_PER_ROUND:g} s"
    )
    return title + "\n" + table(rows)
