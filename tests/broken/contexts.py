"""Contexts that fail outside their own enter: at merge time, or with SystemExit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from tests.contexts import record


@asynccontextmanager
async def exits_the_process() -> AsyncIterator[None]:
    record("enter exits_the_process")
    raise SystemExit(3)
    yield  # pragma: no cover


@asynccontextmanager
async def system_exit_on_exit() -> AsyncIterator[None]:
    record("enter system_exit_on_exit")
    yield
    record("exit system_exit_on_exit")
    raise SystemExit(4)


class Treacherous(Mapping[str, Any]):
    """A mapping that breaks when read: its keys cannot be listed."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("this mapping cannot list its keys")

    def __len__(self) -> int:
        return 1


@asynccontextmanager
async def yields_a_treacherous_mapping() -> AsyncIterator[Treacherous]:
    record("enter yields_a_treacherous_mapping")
    yield Treacherous()
    record("exit yields_a_treacherous_mapping")
