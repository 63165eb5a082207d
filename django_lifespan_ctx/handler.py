from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, cast

from asgiref.typing import (
    ASGIReceiveCallable,
    ASGISendCallable,
    LifespanScope,
    LifespanShutdownCompleteEvent,
    LifespanShutdownFailedEvent,
    LifespanStartupCompleteEvent,
    LifespanStartupFailedEvent,
)
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIHandler

from .conf import conf
from .current import request_scope
from .exceptions import LifespanStartupError
from .lazy import LazyLifespan
from .registry import build_plan
from .runner import Runner
from .request import LifespanASGIRequest
from .state import set_process_state

logger = logging.getLogger("django_lifespan_ctx")

NO_LIFESPAN_WARNING = (
    "The ASGI server sent no lifespan events before its first request, so "
    "LIFESPAN_CONTEXTS were not entered and request.state is empty. Serve with a "
    "server that sends them (uvicorn, hypercorn, granian, gunicorn's asgi worker), "
    "or set LIFESPAN_LAZY_STARTUP = True to enter the contexts on the first request."
)


class LifespanASGIHandler(ASGIHandler):
    """Django's ASGI handler, plus the ASGI lifespan protocol and request.state."""

    request_class = LifespanASGIRequest

    def __init__(self) -> None:
        super().__init__()
        # The state for servers whose request scopes carry none of their own.
        self.lifespan_state: dict[str, Any] = {}
        # False until a lifespan has started, or the first request has dealt
        # with its absence: the only per-request cost is reading this flag.
        self.lifespan_settled = False
        self._lazy = LazyLifespan(sender=type(self))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(scope, receive, send)
            return
        if not self.lifespan_settled:
            await self._without_lifespan_events()
        if "state" not in scope:
            # The ASGI spec's rule: each request gets a shallow copy.
            scope["state"] = self.lifespan_state.copy()
        request_scope.set(scope)
        await super().__call__(scope, receive, send)

    async def _without_lifespan_events(self) -> None:
        if not conf.LIFESPAN_LAZY_STARTUP:
            logger.warning(NO_LIFESPAN_WARNING)
            self.lifespan_settled = True
            return
        self._set_state(await self._lazy.ensure_started())

    def _set_state(self, state: dict[str, Any]) -> None:
        self.lifespan_state = state
        set_process_state(state)
        self.lifespan_settled = True

    async def lifespan(
        self, scope: LifespanScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        message = await receive()
        if message["type"] == "lifespan.shutdown":
            # Shut down before starting: nothing was entered, nothing to exit.
            await send(LifespanShutdownCompleteEvent(type="lifespan.shutdown.complete"))
            return
        if message["type"] != "lifespan.startup":
            raise RuntimeError(
                f"Unexpected ASGI lifespan message {message['type']!r}: the server must "
                "send 'lifespan.startup' first. This is a bug in the ASGI server."
            )
        try:
            # asgiref's LifespanScope leaves "state" untyped.
            server_state = cast("dict[str, Any] | None", cast("Mapping[str, Any]", scope).get("state"))
            runner = Runner(build_plan(), sender=type(self), scope=scope, state=server_state)
        except ImproperlyConfigured as exc:
            logger.error("Lifespan startup failed: %s", exc)
            await send(_startup_failed(f"Lifespan startup failed: {exc}"))
            return
        try:
            await runner.startup()
        except LifespanStartupError as exc:
            await send(_startup_failed(str(exc)))
            return
        except asyncio.CancelledError:
            # The runner has unwound and logged; tell the server if it still listens.
            await _try_send(send, _startup_failed("Lifespan startup was cancelled."))
            raise
        self._set_state(runner.state)
        await send(LifespanStartupCompleteEvent(type="lifespan.startup.complete"))

        try:
            await self._wait_for_shutdown(receive)
        except asyncio.CancelledError:
            # Some servers cancel the lifespan task instead of sending shutdown.
            await runner.shutdown()
            raise
        failures = await runner.shutdown()
        if failures:
            text = "Lifespan shutdown failed: " + "; ".join(map(str, failures))
            await send(LifespanShutdownFailedEvent(type="lifespan.shutdown.failed", message=text))
        else:
            await send(LifespanShutdownCompleteEvent(type="lifespan.shutdown.complete"))

    async def _wait_for_shutdown(self, receive: ASGIReceiveCallable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                return
            logger.error(
                "Ignoring unexpected ASGI lifespan message %r after startup; only "
                "'lifespan.shutdown' may follow 'lifespan.startup'. This is a bug in "
                "the ASGI server.",
                message["type"],
            )


def _startup_failed(text: str) -> LifespanStartupFailedEvent:
    return LifespanStartupFailedEvent(type="lifespan.startup.failed", message=text)


async def _try_send(send: ASGISendCallable, message: Any) -> None:
    try:
        await send(message)
    except Exception:
        logger.debug("Could not send %r to the server", message["type"], exc_info=True)
