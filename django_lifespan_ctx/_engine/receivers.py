"""Calling one signal receiver in an owner of its own: a task, or a thread for a sync receiver.

The runner waits for each call with a deadline and never stands inside
receiver code, so a receiver that hangs, raises SystemExit, or swallows
cancellation costs only its own step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction
from django.dispatch import Signal

from django_lifespan_ctx._engine.owner import close_thread_connections, post
from django_lifespan_ctx._engine.threads import start_owned_thread

Receiver = Callable[..., Any]


def live_receivers(signal: Signal, sender: Any) -> tuple[list[Receiver], list[Receiver]]:
    """(sync, async) receivers for ``sender``, as Django's own send() finds them."""
    if not signal.has_listeners(sender):
        return [], []
    found: Any = signal._live_receivers(sender)  # pyright: ignore[reportPrivateUsage]
    if isinstance(found, tuple):  # Django 5.0 and newer.
        pair = cast("tuple[list[Receiver], list[Receiver]]", found)
        return list(pair[0]), list(pair[1])
    receivers: list[Receiver] = list(found)  # pragma: no cover - older Django
    return (
        [r for r in receivers if not iscoroutinefunction(r)],
        [r for r in receivers if iscoroutinefunction(r)],
    )  # pragma: no cover


class ReceiverCall:
    """One receiver, called once; ``done`` is set, and ``wake`` told, when it returns or raises."""

    def __init__(
        self,
        receiver: Receiver,
        arguments: dict[str, Any],
        wake: Callable[[], None],
        on_done: Callable[[ReceiverCall], None],
    ) -> None:
        self.receiver = receiver
        self.arguments = arguments
        self.wake = wake
        self.on_done = on_done
        self.loop = asyncio.get_running_loop()
        self.done = False
        self.error: BaseException | None = None
        self.overdue = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        try:
            if iscoroutinefunction(self.receiver):
                self._task = self.loop.create_task(self._call_async())
            else:
                start_owned_thread(self._call_in_thread, name="lifespan receiver")
        except BaseException as exc:
            self.error = exc
            self._finish()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _call_async(self) -> None:
        try:
            await self.receiver(**self.arguments)
        except BaseException as exc:  # Kept here: SystemExit out of a task stops the loop.
            self.error = exc
        finally:
            self._finish()

    def _call_in_thread(self) -> None:
        try:
            self.receiver(**self.arguments)
        except BaseException as exc:
            self.error = exc
        finally:
            try:
                close_thread_connections()
            finally:
                post(self.loop, self._finish)

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        self.wake()
        self.on_done(self)
