from __future__ import annotations

from typing import Any

from django.test import override_settings

from django_lifespan_ctx import State
from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.handler import LifespanASGIHandler
from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup
from tests import contexts
from tests.asgi_driver import LifespanConversation, get


def sync_receiver(sender: Any, *, scope: Any, state: State, **kwargs: Any) -> None:
    contexts.record(f"sync receiver: {sender.__name__}, {scope['type']}, keys {sorted(state)}")


async def async_receiver(sender: Any, *, scope: Any, state: State, **kwargs: Any) -> None:
    contexts.record(f"async receiver: {sender.__name__}, {scope['type']}, keys {sorted(state)}")


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
async def test_receivers_run_after_startup_and_before_shutdown_with_scope_and_state() -> None:
    for signal in (asgi_startup, asgi_shutdown):
        signal.connect(sync_receiver)
        signal.connect(async_receiver)
    conversation = LifespanConversation(get_asgi_application(), state={})
    await conversation.startup()
    await conversation.shutdown()
    fired = "LifespanASGIHandler, lifespan, keys ['alpha']"
    both = {f"sync receiver: {fired}", f"async receiver: {fired}"}
    events = contexts.EVENTS
    # Django's asend() runs sync and async receivers concurrently: no order between them.
    assert (events[0], set(events[1:3]), set(events[3:5]), events[5:]) == (
        "enter alpha",
        both,
        both,
        ["exit alpha"],
    )


async def test_a_startup_receiver_can_add_state_that_requests_see() -> None:
    async def add_key(*, state: State, **kwargs: Any) -> None:
        state.from_receiver = "hello"

    asgi_startup.connect(add_key)
    app = get_asgi_application()
    server_state: dict[str, Any] = {}
    conversation = LifespanConversation(app, state=server_state)
    await conversation.startup()
    _, body = await get(app, "/state/", state=server_state.copy())
    assert body["keys"] == ["from_receiver"]
    await conversation.shutdown()


async def test_shutdown_receivers_get_the_state_even_if_the_server_cleared_its_dict() -> None:
    seen: list[list[str]] = []

    async def look(*, state: State, **kwargs: Any) -> None:
        seen.append(sorted(state))

    asgi_shutdown.connect(look)
    server_state: dict[str, Any] = {}
    with override_settings(LIFESPAN_CONTEXTS=[contexts.alpha]):
        conversation = LifespanConversation(get_asgi_application(), state=server_state)
        await conversation.startup()
        server_state.clear()  # What granian does before it sends lifespan.shutdown.
        assert (await conversation.shutdown())["type"] == "lifespan.shutdown.complete"
    assert seen == [["alpha"]]
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


async def test_the_core_issue_signal_example_runs_unchanged() -> None:
    from tests.signal_example.library.handlers import ASGILifespanSignalHandler

    class AppConfigStandIn:
        httpx_client: Any

    config = AppConfigStandIn()
    handler = ASGILifespanSignalHandler(app_config=config)
    asgi_startup.connect(handler.startup, weak=False)
    asgi_shutdown.connect(handler.shutdown, weak=False)
    conversation = LifespanConversation(LifespanASGIHandler(), state={})
    await conversation.startup()
    assert config.httpx_client.is_closed is False
    await conversation.shutdown()
    assert config.httpx_client.is_closed is True
