"""The State mapping the engine fills (a dict readable as ``state.key``), its errors, and its types."""

from __future__ import annotations

import typing
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, ValuesView
from typing import TYPE_CHECKING, Any, Protocol, overload

if TYPE_CHECKING:
    from django_lifespan_ctx._config.keys import StateKey

T = typing.TypeVar("T")
D = typing.TypeVar("D")

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


if TYPE_CHECKING:
    # A default lets `LifespanCommand` or `LifespanHttpRequest` stand without a type
    # argument, even under mypy --strict; at run time the default is never consulted,
    # so Python before 3.13 needs no typing_extensions.
    from typing_extensions import TypeVar

    StateT = TypeVar("StateT", default=State)
else:
    from typing import TypeVar

    StateT = TypeVar("StateT")


class StateMapping(Protocol):
    """The mapping operations of State, for a Protocol that describes the state.

    A Protocol cannot inherit ``Mapping`` (a class, not a protocol), so a state
    typed as ``class ProjectState(Protocol)`` loses ``in``, iteration and ``len``.
    Inherit this one too, ``class ProjectState(StateMapping, Protocol)``, to keep
    them; LIFESPAN_STATE_TYPE does not count these methods as keys.
    """

    # A typed key reads as its type here too: `request.state[PAYMENTS_CLIENT]`.
    @overload
    def __getitem__(self, key: StateKey[T], /) -> T: ...
    @overload
    def __getitem__(self, key: str, /) -> Any: ...
    def __getitem__(self, key: str, /) -> Any: ...
    def __contains__(self, key: object, /) -> bool: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def keys(self) -> KeysView[str]: ...
    def values(self) -> ValuesView[Any]: ...
    def items(self) -> ItemsView[str, Any]: ...
    def get(self, key: str, default: Any = None, /) -> Any: ...
