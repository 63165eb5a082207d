"""Typed keys, with no project-wide state type: reads are typed everywhere, wrong ones rejected."""

from __future__ import annotations

from typing import Any, Protocol

from django.http import HttpResponse
from django.test import SimpleTestCase

from django_lifespan_ctx import LifespanHttpRequest, StateKey, StateMapping, current_state, start_in_thread
from django_lifespan_ctx.contrib.celery import worker_lifespan
from django_lifespan_ctx.management import LifespanCommand
from django_lifespan_ctx.testing import (
    LifespanTestMixin,
    lifespan_for_test,
    lifespan_in_thread,
    override_state,
)


class PaymentsClient:
    def charge(self, cents: int) -> bool:
        return cents > 0


PAYMENTS_CLIENT = StateKey("payments.client", PaymentsClient)
VISITS = StateKey("visits", int)


async def view(request: LifespanHttpRequest) -> HttpResponse:
    client: PaymentsClient = request.state[PAYMENTS_CLIENT]
    charged: bool = request.state[PAYMENTS_CLIENT].charge(100)
    maybe: PaymentsClient | None = request.state.get(PAYMENTS_CLIENT)
    legacy: str = request.state["any string key"]  # String keys: Any, as ever.
    wrong: str = request.state[PAYMENTS_CLIENT]  # error
    typo = request.state[PAYMENTS_CLIENT].charg(100)  # error
    never = request.state[PAYMENTS_CLIENTS]  # noqa: F821  # error
    return HttpResponse(f"{client} {charged} {maybe} {legacy} {wrong} {typo} {never}")


class ProjectState(StateMapping, Protocol):
    catalogue: list[str]


async def beside_a_project_type(request: LifespanHttpRequest[ProjectState]) -> HttpResponse:
    # A project's Protocol (with StateMapping) and an app's typed key, in one view.
    titles: list[str] = request.state.catalogue
    client: PaymentsClient = request.state[PAYMENTS_CLIENT]
    wrong: int = request.state[PAYMENTS_CLIENT]  # error
    return HttpResponse(f"{titles} {client} {wrong}")


def elsewhere() -> None:
    visits: int = current_state()[VISITS]
    in_thread: int = start_in_thread().state[VISITS]
    in_worker: PaymentsClient = worker_lifespan().state[PAYMENTS_CLIENT]
    wrong: str = current_state()[VISITS]  # error
    print(f"{visits} {in_thread} {in_worker} {wrong}")


class Command(LifespanCommand):
    async def ahandle(self, *args: Any, **options: Any) -> None:
        client: PaymentsClient = self.state[PAYMENTS_CLIENT]
        count: str = self.state[VISITS]  # error
        print(f"{client} {count}")


async def tests() -> None:
    async with lifespan_for_test() as state:
        client: PaymentsClient = state[PAYMENTS_CLIENT]
    with lifespan_in_thread() as state:
        wrong: PaymentsClient = state[VISITS]  # error
    with override_state(PAYMENTS_CLIENT, PaymentsClient()), override_state(VISITS, 3):
        pass
    with override_state(PAYMENTS_CLIENT, "a fake of the wrong type"):  # error
        pass
    with override_state(VISITS, PaymentsClient()):  # error
        pass
    print(f"{client} {wrong}")


class PaymentsTests(LifespanTestMixin, SimpleTestCase):
    def test_reads(self) -> None:
        client: PaymentsClient = self.lifespan_state[PAYMENTS_CLIENT]
        wrong: int = self.lifespan_state[PAYMENTS_CLIENT]  # error
        print(f"{client} {wrong}")
