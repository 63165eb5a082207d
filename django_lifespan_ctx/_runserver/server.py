"""The engine behind ``manage.py runserver``: uvicorn, with the lifespan on.

Install it with ``pip install 'django-lifespan-ctx[runserver]'``.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import socket
from collections.abc import Callable, Generator
from typing import Any

from django_lifespan_ctx._config.extras import missing_extra

try:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG
except ImportError as exc:
    raise missing_extra("runserver", "uvicorn", "manage.py runserver with the lifespan") from exc

VERSION = uvicorn.__version__
GRACE_SECONDS = 3
"""Seconds in-flight requests get after a stop request; the contexts are exited after that regardless."""


def bind(host: str, port: int, *, ipv6: bool) -> socket.socket:
    """The listening socket, bound before the lifespan starts: a port in use fails first."""
    sock = socket.socket(socket.AF_INET6 if ipv6 else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus our INFO lines unless the project routes them already."""
    config = copy.deepcopy(LOGGING_CONFIG)
    if not logging.getLogger("django_lifespan_ctx").hasHandlers():
        config["loggers"]["django_lifespan_ctx"] = {
            "handlers": ["default"],
            "level": "INFO",
            "propagate": False,
        }
    return config


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_started = on_started

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # The runserver command owns the signals: every stop is graceful, and a
        # second Ctrl+C must not skip the lifespan shutdown as uvicorn's would.
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.on_started()


class Engine:
    """Serves one application until stop(), which may come from any thread."""

    def __init__(self, on_started: Callable[[], None]) -> None:
        self.on_started = on_started
        self._server: _Server | None = None
        self._stopping = False

    def serve(self, app: Any, sock: socket.socket) -> bool:
        """Serve until stopped; False when the lifespan startup failed."""
        config = uvicorn.Config(
            app, lifespan="on", log_config=log_config(), timeout_graceful_shutdown=GRACE_SECONDS
        )
        server = _Server(config, self.on_started)
        # No lock: stop() may run in a signal handler on this very thread. Set
        # before the flag is read, so a stop() at any point is seen by one or the other.
        self._server = server
        try:
            if self._stopping:
                return True
            server.run(sockets=[sock])
        except SystemExit:
            # uvicorn 0.30+ exits this way when the lifespan startup failed.
            if server.started:  # pragma: no cover - uvicorn raises it only before it starts
                raise
        finally:
            sock.close()
        return server.started

    def stop(self) -> None:
        self._stopping = True
        server = self._server
        if server is not None:
            server.should_exit = True
