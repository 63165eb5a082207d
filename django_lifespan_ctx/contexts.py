"""Ready-made entries for LIFESPAN_CONTEXTS, and the type of an entry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, TypeAlias

from django_lifespan_ctx._ops.mounted import asgi_lifespan
from django_lifespan_ctx._ops.run_once import run_once
from django_lifespan_ctx._ops.services.spec import background, every

# `...`: a factory takes no argument, or the state so far (typed as the project likes).
_Factory: TypeAlias = Callable[..., AbstractAsyncContextManager[Any] | AbstractContextManager[Any]]

LifespanEntry: TypeAlias = str | _Factory | Sequence[str | _Factory]
"""One entry of LIFESPAN_CONTEXTS, for annotating the setting: `LIFESPAN_CONTEXTS: list[LifespanEntry]`.

An entry is a dotted path (`"mysite.lifespan.http_client"`); a factory, a callable
that returns a context manager, async or sync, called with no argument or with the
state so far; what [`background()`][django_lifespan_ctx.contexts.background],
[`every()`][django_lifespan_ctx.contexts.every],
[`run_once()`][django_lifespan_ctx.contexts.run_once] and
[`asgi_lifespan()`][django_lifespan_ctx.contexts.asgi_lifespan] return; or a group,
a list or tuple of such entries (not of groups), entered together.
"""

__all__ = ["LifespanEntry", "asgi_lifespan", "background", "every", "run_once"]
