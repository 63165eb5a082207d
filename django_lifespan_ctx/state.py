from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from ._keys import StateKey

T = TypeVar("T")
D = TypeVar("D")

NO_LIFESPAN_HINT = (
    "The lifespan state is empty. That usually means the ASGI server sent no "
    "lifespan events: daphne, uvicorn with --lifespan off, or a test client. "
    "Serve django_lifespan_ctx.asgi.get_asgi_application() under a server with "
    "lifespan support, or set LIFESPAN_LAZY_STARTUP = True to enter the contexts "
    "on the first request; or check that LIFESPAN_CONTEXTS lists the context "
    "that yields this key."
)


class StateKeyError(KeyError):
    # KeyError's str() is the repr of its argument; a sentence reads better.
    def __str__(self) -> str:
        return str(self.args[0])


def missing_key_message(key: object, present: Iterable[str]) -> str:
    listed = ", ".join(repr(name) for name in present)
    if not listed:
        return f"{key!r} is not in the lifespan state. {NO_LIFESPAN_HINT}"
    return f"{key!r} is not in the lifespan state. Keys present: {listed}."


class State(dict[str, Any]):
    """The lifespan state, readable as ``state["key"]`` or ``state.key``.

    A dict, so ``dict(state)``, ``**state``, ``in``, iteration and ``len`` work
    whatever the keys are. Its attributes are its keys: the instance's
    ``__dict__`` is the dict it was made from, which every write keeps equal to
    the State, and Python looks in an instance's ``__dict__`` before the methods
    of its class, so ``state.items`` is the key ``"items"`` when there is one
    (``State.items(state)`` is still the method). Reads by item and by attribute
    never run Python code of ours.

    ``State(data)`` starts with ``data``'s keys, and its writes also reach
    ``data``: a receiver handed ``State(runner_state)`` adds keys to the runner's
    dict. Write through the State afterwards, not to ``data`` directly: a key
    written to ``data`` alone reads back by attribute but not by item.
    """

    # The __dict__ is the wrapped dict rather than the State itself: a State
    # that held itself would be a reference cycle, left for the garbage
    # collector to find, and a request's State would cost every request that
    # reads it a collection's work instead of being freed when the request ends.
    __slots__ = ("__dict__",)

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        _adopt(self, {} if data is None else data)

    if TYPE_CHECKING:
        # For type checkers only: a read stays dict's own C code. A StateKey[T] reads as T.
        @overload
        def __getitem__(self, key: StateKey[T], /) -> T: ...
        @overload
        def __getitem__(self, key: str, /) -> Any: ...
        def __getitem__(self, key: str, /) -> Any: ...
        # dict.get's own overloads, less precise about a typed key's value than these.
        @overload  # type: ignore[override]
        def get(self, key: StateKey[T], /) -> T | None: ...
        @overload
        def get(self, key: StateKey[T], default: D, /) -> T | D: ...
        @overload
        def get(self, key: str, default: Any = None, /) -> Any: ...
        def get(self, key: str, default: Any = None, /) -> Any: ...  # pyright: ignore[reportIncompatibleMethodOverride]

    def __missing__(self, key: str) -> Any:
        raise StateKeyError(missing_key_message(key, self))

    def __getattr__(self, name: str) -> Any:
        # Only called when the key is absent and no method has the name. Dunder
        # probes (copy, pickle, templates, IPython) get a plain AttributeError.
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(missing_key_message(name, self))

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        if name not in self:
            raise AttributeError(missing_key_message(name, self))
        del self[name]

    # Every write goes to the source too (see the class docstring).

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.__dict__[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise StateKeyError(missing_key_message(key, self))
        super().__delitem__(key)
        self.__dict__.pop(key, None)

    def update(self, *args: Any, **kwargs: Any) -> None:
        changes = dict(*args, **kwargs)
        super().update(changes)
        self.__dict__.update(changes)

    def __ior__(self, other: Any) -> State:  # type: ignore[override,misc]
        self.update(other)
        return self

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return super().__getitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        if key not in self and not default:
            raise StateKeyError(missing_key_message(key, self))
        self.__dict__.pop(key, None)
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        key, value = super().popitem()
        self.__dict__.pop(key, None)
        return key, value

    def clear(self) -> None:
        super().clear()
        self.__dict__.clear()

    def __copy__(self) -> State:
        return State(dict(self))

    def copy(self) -> State:
        return State(dict(self))

    def __reduce__(self) -> tuple[type[State], tuple[dict[str, Any]]]:
        return (State, (dict(self),))

    def __repr__(self) -> str:
        return f"State({super().__repr__()})"


# State's set-up, in C calls only (no super(), no object.__setattr__): it runs
# on the first read of every request's state.
blank_state = dict.__new__
fill_state: Callable[[State, dict[str, Any]], None] = dict[str, Any].update
wrap_state: Callable[[State, dict[str, Any]], None] = State.__dict__["__dict__"].__set__


def _adopt(state: State, source: dict[str, Any]) -> None:
    fill_state(state, source)
    wrap_state(state, source)


# The methods a key hides from attribute access: every public name of State.
SHADOWABLE = frozenset(name for name in dir(State) if not name.startswith("_"))


def shadowed_method_warning(key: str, context: str) -> str | None:
    """The warning to log when ``context`` yields a key that hides a method of State."""
    if key not in SHADOWABLE:
        return None
    return (
        f"{context!r} yielded the key {key!r}, which hides State.{key}() on attribute access: "
        f"request.state.{key} is the key's value, not the method. Call the method as "
        f"State.{key}(state, ...), or rename the key to keep `state.{key}(...)` working."
    )


# The state of the lifespan that started last in this process, for scopes
# that carry none of their own (Channels consumers under daphne).
_process_state: dict[str, Any] = {}


def set_process_state(state: dict[str, Any]) -> None:
    global _process_state
    _process_state = state


def state_for_scope(scope: Any) -> State:
    """The State of a request scope: the same object on every call for that scope.

    The one place that wraps a scope's state: ``request.state`` and
    ``current_state()`` both come through here. The first call replaces the
    scope's ``state`` dict (the server's per-request copy) with a State over
    it, so the scope, the request and current_state() share one object.
    """
    state = scope.get("state")
    if type(state) is State:
        return state
    # State(...) without its Python frame; LifespanASGIRequest.state does the same.
    source: dict[str, Any] = {} if state is None else state
    scope["state"] = new = blank_state(State)
    fill_state(new, source)
    wrap_state(new, source)
    return new


def state_from_scope(scope: MutableMapping[str, Any]) -> State:
    """The lifespan State for an ASGI scope, such as a Channels consumer's.

    Servers with lifespan state support put a copy in every scope. A scope
    without one gets its own shallow copy of this process's lifespan state.
    """
    if "state" not in scope:
        scope["state"] = _process_state.copy()
    return state_for_scope(scope)
