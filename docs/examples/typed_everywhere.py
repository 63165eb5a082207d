"""One state type on every way in: views, current_state(), a command, a thread, Celery, tests.

`make lint` runs mypy and pyright over this file: every read below type-checks
as the type it names, with no cast.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from django.http import JsonResponse
from django.test import SimpleTestCase

from django_lifespan_ctx import LifespanHttpRequest, StateMapping, current_state, start_in_thread
from django_lifespan_ctx.contrib.celery import worker_lifespan
from django_lifespan_ctx.management import LifespanCommand
from django_lifespan_ctx.testing import LifespanTestMixin, lifespan_for_test


# --8<-- [start:mapping_protocol]
class ShopState(StateMapping, Protocol):
    catalogue: list[str]
    visits: int


async def state_keys(request: LifespanHttpRequest[ShopState]) -> JsonResponse:
    state = request.state
    return JsonResponse(
        {
            "keys": sorted(state),  # Iteration, from StateMapping.
            "size": len(state),
            "has_catalogue": "catalogue" in state,
            "first": state.catalogue[0],  # Attribute access, from ShopState.
        }
    )


# --8<-- [end:mapping_protocol]


# --8<-- [start:current_state]
def catalogue_size() -> int:
    # Anywhere a lifespan runs: a request, a command, a worker, a test.
    return len(current_state(ShopState).catalogue)


# --8<-- [end:current_state]


# --8<-- [start:command]
class Command(LifespanCommand[ShopState]):
    async def ahandle(self, *args: Any, **options: Any) -> str:
        return f"{len(self.state.catalogue)} titles, {self.state.visits} visits"


# --8<-- [end:command]


# --8<-- [start:thread]
def script() -> None:
    with start_in_thread(ShopState) as running:
        print(running.state.catalogue)


def task() -> int:
    # In a Celery task, after contrib.celery.connect().
    return worker_lifespan(ShopState).state.visits


# --8<-- [end:thread]


# --8<-- [start:tests]
async def test_catalogue() -> None:
    async with lifespan_for_test(ShopState, state={"catalogue": ["Dune"], "visits": 0}) as state:
        assert state.catalogue == ["Dune"]


class ShopTests(LifespanTestMixin[ShopState], SimpleTestCase):
    lifespan_given_state = {"catalogue": ["Dune"], "visits": 0}

    def test_catalogue(self) -> None:
        self.assertEqual(self.lifespan_state.catalogue, ["Dune"])


# --8<-- [end:tests]


@asynccontextmanager
async def shop() -> AsyncGenerator[dict[str, Any], None]:
    yield {"catalogue": ["Dune", "Emma"], "visits": 0}
