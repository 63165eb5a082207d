"""The state's types: LifespanHttpRequest, the StateT every typed surface shares, StateMapping."""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from typing import TYPE_CHECKING, Any, Generic, Protocol, overload

from django.http import HttpRequest

from .state import State

if TYPE_CHECKING:
    # A default lets `LifespanCommand` or `LifespanHttpRequest` stand without a type
    # argument, even under mypy --strict; at run time the default is never consulted,
    # so Python before 3.13 needs no typing_extensions.
    from typing_extensions import TypeVar

    from ._keys import StateKey

    StateT = TypeVar("StateT", default=State)
    T = TypeVar("T")
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


class LifespanHttpRequest(HttpRequest, Generic[StateT]):
    """Annotate views with ``LifespanHttpRequest[ProjectState]`` to type ``request.state``.

    ``ProjectState`` is a ``Protocol`` (read ``request.state.key``) or a
    ``TypedDict`` (read ``request.state["key"]``); LIFESPAN_STATE_TYPE makes
    startup check the real state against it. django-htmx's ``HtmxHttpRequest``
    is the model: the class exists for type checkers, and at run time requests
    are the handler's own (``LifespanASGIRequest``). Without a type argument,
    ``request.state`` is the plain [`State`][django_lifespan_ctx.State].
    """

    state: StateT
