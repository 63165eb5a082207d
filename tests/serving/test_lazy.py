"""Servers that send no lifespan events: the default warning, and lazy startup."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from django.test import override_settings

from django_lifespan_ctx import LifespanStartupError, state_from_scope
from django_lifespan_ctx.asgi import get_asgi_application
from tests import contexts
from tests.asgi_driver import LifespanConversation, get


async def test_by_default_the_first_request_warns_once_and_missing_keys_name_the_setting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = get_asgi_application()
    with override_settings(LIFESPAN_CONTEXTS=[contexts.alpha]):
        _, errors = await get(app, "/missing/")
        await get(app, "/missing/")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "django_lifespan_ctx"]
    assert len(warnings) == 1
    assert "sent no lifespan events before its first request" in warnings[0].getMessage()
    assert "LIFESPAN_LAZY_STARTUP" in warnings[0].getMessage()
    for message in errors.values():
        assert "sent no lifespan events" in message and "LIFESPAN_LAZY_STARTUP = True" in message
    assert contexts.EVENTS == []


async def test_a_server_that_sends_lifespan_events_never_sees_the_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = get_asgi_application()
    conversation = LifespanConversation(app, state=None)
    await conversation.startup()
    await get(app, "/state/")
    await conversation.shutdown()
    assert "no lifespan events" not in caplog.text


@override_settings(LIFESPAN_LAZY_STARTUP=True, LIFESPAN_CONTEXTS=[contexts.alpha, contexts.slow_one])
async def test_lazy_startup_enters_once_for_many_simultaneous_first_requests() -> None:
    app = get_asgi_application()
    replies = await asyncio.gather(*(get(app, "/state/") for _ in range(20)))
    assert [status for status, _ in replies] == [200] * 20
    assert all(body["keys"] == ["alpha", "slow_one"] for _, body in replies)
    assert contexts.EVENTS == ["enter alpha", "enter slow_one"]
    assert app._lazy.host is not None
    assert await app._lazy.host.stop() == []
    assert contexts.EVENTS[2:] == ["exit slow_one", "exit alpha"]


@override_settings(LIFESPAN_LAZY_STARTUP=True, LIFESPAN_CONTEXTS=[contexts.alpha])
async def test_lazy_contexts_are_exited_when_the_loop_cancels_leftover_tasks() -> None:
    # What asyncio.run() does as a server's loop ends.
    app = get_asgi_application()
    await get(app, "/state/")
    assert app._lazy.host is not None and app._lazy.host._task is not None
    app._lazy.host._task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await app._lazy.host._task
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


@override_settings(LIFESPAN_LAZY_STARTUP=True)
async def test_a_failed_lazy_startup_fails_the_request_and_the_next_request_retries() -> None:
    app = get_asgi_application()
    failing = override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_enter])
    with failing, pytest.raises(LifespanStartupError, match="entering 'tests.contexts.fails_on_enter'"):
        await get(app, "/state/")
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]
    with override_settings(LIFESPAN_CONTEXTS=[contexts.beta]):
        status, body = await get(app, "/state/")
    assert (status, body["keys"]) == (200, ["beta"])
    assert app._lazy.host is not None
    await app._lazy.host.stop()


async def test_state_from_scope_reads_a_scope_or_falls_back_to_the_process_state() -> None:
    app = get_asgi_application()
    with override_settings(LIFESPAN_CONTEXTS=[contexts.alpha]):
        conversation = LifespanConversation(app, state=None)
        await conversation.startup()
        with_state: dict[str, Any] = {"state": {"given": 1}}
        without: dict[str, Any] = {"type": "websocket"}
        assert dict(state_from_scope(with_state)) == {"given": 1}
        state = state_from_scope(without)
        assert dict(state) == {"alpha": "value of alpha"}
        state.mine = 1  # A copy: the process state is untouched.
        assert "mine" not in state_from_scope({"type": "websocket"})
        await conversation.shutdown()
