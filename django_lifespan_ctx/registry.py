"""register_context(): how a reusable app adds its contexts after the project's."""

from __future__ import annotations

from typing import Any

from ._engine.plan import registered_contexts, same_raw

__all__ = ["register_context"]


def register_context(entry: Any) -> Any:
    """Add a context (or a group, as a list) after those in LIFESPAN_CONTEXTS.

    Meant for reusable apps, from ``AppConfig.ready()``. Registering the same
    entry again is a no-op, so a ``ready()`` that runs twice is harmless.
    Returns its argument, so it also works as a decorator.
    """
    if not any(same_raw(entry, known) for known in registered_contexts):
        registered_contexts.append(entry)
    return entry
