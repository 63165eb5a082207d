"""State types for tests/config/test_statetype.py, named by dotted path in LIFESPAN_STATE_TYPE."""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Literal,
    NewType,
    Optional,
    Protocol,
    TypedDict,
    TypeVar,
    Union,
    runtime_checkable,
)

from django_lifespan_ctx import StateMapping
from tests.contexts import Resource

if TYPE_CHECKING:
    from decimal import Decimal  # Only for the type checker: unresolvable at run time.

T = TypeVar("T")
UserId = NewType("UserId", int)


class ProjectState(Protocol):
    resource: Resource
    count: int


class MappingState(StateMapping, Protocol):
    resource: Resource
    count: int


# Types code asks for with current_state(...), checked against ProjectState.
class CountOnly(Protocol):
    count: int


class CountAsText(Protocol):
    count: str


class CountAsObject(Protocol):
    count: object


class AsksForMore(Protocol):
    count: int
    title: str


class ListingOfText(Protocol):
    listing: list[str]


class CountDict(TypedDict):
    count: int


class RichState(Protocol):
    maybe: Optional[str]  # noqa: UP045
    either: Union[int, str]  # noqa: UP007
    piped: int | None
    listing: list[int]
    mapping: dict[str, Any]
    anything: Any
    generic: T  # type: ignore[valid-type]
    mode: Literal["fast", "slow"]
    user: UserId
    nested: BookDict

    @property
    def computed(self) -> int: ...

    def callback(self) -> None: ...


class BookDict(TypedDict):
    title: str


class BaseDict(TypedDict):
    client: str


class ItemState(BaseDict, total=False):
    optional: int


class NeedsOptional(TypedDict):
    optional: int


class HiddenTypes(Protocol):
    price: Decimal
    count: Annotated[int, "visits"]
    not_a_key = 1  # type: ignore[misc]  # No annotation: not a member of the protocol.

    @property
    def total(self) -> Decimal: ...


@runtime_checkable
class Closable(Protocol):
    def close(self) -> None: ...


NOT_A_TYPE = 42


class PlainClass:
    client: str
