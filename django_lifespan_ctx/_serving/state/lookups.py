"""current_state(): the lifespan State of whatever is running now, and where it is found.

Four places, tried in order: the request our handler serves (RequestContext, below),
a scope CurrentStateMiddleware passes on, a lifespan() block, and the process-wide
lifespan of start_in_thread().
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar, Token
from typing import Any, TypeVar, overload

from asgiref.sync import SyncToAsync, ThreadSensitiveContext

from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._serving.state.scope import state_for_scope, state_from_scope

Asked = TypeVar("Asked")

# Set by the handler for each request it serves, and by CurrentStateMiddleware
# for each scope it passes on; copied into the threads that asgiref runs sync
# views in, like every context variable.
request_scope: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "django_lifespan_ctx.request_scope", default=None
)
# Set by lifespan() (and so the test helpers and commands) for the code inside it.
hosted_state: ContextVar[State | None] = ContextVar("django_lifespan_ctx.hosted_state", default=None)

# The state of the lifespan start_in_thread() runs for the whole process: a
# plain global rather than a context variable, because it must be seen from
# threads that were started before it and copied no context from it.
_threaded_state: State | None = None

NO_STATE_MESSAGE = (
    "No lifespan state here. current_state() works inside a request served by "
    "django_lifespan_ctx.asgi.get_asgi_application() (sync views included), in an ASGI "
    "app wrapped in django_lifespan_ctx.CurrentStateMiddleware (Channels consumers), "
    "inside `async with django_lifespan_ctx.lifespan()`, in the ahandle() of a "
    "django_lifespan_ctx.management.LifespanCommand, and in any thread of a process "
    "that called django_lifespan_ctx.start_in_thread() (Celery workers through "
    "django_lifespan_ctx.contrib.celery). To start one here, use one of the last three."
)


def enter_hosted(state: State) -> Token[State | None]:
    return hosted_state.set(state)


def leave_hosted(token: Token[State | None]) -> None:
    try:
        hosted_state.reset(token)
    except ValueError:
        # Exited in another context than it was entered in (a fixture torn
        # down by another task): that context ends with its task anyway.
        pass


def set_threaded_state(state: State | None) -> None:
    """start_in_thread() puts its state here while it runs, and None when it stops."""
    global _threaded_state
    _threaded_state = state


# Callable[..., Asked] rather than type[Asked]: mypy accepts no Protocol for a
# type[...] parameter ("Only concrete class can be given"), and a class is a callable.
@overload
def current_state() -> State: ...
@overload
def current_state(state_type: Callable[..., Asked], /) -> Asked: ...


def current_state(state_type: Callable[..., Any] | None = None, /) -> Any:
    """The lifespan State of the request, consumer, lifespan or worker running now.

    ``current_state(ProjectState)`` is the same State, typed as ``ProjectState``
    for type checkers; when LIFESPAN_STATE_TYPE is set, ProjectState must ask
    for nothing it does not promise (TypeError otherwise). Raises LookupError,
    saying where a state is available, outside all of them.
    """
    if state_type is not None:
        # Imported here: the state type's introspection is not for every asgi.py to import.
        from django_lifespan_ctx._config.statetype import check_asked_type

        check_asked_type(state_type, "current_state({})")
    scope = request_scope.get()
    if scope is None:
        scope = running_request_scope()
    if scope is not None:
        return state_for_scope(scope)
    hosted = hosted_state.get()
    if hosted is not None:
        return hosted
    if _threaded_state is not None:
        return _threaded_state
    raise LookupError(NO_STATE_MESSAGE)


ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


class CurrentStateMiddleware:
    """Makes [`current_state()`][django_lifespan_ctx.current_state] work inside an ASGI app our
    handler does not serve.

    Channels routes websocket scopes to consumers through its
    ProtocolTypeRouter, never through our handler; wrap the consumers' router
    in this so [`current_state()`][django_lifespan_ctx.current_state] there is the consumer scope's state.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Gives a scope without a state (daphne) its own copy of the process's.
        state_from_scope(scope)
        token = request_scope.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            request_scope.reset(token)


# -- Which request is running, at no cost per request --
#
# Django's ASGIHandler enters a ``ThreadSensitiveContext`` for every request:
# asgiref keeps it in a context variable, which every task and every sync view's
# thread the request starts inherits. Our handler enters this subclass instead,
# carrying the request's scope. A context variable of our own would do the same
# job, but each one costs every request about 0.35% more CPU instructions: asgiref
# walks every context variable after each hop into a thread (see
# docs/benchmarks.md).


class RequestContext(ThreadSensitiveContext):
    scope: MutableMapping[str, Any]


def running_request_scope() -> MutableMapping[str, Any] | None:
    """The scope of the request our handler is serving here, or None outside one.

    None also inside a request whose ThreadSensitiveContext an enclosing app
    entered first (asgiref keeps the outermost): our handler then sets
    request_scope instead.
    """
    context = SyncToAsync.thread_sensitive_context.get(None)
    return context.scope if type(context) is RequestContext else None
