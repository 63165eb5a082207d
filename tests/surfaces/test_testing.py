"""The testing helpers, used the way users use them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import SimpleTestCase, override_settings

from django_lifespan_ctx import LifespanStartupError, State
from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup
from django_lifespan_ctx.testing import (
    LifespanAsyncClient,
    LifespanClient,
    LifespanTestMixin,
    lifespan_for_test,
    with_lifespan,
)
from tests import contexts

pytestmark = pytest.mark.lifespan(contexts=["tests.contexts.alpha", "tests.contexts.resource"])


async def test_lifespan_state_runs_the_contexts_around_the_test(lifespan_state: State) -> None:
    assert sorted(lifespan_state) == ["alpha", "resource"]
    assert contexts.EVENTS == ["enter alpha", "enter resource"]


async def test_lifespan_client_requests_see_the_state(lifespan_client: LifespanAsyncClient) -> None:
    response = await lifespan_client.get("/state/")
    assert response.json()["keys"] == ["alpha", "resource"]
    response = await lifespan_client.get("/sync-state/")
    assert response.json()["values"]["resource"] == "<Resource closed=False>"


async def test_writes_stay_within_each_test_client_request(lifespan_client: LifespanAsyncClient) -> None:
    first = (await lifespan_client.get("/write/")).json()
    second = (await lifespan_client.get("/write/")).json()
    assert first == second and first["before"] == ["alpha", "resource"]


@pytest.mark.lifespan(state={"alpha": "a stand-in"})
async def test_a_given_state_replaces_the_contexts(lifespan_client: LifespanAsyncClient) -> None:
    body = (await lifespan_client.get("/state/")).json()
    assert body["values"] == {"alpha": "'a stand-in'"}
    assert contexts.EVENTS == []


def test_sync_tests_get_a_sync_client_over_the_real_lifespan(lifespan_sync_client: LifespanClient) -> None:
    assert lifespan_sync_client.get("/sync-state/").json()["keys"] == ["alpha", "resource"]
    assert contexts.EVENTS == ["enter alpha", "enter resource"]


async def test_signals_run_in_the_helpers_in_server_order() -> None:
    async def startup(**kwargs: Any) -> None:
        contexts.record("startup signal")

    def shutdown(**kwargs: Any) -> None:
        contexts.record("shutdown signal")

    asgi_startup.connect(startup)
    asgi_shutdown.connect(shutdown)
    async with lifespan_for_test(contexts=[contexts.alpha]):
        pass
    assert contexts.EVENTS == ["enter alpha", "startup signal", "shutdown signal", "exit alpha"]


async def test_a_context_that_fails_to_start_fails_the_test_with_the_message() -> None:
    with pytest.raises(
        LifespanStartupError, match="entering 'tests.contexts.fails_on_enter': RuntimeError: boom on enter"
    ):
        async with lifespan_for_test(contexts=[contexts.alpha, contexts.fails_on_enter]):
            pass  # pragma: no cover
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]


def test_contexts_and_state_cannot_both_be_given() -> None:
    import asyncio

    async def both() -> None:
        async with lifespan_for_test(contexts=[], state={}):
            pass  # pragma: no cover

    with pytest.raises(TypeError, match="contexts or state, not both"):
        asyncio.run(both())


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.beta"])
class DjangoRunnerStyle(LifespanTestMixin, SimpleTestCase):
    """Django's test runner style: the mixin, override_settings, async and sync tests."""

    async def test_async_client_sees_the_settings_contexts(self) -> None:
        response = await self.async_client.get("/state/")
        self.assertEqual(response.json()["keys"], ["beta"])
        self.assertEqual(sorted(self.lifespan_state), ["beta"])

    def test_sync_client_sees_the_settings_contexts(self) -> None:
        self.assertEqual(self.client.get("/sync-state/").json()["keys"], ["beta"])

    @override_settings(LIFESPAN_CONTEXTS=["tests.contexts.gamma"])
    async def test_a_method_can_swap_the_contexts(self) -> None:
        response = await self.async_client.get("/state/")
        self.assertEqual(response.json()["keys"], ["gamma"])


class DecoratorStyle(SimpleTestCase):
    @with_lifespan(state={"client": "a mock client"})
    async def test_a_given_state(self) -> None:
        response = await self.async_client.get("/state/")
        self.assertEqual(response.json()["values"], {"client": "'a mock client'"})

    @with_lifespan(contexts=[contexts.alpha])
    def test_given_contexts_in_a_sync_test(self) -> None:
        self.assertEqual(self.client.get("/state/").json()["keys"], ["alpha"])
        self.assertEqual(contexts.EVENTS, ["enter alpha"])


def test_the_django_style_tests_exit_their_contexts() -> None:
    import unittest

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(DjangoRunnerStyle)
    result = unittest.TestResult()
    suite.run(result)
    assert result.wasSuccessful(), result.errors + result.failures
    assert result.testsRun == 3
    assert sorted(contexts.EVENTS) == sorted(["enter beta", "exit beta"] * 2 + ["enter gamma", "exit gamma"])
