"""LifespanCommand: a management command whose ahandle() runs inside the project's lifespan."""

from __future__ import annotations

from typing import Any, Generic, cast

from django.core.management.base import BaseCommand, CommandError

from django_lifespan_ctx._config.statetype import check_asked_type, state_type_argument
from django_lifespan_ctx._engine.exceptions import LifespanShutdownError, LifespanStartupError
from django_lifespan_ctx._engine.state import StateT
from django_lifespan_ctx._engine.stop_signals import run_until_signalled
from django_lifespan_ctx._serving.setup import lifespan


class LifespanCommand(BaseCommand, Generic[StateT]):
    """Subclass it and write ``async def ahandle(self, *args, **options)``.

    The project's contexts are entered and the signals sent before ahandle()
    runs, and exited after it returns, raises, or is interrupted; during it,
    ``self.state`` and [`current_state()`][django_lifespan_ctx.current_state] are the lifespan's
    [`State`][django_lifespan_ctx.State].
    ``class Command(LifespanCommand[ProjectState])`` types ``self.state`` as
    ``ProjectState``, checked against LIFESPAN_STATE_TYPE like
    [`current_state(ProjectState)`][django_lifespan_ctx.current_state].
    """

    state: StateT

    async def ahandle(self, *args: Any, **options: Any) -> str | None:
        raise NotImplementedError("subclasses of LifespanCommand must provide an ahandle() method")

    def handle(self, *args: Any, **options: Any) -> str | None:
        asked = state_type_argument(type(self), LifespanCommand)
        if asked is not None:
            # Before any context is entered: a wrong type is the command's own bug.
            try:
                check_asked_type(asked, "LifespanCommand[{}]")
            except TypeError as exc:
                raise CommandError(str(exc)) from exc
        try:
            return run_until_signalled(self._in_lifespan(args, options))
        except LifespanStartupError as exc:
            raise CommandError(str(exc)) from exc
        except LifespanShutdownError as exc:
            # Every exit has run; the output ahandle() returned is lost with the status.
            raise CommandError(str(exc)) from exc

    async def _in_lifespan(self, args: tuple[Any, ...], options: dict[str, Any]) -> str | None:
        async with lifespan() as state:
            self.state = cast(StateT, state)
            return await self.ahandle(*args, **options)
