"""register_context(): the old way for a reusable app to add its contexts, deprecated.

An app now ships them declaratively, as ``lifespan_contexts`` on its AppConfig:
that is checked, listed and left out (LIFESPAN_EXCLUDE_APPS) by its label.
"""

from __future__ import annotations

import warnings
from typing import Any

from django_lifespan_ctx._config.sources import registered_contexts
from django_lifespan_ctx._engine.plan import same_raw

__all__ = ["register_context"]

DEPRECATED = (
    "register_context() is deprecated and will be removed in django-lifespan-ctx 1.0: list the "
    "context in `lifespan_contexts = [...]` on the app's AppConfig instead. Those are entered "
    "before LIFESPAN_CONTEXTS, named by the app in checks and in `manage.py lifespan`, and a "
    "project can leave them out with LIFESPAN_EXCLUDE_APPS."
)


def register_context(entry: Any) -> Any:
    """Deprecated: add a context (or a group, as a list) after those in LIFESPAN_CONTEXTS.

    Use ``lifespan_contexts`` on the app's AppConfig instead. Registering the
    same entry again is a no-op, and the function returns its argument, so it
    also works as a decorator, as it always has.
    """
    warnings.warn(DEPRECATED, DeprecationWarning, stacklevel=2)
    if not any(same_raw(entry, known) for known in registered_contexts):
        registered_contexts.append(entry)
    return entry
