from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from asgiref.typing import (
    ASGIReceiveCallable,
    ASGISendCallable,
    LifespanScope,
    LifespanShutdownCompleteEvent,
    LifespanShutdownFailedEvent,
    LifespanStartupCompleteEvent,
    LifespanStartupFailedEvent,
)
from django.core.handlers.asgi import ASGIHandler

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._engine.exceptions import Failure, LifespanShutdownError, LifespanStartupError
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._serving import draining
from django_lifespan_ctx._serving.state.lookups import RequestContext, request_scope
from django_lifespan_ctx._serving.state.request import LifespanASGIRequest
from django_lifespan_ctx._serving.state.scope import set_process_state

if TYPE_CHECKING:
    from django_lifespan_ctx._serving.lazy import LazyLifespan

logger = logging.getLogger("django_lifespan_ctx")

NO_LIFESPAN_WARNING = (
    "The ASGI server sent no lifespan events before its first request, so "
    "LIFESPAN_CONTEXTS were not entered and request.state is empty. Serve with a "
    "server that sends them (uvicorn, hypercorn, granian, gunicorn's asgi worker), "
    "or set LIFESPAN_LAZY_STARTUP = True to enter the contexts on the first request."
)


def _no_probes(scope: Any) -> None:
    return None


class ServingHandler(ASGIHandler):
    """Django's ASGI handler, plus the ASGI lifespan protocol and request.state.

    The probes are an operations feature, one layer up: the public
    ``LifespanASGIHandler`` (handler.py) plugs them in as ``probe_view`` and
    ``answer_probe``.
    """

    request_class = LifespanASGIRequest
    probe_view: Callable[[Any], Any] = staticmethod(_no_probes)
    answer_probe: Callable[..., Awaitable[None]]

    def __init__(self) -> None:
        super().__init__()
        # The state for servers whose request scopes carry none of their own.
        self.lifespan_state: dict[str, Any] = {}
        # False until a lifespan has started, or the first request has dealt
        # with its absence: the only per-request cost is reading this flag.
        self.lifespan_settled = False
        self._lazy: LazyLifespan | None = None  # Made on the first request, if ever needed.

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.lifespan(scope, receive, send)
                return
            await super().__call__(scope, receive, send)  # Django's error for other scopes.
            return
        if not self.lifespan_settled:
            await self._without_lifespan_events(scope)
        state = scope.get("state")
        if not state:
            # The ASGI spec's rule: each request gets a shallow copy. A server that
            # ran no lifespan gives none (daphne) or an empty one (uvicorn with
            # --lifespan off): either way the lazy startup's state goes there.
            if state is None:
                scope["state"] = self.lifespan_state.copy()
            else:
                state.update(self.lifespan_state)
        view = self.probe_view(scope)
        if view is not None:
            # Ahead of the middleware: a kubelet's Host (the pod's IP) is not refused, nor the
            # probe redirected; and a probe is not a request in flight that a drain waits for.
            await self.answer_probe(self, view, scope, receive, send)
            return
        # Django's ASGIHandler.__call__, inlined: awaiting it through super() would
        # put one more coroutine on every request's path. Its ThreadSensitiveContext
        # is ours, and carries the scope for current_state() (request_context.py).
        context = RequestContext()
        context.scope = scope
        counted = draining.counting  # Only while LIFESPAN_DRAIN_SECONDS arms a drain.
        if counted:
            draining.request_began()
        try:
            async with context:
                if context.token is None:
                    # An enclosing app entered a ThreadSensitiveContext first and asgiref
                    # keeps that one, not ours: tell current_state() the slower way.
                    request_scope.set(scope)
                await self.handle(scope, receive, send)
        finally:
            if counted:
                draining.request_ended()

    async def _without_lifespan_events(self, scope: Any) -> None:
        if scope.get("state"):
            # An enclosing app ran a lifespan whose state reached this scope: Django
            # mounted under Starlette/FastAPI with lifespan=lambda app: lifespan().
            self.lifespan_settled = True
            return
        if not conf.LIFESPAN_LAZY_STARTUP:
            log(logging.WARNING, NO_LIFESPAN_WARNING)
            self.lifespan_settled = True
            return
        from django_lifespan_ctx._serving.lazy import LazyLifespan, is_probe

        if self._lazy is None:
            self._lazy = LazyLifespan(sender=type(self))
        if is_probe(scope):
            # A probe answers at once from what the lifespan reports: it must
            # not wait for, nor fail with, the startup it is asked about.
            starting = asyncio.ensure_future(self._lazy.ensure_started())
            starting.add_done_callback(self._started_for_a_probe)
            return
        self._set_state(await self._lazy.ensure_started())

    def _started_for_a_probe(self, starting: asyncio.Future[dict[str, Any]]) -> None:
        # Retrieved either way; a failure was logged by the runner, and the next request retries.
        if not starting.cancelled() and starting.exception() is None:
            self._set_state(starting.result())

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
        # asgiref's LifespanScope leaves "state" untyped.
        server_state = cast("dict[str, Any] | None", cast("Mapping[str, Any]", scope).get("state"))
        # The engine is imported by the first lifespan, not by asgi.py: see handler.py.
        from django_lifespan_ctx._engine.runner import Runner
        from django_lifespan_ctx._serving.setup import SETUP

        runner = Runner(setup=SETUP, sender=type(self), scope=scope, state=server_state)
        try:
            await runner.startup()
        except BaseException as exc:
            text = str(runner.failure or exc)
            await _report_failure(send, _startup_failed(text), exc)
            # Like Starlette: tell the server, then raise, so drivers that wait
            # for the app (asgi-lifespan, TestClient) see the context's own error.
            raise _own_error(exc) from None
        try:
            drain = draining.arm_drain()
        except BaseException as exc:
            # The contexts are entered: whatever fails from here goes through the failure
            # path, so they are exited and the server stops instead of waiting for ever.
            text = f"Lifespan startup failed after the contexts were entered: {exc}"
            failures = await runner.shutdown()
            if failures:
                text += "; then the shutdown failed: " + "; ".join(map(str, failures))
            await _report_failure(send, _startup_failed(text), exc)
            raise
        self._set_state(runner.state)
        await send(LifespanStartupCompleteEvent(type="lifespan.startup.complete"))

        try:
            await self._wait_for_shutdown(receive)
        except asyncio.CancelledError:
            # Some servers cancel the lifespan task instead of sending shutdown.
            draining.lifespan_stopping(drain)
            await runner.shutdown()
            raise
        draining.lifespan_stopping(drain)
        failures = await runner.shutdown()
        if failures:
            text = "Lifespan shutdown failed: " + "; ".join(map(str, failures))
            failed = LifespanShutdownFailedEvent(type="lifespan.shutdown.failed", message=text)
            error = _shutdown_error(failures)
            await _report_failure(send, failed, error)
            raise error
        if runner.cancelled:
            raise asyncio.CancelledError
        await send(LifespanShutdownCompleteEvent(type="lifespan.shutdown.complete"))

    async def _wait_for_shutdown(self, receive: ASGIReceiveCallable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                return
            log(
                logging.ERROR,
                "Ignoring unexpected ASGI lifespan message %r after startup; only "
                "'lifespan.shutdown' may follow 'lifespan.startup'. This is a bug in "
                "the ASGI server.",
                message["type"],
            )


def _startup_failed(text: str) -> LifespanStartupFailedEvent:
    return LifespanStartupFailedEvent(type="lifespan.startup.failed", message=text)


def _own_error(exc: BaseException) -> BaseException:
    """The exception that caused a startup failure: the context's, not our wrapper."""
    if isinstance(exc, LifespanStartupError):
        return exc.failure.error
    return exc


def _shutdown_error(failures: list[Failure]) -> BaseException:
    for failure in failures:
        if not isinstance(failure.error, Exception):
            return failure.error  # KeyboardInterrupt, SystemExit: passed on as themselves.
    return failures[0].error if len(failures) == 1 else LifespanShutdownError(failures)


async def _report_failure(send: ASGISendCallable, message: Any, error: BaseException) -> None:
    """Send a failure event; a server that raises from send() (hypercorn) gets its way."""
    try:
        await send(message)
    except Exception as send_error:
        if isinstance(error, asyncio.CancelledError):
            # The server stopped listening when it cancelled us: nothing to tell.
            logger.debug("Could not send %r to the server", message["type"], exc_info=True)
            return
        raise send_error from _own_error(error)
