"""Test your views against the real lifespan: clients, a decorator and a mixin."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar, overload

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.test.client import AsyncClient, AsyncClientHandler, Client, ClientHandler

from ._engine.hosts import ThreadHost, lifespan
from .exceptions import raise_for_shutdown
from .state import State

__all__ = [
    "LifespanAsyncClient",
    "LifespanClient",
    "LifespanTestMixin",
    "lifespan_for_test",
    "lifespan_in_thread",
    "with_lifespan",
]

Target = TypeVar("Target", bound=Callable[..., Any])


class LifespanClientHandler(ClientHandler):
    def __init__(self, state: Mapping[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lifespan_state = state

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        request.state = State(dict(self.lifespan_state))  # type: ignore[attr-defined]
        return super().get_response(request)


class LifespanAsyncClientHandler(AsyncClientHandler):
    def __init__(self, state: Mapping[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lifespan_state = state

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        request.state = State(dict(self.lifespan_state))  # type: ignore[attr-defined]
        return await super().get_response_async(request)


class LifespanClient(Client):
    """Django's test Client, whose requests see ``state`` as ``request.state``.

    Each request gets its own shallow copy, as under a server.
    """

    def __init__(
        self, state: Mapping[str, Any] | None = None, enforce_csrf_checks: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(enforce_csrf_checks, **kwargs)
        self.handler = LifespanClientHandler({} if state is None else state, enforce_csrf_checks)


class LifespanAsyncClient(AsyncClient):
    """Django's AsyncClient, whose requests see ``state`` as ``request.state``."""

    def __init__(
        self, state: Mapping[str, Any] | None = None, enforce_csrf_checks: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(enforce_csrf_checks, **kwargs)
        self.handler = LifespanAsyncClientHandler({} if state is None else state, enforce_csrf_checks)


@asynccontextmanager
async def lifespan_for_test(
    *, contexts: Sequence[Any] | None = None, state: Mapping[str, Any] | None = None
) -> AsyncGenerator[State, None]:
    """The lifespan for one test: the project's, given contexts, or a given state.

    With ``state``, nothing is entered and no signal is sent: the test gets
    exactly that state.
    """
    if state is not None:
        if contexts is not None:
            raise TypeError("Pass contexts or state, not both.")
        yield State(dict(state))
        return
    async with lifespan(contexts=contexts) as running:
        yield running


@contextmanager
def lifespan_in_thread(
    *, contexts: Sequence[Any] | None = None, state: Mapping[str, Any] | None = None
) -> Generator[State, None, None]:
    """The same, for sync tests: the lifespan runs on an event loop in a thread of its own.

    Objects bound to that loop (async clients, pools) cannot be used from the
    test's thread; objects usable from sync code can.
    """
    if state is not None:
        if contexts is not None:
            raise TypeError("Pass contexts or state, not both.")
        yield State(dict(state))
        return
    host = ThreadHost(contexts=contexts, name="lifespan test loop")
    running = host.start()
    try:
        yield running
    finally:
        raise_for_shutdown(host.stop())


def _bind(test: Any, state: State) -> None:
    test.lifespan_state = state
    test.client = LifespanClient(state)
    test.async_client = LifespanAsyncClient(state)


def _wrap_method(method: Callable[..., Any], options: dict[str, Any]) -> Callable[..., Any]:
    if getattr(method, "_lifespan_wrapped", False):
        return method
    if iscoroutinefunction(method):

        @functools.wraps(method)
        async def async_test(self: Any, *args: Any, **kwargs: Any) -> Any:
            async with lifespan_for_test(**options) as state:
                _bind(self, state)
                return await method(self, *args, **kwargs)

        wrapped: Any = async_test
    else:

        @functools.wraps(method)
        def sync_test(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lifespan_in_thread(**options) as state:
                _bind(self, state)
                return method(self, *args, **kwargs)

        wrapped = sync_test
    wrapped._lifespan_wrapped = True
    return wrapped  # type: ignore[no-any-return]


def _wrap_beneath_decorators(method: Callable[..., Any], options: dict[str, Any]) -> Callable[..., Any]:
    """Wrap the test's own function, beneath any decorators on it.

    A test's decorators (@override_settings, @mock.patch) then apply to its
    lifespan too, as they would if the test entered it itself. Decorators made
    with functools.wraps keep the function they wrap in a closure cell; the
    wrapped version goes in that cell. Anything else is wrapped from outside.
    """
    outer = method
    while not getattr(outer, "_lifespan_wrapped", False):
        inner: Callable[..., Any] | None = getattr(outer, "__wrapped__", None)
        cells = getattr(outer, "__closure__", None) or ()
        holder = next((cell for cell in cells if cell.cell_contents is inner), None)
        if inner is None or holder is None:
            break
        if not hasattr(inner, "__wrapped__"):
            holder.cell_contents = _wrap_method(inner, options)
            return method
        outer = inner
    return _wrap_method(method, options)


def _wrap_class(cls: type, options: dict[str, Any]) -> type:
    for name, value in list(vars(cls).items()):
        if name.startswith("test") and callable(value):
            setattr(cls, name, _wrap_beneath_decorators(value, options))
    return cls


@overload
def with_lifespan(target: Target) -> Target: ...
@overload
def with_lifespan(
    *, contexts: Sequence[Any] | None = None, state: Mapping[str, Any] | None = None
) -> Callable[[Target], Target]: ...


def with_lifespan(
    target: Any = None,
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
) -> Any:
    """Run a test (method or class) inside the lifespan.

    During the test, ``self.lifespan_state`` is the State, and ``self.client``
    and ``self.async_client`` send requests that see it as ``request.state``.
    Async tests run the lifespan on their own loop; sync tests on a loop in
    a thread (see lifespan_in_thread).
    """
    options = {"contexts": contexts, "state": state}

    def decorate(target: Any) -> Any:
        if isinstance(target, type):
            return _wrap_class(target, options)
        return _wrap_beneath_decorators(target, options)

    return decorate if target is None else decorate(target)


class LifespanTestMixin:
    """Mix into SimpleTestCase or TestCase: every test runs inside the lifespan.

    Set ``lifespan_contexts`` or ``lifespan_given_state`` on the class to
    replace the project's contexts for all of its tests.
    """

    lifespan_contexts: Sequence[Any] | None = None
    lifespan_given_state: Mapping[str, Any] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _wrap_class(cls, {"contexts": cls.lifespan_contexts, "state": cls.lifespan_given_state})
