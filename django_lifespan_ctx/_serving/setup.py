"""The one Setup the engine runs with, and the lifespan outside a server that uses it.

Here the layers meet: the settings and the state type (configuration) and the
``current_state()`` lookups (serving) go into the engine's Setup, so the engine
imports neither.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._config.configuration import configured
from django_lifespan_ctx._config.keys import key_label
from django_lifespan_ctx._engine.hosts import host_lifespan
from django_lifespan_ctx._engine.setup import Setup
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._serving.state.lookups import enter_hosted, leave_hosted
from django_lifespan_ctx._serving.state.overrides import add_unyielded, yielded_values


def _shutdown_timeout() -> float | None:
    return conf.LIFESPAN_SHUTDOWN_TIMEOUT


SETUP = Setup(
    configure=configured,
    shutdown_timeout=_shutdown_timeout,
    enter_hosted=enter_hosted,
    leave_hosted=leave_hosted,
    yielded=yielded_values,
    after_startup=add_unyielded,
    key_label=key_label,
)


@asynccontextmanager
async def lifespan(*, contexts: Sequence[Any] | None = None) -> AsyncGenerator[State, None]:
    """Run the project's lifespan (contexts and signals) outside a server.

    ``contexts`` replaces LIFESPAN_CONTEXTS and registered contexts for this
    run; the signals are sent either way. Inside,
    [`current_state()`][django_lifespan_ctx.current_state] is this state.
    """
    async with host_lifespan(SETUP, contexts=contexts) as state:
        yield state
