"""Which request is running, for current_state(), at no cost per request.

Django's ASGIHandler enters a ``ThreadSensitiveContext`` for every request:
asgiref keeps it in a context variable, which every task and every sync view's
thread the request starts inherits. Our handler enters this subclass instead,
carrying the request's scope. A context variable of our own would do the same
job, but each one costs every request about 0.35% more CPU instructions: asgiref
walks every context variable after each hop into a thread (see
docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from asgiref.sync import SyncToAsync, ThreadSensitiveContext


class RequestContext(ThreadSensitiveContext):
    scope: MutableMapping[str, Any]


def running_request_scope() -> MutableMapping[str, Any] | None:
    """The scope of the request our handler is serving here, or None outside one.

    None also inside a request whose ThreadSensitiveContext an enclosing app
    entered first (asgiref keeps the outermost): our handler then sets
    current.request_scope instead.
    """
    context = SyncToAsync.thread_sensitive_context.get(None)
    return context.scope if type(context) is RequestContext else None
