from __future__ import annotations

from typing import Any, Protocol

from django.http import HttpResponse
from django.test import SimpleTestCase

from django_lifespan_ctx import LifespanHttpRequest, State, StateMapping, current_state, start_in_thread
from django_lifespan_ctx.contrib.celery import worker_lifespan
from django_lifespan_ctx.management import LifespanCommand
from django_lifespan_ctx.testing import LifespanTestMixin, lifespan_for_test, lifespan_in_thread
from django_lifespan_ctx.threaded import running_lifespan


class ShopState(Protocol):
    catalogue: list[str]
    visits: int


class MappingShopState(StateMapping, Protocol):
    catalogue: list[str]
    visits: int


def reads_current_state() -> None:
    titles: list[str] = current_state(ShopState).catalogue
    anything: State = current_state()
    typo = current_state(ShopState).cataloge  # error
    print(f"{titles} {anything} {typo}")


class Command(LifespanCommand[ShopState]):
    async def ahandle(self, *args: Any, **options: Any) -> None:
        self.state.visits += 1
        self.state.visits = "many"  # error


class Untyped(LifespanCommand):
    async def ahandle(self, *args: Any, **options: Any) -> None:
        keys: list[str] = sorted(self.state)
        print(keys)


def reads_in_a_thread() -> None:
    running = start_in_thread(ShopState)
    visits: int = running.state.visits
    typo = running.state.cataloge  # error
    worker_visits: int = worker_lifespan(ShopState).state.visits
    worker_typo: str = worker_lifespan(ShopState).state.visits  # error
    process_typo = running_lifespan(ShopState).state.visit  # error
    print(f"{visits} {typo} {worker_visits} {worker_typo} {process_typo}")


async def reads_in_tests() -> None:
    async with lifespan_for_test(ShopState) as state:
        typo = state.cataloge  # error
    with lifespan_in_thread(ShopState) as state:
        wrong: str = state.visits  # error
    print(f"{typo} {wrong}")


class ShopTests(LifespanTestMixin[ShopState], SimpleTestCase):
    def test_reads(self) -> None:
        typo = self.lifespan_state.cataloge  # error
        print(f"{typo}")


async def mapping_operations(request: LifespanHttpRequest[MappingShopState]) -> HttpResponse:
    keys = sorted(request.state)
    size = len(request.state)
    present = "catalogue" in request.state
    typo = request.state.cataloge  # error
    return HttpResponse(f"{keys} {size} {present} {typo}")


async def a_protocol_without_mapping(request: LifespanHttpRequest[ShopState]) -> HttpResponse:
    return HttpResponse(f"{len(request.state)}")  # error
