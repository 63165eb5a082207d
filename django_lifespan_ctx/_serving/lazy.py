"""Startup on the first request, for servers that send no lifespan events."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from django_lifespan_ctx._engine.exceptions import Failure
from django_lifespan_ctx._engine.hosts import HostedRunner, hosted_runner
from django_lifespan_ctx._serving.draining import Drain, arm_drain, lifespan_stopping
from django_lifespan_ctx._serving.setup import SETUP


class _Interrupted(Exception):
    """Carries SystemExit or KeyboardInterrupt from the startup task to the requests waiting on it."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(repr(error))
        self.error = error


class LazyLifespan:
    """Enters the contexts once, however many first requests arrive together."""

    def __init__(self, sender: Any) -> None:
        self.sender = sender
        self.state: dict[str, Any] | None = None
        self.host: HostedRunner | None = None
        self._starting: asyncio.Task[dict[str, Any]] | None = None

    async def ensure_started(self) -> dict[str, Any]:
        if self.state is not None:
            return self.state
        if self._starting is None:
            self._starting = asyncio.create_task(self._start())
        starting = self._starting
        try:
            # Shielded: a first request whose client gives up must not cancel
            # the startup every other first request is waiting for.
            return await asyncio.shield(starting)
        except _Interrupted as held:
            raise held.error from None  # SystemExit, KeyboardInterrupt: in the request, not the loop.
        except Exception:
            if self._starting is starting:
                self._starting = None  # Everything was unwound; the next request retries.
            raise

    async def _start(self) -> dict[str, Any]:
        host = hosted_runner(SETUP, sender=self.sender)
        try:
            await host.start()
        except (Exception, asyncio.CancelledError):
            raise
        except BaseException as exc:
            # Raised out of this task, it would stop the event loop itself.
            raise _Interrupted(exc) from None
        try:
            drain = arm_drain()
        except BaseException as exc:
            # The contexts are entered: exit them before the request sees the error.
            await host.stop()
            if isinstance(exc, (Exception, asyncio.CancelledError)):
                raise
            raise _Interrupted(exc) from None
        self.host = host
        self.state = host.runner.state
        # Under Twisted (daphne) the exits run when the reactor shuts down.
        # Elsewhere they run when the event loop cancels its leftover tasks
        # as it ends, as asyncio.run() does: see HostedRunner.
        _exit_with_twisted(host, drain)
        return self.state


def is_probe(scope: Any) -> bool:
    """Whether the request is for a view marked as a probe (readyz/, livez/).

    Asked only while no lifespan has started, so it costs the request path nothing.
    """
    from django.urls import Resolver404, get_resolver

    path = scope["path"][len(scope.get("root_path", "")) :]
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return False
    return bool(getattr(match.func, "lifespan_probe", False))


def _exit_with_twisted(host: HostedRunner, drain: Drain | None) -> None:
    """Exit the contexts when a Twisted reactor (daphne's) shuts down."""
    reactor = sys.modules.get("twisted.internet.reactor")
    if reactor is None or not getattr(reactor, "running", False):
        return
    from twisted.internet import defer

    def stop() -> defer.Deferred[list[Failure]]:
        lifespan_stopping(drain)
        # Twisted waits for the Deferred before it stops the reactor.
        return defer.Deferred.fromFuture(asyncio.ensure_future(host.stop()))  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]

    reactor.addSystemEventTrigger("before", "shutdown", stop)
