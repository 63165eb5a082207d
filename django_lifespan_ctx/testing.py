"""Test your views against the real lifespan: clients, a decorator and a mixin."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    AsyncExitStack,
    asynccontextmanager,
    contextmanager,
)
from typing import Any, Generic, TypeVar, overload

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.test import override_settings
from django.test.client import AsyncClient, AsyncClientHandler, Client, ClientHandler

from django_lifespan_ctx._config.keys import TEST_FIX, check_typed_values, typed_values_unchecked
from django_lifespan_ctx._config.statetype import (
    StateTypeMismatch,
    check_asked_type,
    check_state_type,
    state_type_argument,
)
from django_lifespan_ctx._engine.exceptions import Failure, LifespanStartupError, raise_for_shutdown
from django_lifespan_ctx._engine.state import State, StateT
from django_lifespan_ctx._engine.thread_host import ThreadHost
from django_lifespan_ctx._serving.setup import SETUP, lifespan
from django_lifespan_ctx._serving.state.lookups import request_scope
from django_lifespan_ctx._serving.state.overrides import override_state, overrides_for_test, with_overrides

__all__ = [
    "LifespanAsyncClient",
    "LifespanClient",
    "LifespanTestMixin",
    "lifespan_for_test",
    "lifespan_in_thread",
    "override_state",
    "with_lifespan",
]

Target = TypeVar("Target", bound=Callable[..., Any])
Asked = TypeVar("Asked")

OPT_OUT = (
    "check_state_type=False (in @pytest.mark.lifespan(...), @with_lifespan(...), "
    "lifespan_for_test(), lifespan_in_thread() or override_state(); "
    "lifespan_check_state_type = False "
    "on a LifespanTestMixin class)"
)


class LifespanClientHandler(ClientHandler):
    def __init__(self, state: Mapping[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lifespan_state = state

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        request.state = state = State(with_overrides(self.lifespan_state))  # type: ignore[attr-defined]
        # current_state() in the view (and what it calls) is this request's state, as under a server.
        token = request_scope.set({"type": "http", "state": state})
        try:
            return super().get_response(request)
        finally:
            request_scope.reset(token)


class LifespanAsyncClientHandler(AsyncClientHandler):
    def __init__(self, state: Mapping[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lifespan_state = state

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        request.state = state = State(with_overrides(self.lifespan_state))  # type: ignore[attr-defined]
        token = request_scope.set({"type": "http", "state": state})
        try:
            return await super().get_response_async(request)
        finally:
            request_scope.reset(token)


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


@contextmanager
def _state_type_rule(check: bool, given: Mapping[str, Any] | None) -> Generator[None, None, None]:
    """Around a test lifespan's startup: LIFESPAN_STATE_TYPE checked, with a test's fixes, or not.

    A replacement (contexts or a given state) is checked like the project's own
    contexts, so a test sees the state its views are typed for. ``check=False`` is
    the way out for a test that needs only part of the state.
    """
    if not check:
        # A setting, not a context variable: the thread host's loop reads it too.
        with override_settings(LIFESPAN_STATE_TYPE=None), typed_values_unchecked():
            yield
        return
    try:
        if given is not None:
            owners = dict.fromkeys(given, "the test's state={...}")
            check_state_type(given, owners, unset="the test's state={...} has no such key")
        yield
    except StateTypeMismatch as mismatch:
        where = "checking the test's state={...} against LIFESPAN_STATE_TYPE"
        raise LifespanStartupError(Failure(where, _with_fixes(mismatch, given)), []) from mismatch
    except LifespanStartupError as exc:
        if not isinstance(exc.failure.error, StateTypeMismatch):
            raise
        fixed = _with_fixes(exc.failure.error, given)
        raise LifespanStartupError(Failure(exc.failure.where, fixed), exc.cleanup) from exc


def _with_fixes(mismatch: StateTypeMismatch, given: Mapping[str, Any] | None) -> StateTypeMismatch:
    keys = ", ".join(repr(key) for key in mismatch.missing)
    if not mismatch.missing:
        fix = "give those keys values of the types LIFESPAN_STATE_TYPE declares"
    elif given is not None:
        fix = f"add {keys} to the test's state={{...}}"
    else:
        fix = (
            f"yield {keys} from the replacement contexts too (a fake of each), "
            "or give the whole state with state={...} instead of contexts"
        )
    message = f"{mismatch} In a test: {fix}; or leave the check out of this test with {OPT_OUT}."
    return StateTypeMismatch(message, mismatch.path, mismatch.missing)


def _given_state(
    contexts: Sequence[Any] | None,
    state: Mapping[str, Any] | None,
    check_state_type: bool,
    overrides: Mapping[str, Any] | None,
) -> State | None:
    """The state a test gave outright, checked and with its fakes; None: run a lifespan instead.

    Shared by both test lifespans, the async one and the one in a thread: they differ
    only in how they start and stop the lifespan itself.
    """
    if state is None:
        return None
    if contexts is not None:
        raise TypeError("Pass contexts or state, not both.")
    with _state_type_rule(check_state_type, state), overrides_for_test(overrides, check_state_type):
        check_typed_values(state, "the test's state={...} gave", TEST_FIX)
        return State(with_overrides(state))


@asynccontextmanager
async def _lifespan_for_test(
    contexts: Sequence[Any] | None,
    state: Mapping[str, Any] | None,
    check_state_type: bool,
    overrides: Mapping[str, Any] | None,
) -> AsyncGenerator[State, None]:
    given = _given_state(contexts, state, check_state_type, overrides)
    if given is not None:
        yield given
        return
    async with AsyncExitStack() as stack:
        with _state_type_rule(check_state_type, None):
            stack.enter_context(overrides_for_test(overrides, check_state_type))
            running = await stack.enter_async_context(lifespan(contexts=contexts))
        yield running


@overload
def lifespan_for_test(
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
    check_state_type: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> AbstractAsyncContextManager[State]: ...
@overload
def lifespan_for_test(
    state_type: Callable[..., Asked],
    /,
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
    check_state_type: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> AbstractAsyncContextManager[Asked]: ...


def lifespan_for_test(
    state_type: Callable[..., Any] | None = None,
    /,
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
    check_state_type: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> AbstractAsyncContextManager[Any]:
    """The lifespan for one test: the project's, given contexts, or a given state.

    With ``state``, nothing is entered and no signal is sent: the test gets
    exactly that state. Either way the state is checked against
    LIFESPAN_STATE_TYPE, unless ``check_state_type=False``. ``overrides={KEY: fake}``
    replaces those resources with fakes, as
    [`override_state()`][django_lifespan_ctx.testing.override_state] does.
    ``lifespan_for_test(ProjectState)`` yields it typed as ``ProjectState``.
    """
    if state_type is not None:
        check_asked_type(state_type, "lifespan_for_test({})")
    return _lifespan_for_test(contexts, state, check_state_type, overrides)


@contextmanager
def _lifespan_in_thread(
    contexts: Sequence[Any] | None,
    state: Mapping[str, Any] | None,
    check_state_type: bool,
    overrides: Mapping[str, Any] | None,
) -> Generator[State, None, None]:
    given = _given_state(contexts, state, check_state_type, overrides)
    if given is not None:
        yield given
        return
    host = ThreadHost(SETUP, contexts=contexts, name="lifespan test loop")
    # The fakes stay in place until the lifespan has stopped: clients made in the test see them.
    with overrides_for_test(overrides, check_state_type):
        with _state_type_rule(check_state_type, None):
            running = host.start()
        try:
            yield running
        finally:
            raise_for_shutdown(host.stop())


@overload
def lifespan_in_thread(
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
    check_state_type: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> AbstractContextManager[State]: ...
@overload
def lifespan_in_thread(
    state_type: Callable[..., Asked],
    /,
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
    check_state_type: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> AbstractContextManager[Asked]: ...


def lifespan_in_thread(
    state_type: Callable[..., Any] | None = None,
    /,
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
    check_state_type: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> AbstractContextManager[Any]:
    """The same, for sync tests: the lifespan runs on an event loop in a thread of its own.

    Objects bound to that loop (async clients, pools) cannot be used from the
    test's thread; objects usable from sync code can.
    """
    if state_type is not None:
        check_asked_type(state_type, "lifespan_in_thread({})")
    return _lifespan_in_thread(contexts, state, check_state_type, overrides)


def _check_asked(test: Any) -> None:
    # Checked when the test runs, under the settings its decorators give it.
    asked = state_type_argument(test.__class__, LifespanTestMixin)
    if asked is not None:
        check_asked_type(asked, "LifespanTestMixin[{}]")


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
            _check_asked(self)
            async with lifespan_for_test(**options) as state:
                _bind(self, state)
                return await method(self, *args, **kwargs)

        wrapped: Any = async_test
    else:

        @functools.wraps(method)
        def sync_test(self: Any, *args: Any, **kwargs: Any) -> Any:
            _check_asked(self)
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
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
    check_state_type: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> Callable[[Target], Target]: ...


def with_lifespan(
    target: Any = None,
    *,
    contexts: Sequence[Any] | None = None,
    state: Mapping[str, Any] | None = None,
    check_state_type: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> Any:
    """Run a test (method or class) inside the lifespan.

    During the test, ``self.lifespan_state`` is the State, and ``self.client``
    and ``self.async_client`` send requests that see it as ``request.state``.
    Async tests run the lifespan on their own loop; sync tests on a loop in
    a thread (see lifespan_in_thread).
    """
    options = {
        "contexts": contexts,
        "state": state,
        "check_state_type": check_state_type,
        "overrides": overrides,
    }

    def decorate(target: Any) -> Any:
        if isinstance(target, type):
            return _wrap_class(target, options)
        return _wrap_beneath_decorators(target, options)

    return decorate if target is None else decorate(target)


class LifespanTestMixin(Generic[StateT]):
    """Mix into SimpleTestCase or TestCase: every test runs inside the lifespan.

    Set ``lifespan_contexts`` or ``lifespan_given_state`` on the class to
    replace the project's contexts for all of its tests, and
    ``lifespan_check_state_type = False`` to leave LIFESPAN_STATE_TYPE unchecked, and
    ``lifespan_overrides = {KEY: fake}`` to replace resources with fakes (see
    [`override_state()`][django_lifespan_ctx.testing.override_state]).
    ``LifespanTestMixin[ProjectState]`` types ``self.lifespan_state`` as ``ProjectState``.
    """

    lifespan_state: StateT
    lifespan_contexts: Sequence[Any] | None = None
    lifespan_given_state: Mapping[str, Any] | None = None
    lifespan_check_state_type: bool = True
    lifespan_overrides: Mapping[str, Any] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        options = {
            "contexts": cls.lifespan_contexts,
            "state": cls.lifespan_given_state,
            "check_state_type": cls.lifespan_check_state_type,
            "overrides": cls.lifespan_overrides,
        }
        _wrap_class(cls, options)
