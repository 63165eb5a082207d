"""Calling one signal receiver in an owner of its own: a task, or a thread for a sync receiver.

The runner waits for each call with a deadline and never stands inside
receiver code, so a receiver that hangs, raises SystemExit, or swallows
cancellation costs only its own step.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction
from django.dispatch import Signal

from django_lifespan_ctx._engine.calls import call_in_task, call_in_thread

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
            call = functools.partial(self.receiver, **self.arguments)
            if iscoroutinefunction(self.receiver):
                self._task = call_in_task(self.loop, call, name="lifespan receiver", done=self._done)
            else:
                call_in_thread(call, name="lifespan receiver", done=self._done, loop=self.loop)
        except BaseException as exc:
            self._done(None, exc)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _done(self, result: Any, error: BaseException | None) -> None:
        if self.done:
            return
        self.error = error
        self.done = True
        self.wake()
        self.on_done(self)
