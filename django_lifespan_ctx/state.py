from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

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


def missing_key_message(key: object, present: list[str]) -> str:
    if not present:
        return f"{key!r} is not in the lifespan state. {NO_LIFESPAN_HINT}"
    listed = ", ".join(repr(name) for name in present)
    return f"{key!r} is not in the lifespan state. Keys present: {listed}."


class State(MutableMapping[str, Any]):
    """The lifespan state, readable as ``state["key"]`` or ``state.key``."""

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", {} if data is None else data)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._data[key]
        except KeyError:
            raise StateKeyError(missing_key_message(key, list(self._data))) from None

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        try:
            del self._data[key]
        except KeyError:
            raise StateKeyError(missing_key_message(key, list(self._data))) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails. Dunder probes (copy, pickle,
        # IPython) must get a plain AttributeError, not a state lookup.
        if name.startswith("__") or name == "_data":
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(missing_key_message(name, list(self._data))) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._data[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._data[name]
        except KeyError:
            raise AttributeError(missing_key_message(name, list(self._data))) from None

    def __copy__(self) -> State:
        return State(dict(self._data))

    def __reduce__(self) -> tuple[type[State], tuple[dict[str, Any]]]:
        return (State, (self._data,))

    def __repr__(self) -> str:
        return f"State({self._data!r})"


# The state of the lifespan that started last in this process, for scopes
# that carry none of their own (Channels consumers under daphne).
_process_state: dict[str, Any] = {}


def set_process_state(state: dict[str, Any]) -> None:
    global _process_state
    _process_state = state


def state_for_scope(scope: Any) -> State:
    """The State over a request scope's ``state`` dict.

    The one place that wraps a scope's state: ``request.state`` and
    ``current_state()`` both come through here.
    """
    return State(scope.get("state", {}))


def state_from_scope(scope: MutableMapping[str, Any]) -> State:
    """The lifespan State for an ASGI scope, such as a Channels consumer's.

    Servers with lifespan state support put a copy in every scope. A scope
    without one gets its own shallow copy of this process's lifespan state.
    """
    if "state" not in scope:
        scope["state"] = _process_state.copy()
    return State(scope["state"])
