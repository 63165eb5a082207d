"""LifespanCommand: a management command whose ahandle() runs inside the project's lifespan."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from .._engine.hosts import lifespan
from .._engine.stop_signals import run_until_signalled
from ..exceptions import LifespanShutdownError, LifespanStartupError
from ..state import State


class LifespanCommand(BaseCommand):
    """Subclass it and write ``async def ahandle(self, *args, **options)``.

    The project's contexts are entered and the signals sent before ahandle()
    runs, and exited after it returns, raises, or is interrupted; during it,
    ``self.state`` and ``current_state()`` are the lifespan's State.
    """

    state: State

    async def ahandle(self, *args: Any, **options: Any) -> str | None:
        raise NotImplementedError("subclasses of LifespanCommand must provide an ahandle() method")

    def handle(self, *args: Any, **options: Any) -> str | None:
        try:
            return run_until_signalled(self._in_lifespan(args, options))
        except LifespanStartupError as exc:
            raise CommandError(str(exc)) from exc
        except LifespanShutdownError as exc:
            # Every exit has run; the output ahandle() returned is lost with the status.
            raise CommandError(str(exc)) from exc

    async def _in_lifespan(self, args: tuple[Any, ...], options: dict[str, Any]) -> str | None:
        async with lifespan() as state:
            self.state = state
            return await self.ahandle(*args, **options)
