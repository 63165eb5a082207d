"""Reading factories without inspect.signature: the fast path agrees with inspect, or stands aside."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest

from django_lifespan_ctx._engine.plan import Shape, _code_shape, _read_kind  # pyright: ignore[reportPrivateUsage]


def by_inspect(factory: Any) -> Shape:
    parameters = inspect.signature(factory).parameters.values()
    keyword_only = tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty)
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return keyword_only, len(positional), sum(1 for p in positional if p.default is p.empty)


def kind_by_inspect(factory: Any) -> str | None:
    if inspect.isasyncgenfunction(factory):
        return "async generator function"
    if inspect.isgeneratorfunction(factory):
        return "generator function"
    if inspect.iscoroutinefunction(factory):
        return "coroutine function"
    return None


@asynccontextmanager
async def bare() -> AsyncIterator[None]:
    yield


@asynccontextmanager
async def with_state(state: Any) -> AsyncIterator[None]:
    yield


@contextmanager
def sync_with_default(state: Any = None, *, flag: bool = False) -> Iterator[None]:
    yield


def two(a: Any, b: Any, /, c: Any = 1, *args: Any, d: Any, e: Any = 2, **kwargs: Any) -> None: ...


def decorated(function: Any) -> Any:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return wrapper


def with_signature(a: Any, b: Any) -> None: ...


with_signature.__signature__ = inspect.signature(bare)  # type: ignore[attr-defined]


async def coroutine() -> None: ...


async def agen() -> AsyncIterator[None]:
    yield


def gen() -> Iterator[None]:
    yield


FUNCTIONS = [bare, with_state, sync_with_default, two, decorated(two), decorated(with_state), lambda x=1: x]


@pytest.mark.parametrize("factory", FUNCTIONS)
def test_a_functions_shape_read_from_its_code_is_what_inspect_reads(factory: Any) -> None:
    assert _code_shape(factory) == by_inspect(factory)


@pytest.mark.parametrize(
    "factory", [with_signature, decorated(with_signature), functools.partial(two, 1), int, print, object()]
)
def test_anything_but_a_plain_function_is_left_to_inspect(factory: Any) -> None:
    assert _code_shape(factory) is None


@pytest.mark.parametrize("factory", [*FUNCTIONS, coroutine, agen, gen, decorated(gen)])
def test_a_functions_kind_read_from_its_code_is_what_inspect_says(factory: Any) -> None:
    assert _read_kind(factory) == kind_by_inspect(factory)
