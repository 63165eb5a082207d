"""Failure semantics: every way startup or shutdown can fail, at every position."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from django.test import override_settings

from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup
from tests.asgi_driver import LifespanConversation
from tests.contexts import EVENTS, record

Expected = list[str | set[str]]
STARTUP_TIMEOUT = 0.3
SHUTDOWN_TIMEOUT = 0.3


def grid_context(
    name: str, *, fail: str | None = None, slow: bool = False, hanging: asyncio.Event | None = None
) -> Any:
    async def hang() -> None:
        if hanging is not None:
            hanging.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            record(f"cancel {name}")
            raise

    @asynccontextmanager
    async def context() -> AsyncIterator[dict[str, str]]:
        record(f"enter {name}")
        try:
            if slow:
                await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            record(f"cancel {name}")
            raise
        if fail == "enter":
            raise RuntimeError(f"{name} failed to enter")
        if fail == "hang on enter":
            await hang()
        yield {name: name}
        record(f"exit {name}")
        if fail == "exit":
            raise RuntimeError(f"{name} failed to exit")
        if fail == "hang on exit":
            await hang()

    context.__module__, context.__qualname__ = "grid", name
    return context


def plan_failing_at(where: str, fail: str | None) -> list[Any]:
    """[first, middle, (ga, gb, gc), last], with one of first, middle, gc, last failing."""

    def make(name: str, **kw: Any) -> Any:
        return grid_context(name, fail=fail if name == where else None, **kw)

    return [
        make("first"),
        make("middle"),
        (make("ga"), make("gb", slow=True), make("gc")),
        make("last"),
    ]


def chunk(events: list[str], expected: Expected) -> Expected:
    """Group the actual events the way `expected` does, so concurrent ones compare as sets."""
    shaped: Expected = []
    position = 0
    for item in expected:
        if isinstance(item, set):
            shaped.append(set(events[position : position + len(item)]))
            position += len(item)
        else:
            shaped.append(events[position] if position < len(events) else "<missing>")
            position += 1
    return shaped + events[position:]


ALL_ENTERED: Expected = ["enter first", "enter middle", {"enter ga", "enter gb", "enter gc"}, "enter last"]
ALL_EXITED: Expected = ["exit last", {"exit ga", "exit gb", "exit gc"}, "exit middle", "exit first"]

ENTER_FAILS: dict[str, Expected] = {
    "first": ["enter first"],
    "middle": ["enter first", "enter middle", "exit first"],
    # gb is still entering when gc fails: it is cancelled, while ga, already in, is exited.
    "gc": [
        "enter first",
        "enter middle",
        {"enter ga", "enter gb", "enter gc"},
        {"exit ga", "cancel gb"},
        "exit middle",
        "exit first",
    ],
    "last": [*ALL_ENTERED, *ALL_EXITED[1:]],
}
ENTER_HANGS: dict[str, Expected] = {
    "first": ["enter first", "cancel first"],
    "middle": ["enter first", "enter middle", "cancel middle", "exit first"],
    "gc": [
        "enter first",
        "enter middle",
        {"enter ga", "enter gb", "enter gc"},
        {"exit ga", "exit gb", "cancel gc"},
        "exit middle",
        "exit first",
    ],
    "last": [*ALL_ENTERED, "cancel last", *ALL_EXITED[1:]],
}


def with_cancel_after_exit(where: str) -> Expected:
    expected: Expected = []
    for item in ALL_EXITED:
        if isinstance(item, set) and f"exit {where}" in item:
            expected.append(item | {f"cancel {where}"})
        else:
            expected.append(item)
            if item == f"exit {where}":
                expected.append(f"cancel {where}")
    return [*ALL_ENTERED, *expected]


WHERE = ["first", "middle", "gc", "last"]


async def run_lifespan(setting: list[Any], **settings: Any) -> LifespanConversation:
    with override_settings(LIFESPAN_CONTEXTS=setting, **settings):
        conversation = LifespanConversation(get_asgi_application(), state={})
        reply = await conversation.startup()
        if reply["type"] == "lifespan.startup.complete":
            await conversation.shutdown()
        else:
            await conversation.finish()
    return conversation


def sent_types(conversation: LifespanConversation) -> list[str]:
    return [message["type"] for message in conversation.sent]


@pytest.mark.parametrize("where", WHERE)
async def test_a_context_that_raises_on_enter(where: str, caplog: pytest.LogCaptureFixture) -> None:
    conversation = await run_lifespan(plan_failing_at(where, "enter"))
    assert chunk(EVENTS, ENTER_FAILS[where]) == ENTER_FAILS[where]
    assert sent_types(conversation) == ["lifespan.startup.failed"]
    expected = f"Lifespan startup failed while entering 'grid.{where}': RuntimeError: {where} failed to enter"
    assert conversation.sent[0]["message"] == expected
    (logged,) = [r for r in caplog.records if r.name == "django_lifespan_ctx" and r.levelno == logging.ERROR]
    assert logged.getMessage() == expected and logged.exc_info is not None


@pytest.mark.parametrize("where", WHERE)
async def test_a_context_that_raises_on_exit(where: str, caplog: pytest.LogCaptureFixture) -> None:
    conversation = await run_lifespan(plan_failing_at(where, "exit"))
    assert chunk(EVENTS, [*ALL_ENTERED, *ALL_EXITED]) == [*ALL_ENTERED, *ALL_EXITED]
    assert sent_types(conversation) == ["lifespan.startup.complete", "lifespan.shutdown.failed"]
    message = f"exiting 'grid.{where}': RuntimeError: {where} failed to exit"
    assert conversation.sent[1]["message"] == f"Lifespan shutdown failed: {message}"
    assert any(message in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("where", WHERE)
async def test_a_context_that_hangs_on_enter_past_the_startup_timeout(where: str) -> None:
    conversation = await run_lifespan(
        plan_failing_at(where, "hang on enter"), LIFESPAN_STARTUP_TIMEOUT=STARTUP_TIMEOUT
    )
    assert chunk(EVENTS, ENTER_HANGS[where]) == ENTER_HANGS[where]
    assert sent_types(conversation) == ["lifespan.startup.failed"]
    assert conversation.sent[0]["message"] == (
        f"Lifespan startup failed while entering 'grid.{where}', "
        "when LIFESPAN_STARTUP_TIMEOUT (0.3 s) expired: TimeoutError"
    )


@pytest.mark.parametrize("where", WHERE)
async def test_a_context_that_hangs_on_exit_past_the_shutdown_timeout(where: str) -> None:
    conversation = await run_lifespan(
        plan_failing_at(where, "hang on exit"), LIFESPAN_SHUTDOWN_TIMEOUT=SHUTDOWN_TIMEOUT
    )
    expected = with_cancel_after_exit(where)
    assert chunk(EVENTS, expected) == expected  # The contexts after it are still exited.
    assert sent_types(conversation) == ["lifespan.startup.complete", "lifespan.shutdown.failed"]
    assert conversation.sent[1]["message"] == (
        f"Lifespan shutdown failed: exiting 'grid.{where}', "
        "when LIFESPAN_SHUTDOWN_TIMEOUT (0.3 s) expired: TimeoutError"
    )


async def test_a_failing_startup_receiver_fails_startup_and_exits_every_context() -> None:
    def broken_receiver(**kwargs: Any) -> None:
        raise ValueError("receiver broke")

    asgi_startup.connect(broken_receiver)
    asgi_shutdown.connect(broken_receiver)
    conversation = await run_lifespan(plan_failing_at("nowhere", None))
    assert chunk(EVENTS, [*ALL_ENTERED, *ALL_EXITED]) == [*ALL_ENTERED, *ALL_EXITED]
    assert sent_types(conversation) == ["lifespan.startup.failed"]
    assert (
        "running asgi_startup receiver 'tests.engine.test_failures.test_a_failing_startup_receiver"
        in conversation.sent[0]["message"]
    )
    assert "ValueError: receiver broke" in conversation.sent[0]["message"]


async def test_failing_shutdown_receivers_never_stop_the_exits_and_all_errors_are_reported() -> None:
    def first_broken(**kwargs: Any) -> None:
        raise ValueError("first receiver broke")

    async def second_broken(**kwargs: Any) -> None:
        raise KeyError("second")

    asgi_shutdown.connect(first_broken)
    asgi_shutdown.connect(second_broken)
    conversation = await run_lifespan(plan_failing_at("middle", "exit"))
    assert chunk(EVENTS, [*ALL_ENTERED, *ALL_EXITED]) == [*ALL_ENTERED, *ALL_EXITED]
    message = conversation.sent[1]["message"]
    assert "ValueError: first receiver broke" in message
    assert "KeyError: 'second'" in message
    assert "exiting 'grid.middle': RuntimeError: middle failed to exit" in message


async def test_a_timed_out_startup_receiver_is_named() -> None:
    async def slow_receiver(**kwargs: Any) -> None:
        await asyncio.Event().wait()

    asgi_startup.connect(slow_receiver)
    conversation = await run_lifespan([grid_context("only")], LIFESPAN_STARTUP_TIMEOUT=STARTUP_TIMEOUT)
    assert EVENTS == ["enter only", "exit only"]
    assert (
        "while running asgi_startup receiver 'tests.engine.test_failures."
        "test_a_timed_out_startup_receiver_is_named.<locals>.slow_receiver', "
        "when LIFESPAN_STARTUP_TIMEOUT (0.3 s) expired: TimeoutError" in conversation.sent[0]["message"]
    )


async def test_a_timeout_error_raised_by_a_context_is_not_mistaken_for_ours() -> None:
    @asynccontextmanager
    async def raises_timeout() -> AsyncIterator[None]:
        raise TimeoutError("the database did not answer")
        yield  # pragma: no cover

    conversation = await run_lifespan([raises_timeout], LIFESPAN_STARTUP_TIMEOUT=30)
    message = conversation.sent[0]["message"]
    assert "LIFESPAN_STARTUP_TIMEOUT" not in message
    assert "raises_timeout': TimeoutError: the database did not answer" in message


async def test_a_server_that_cancels_startup_gets_everything_exited() -> None:
    hanging = asyncio.Event()
    plan = [grid_context("first"), grid_context("middle", fail="hang on enter", hanging=hanging)]
    with override_settings(LIFESPAN_CONTEXTS=[*plan, grid_context("last")]):
        conversation = LifespanConversation(get_asgi_application(), state={})
        conversation.task = asyncio.create_task(
            conversation.app(conversation.scope, conversation.inbox.get, conversation._send)
        )
        await conversation.inbox.put({"type": "lifespan.startup"})
        await asyncio.wait_for(hanging.wait(), timeout=10)
        conversation.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await conversation.task
    assert EVENTS == ["enter first", "enter middle", "cancel middle", "exit first"]
    assert conversation.sent == [
        {
            "type": "lifespan.startup.failed",
            "message": "Lifespan startup failed while entering 'grid.middle', when the server "
            "cancelled startup: CancelledError",
        }
    ]


async def test_a_server_that_cancels_instead_of_sending_shutdown_gets_everything_exited() -> None:
    with override_settings(LIFESPAN_CONTEXTS=plan_failing_at("nowhere", None)):
        conversation = LifespanConversation(get_asgi_application(), state={})
        await conversation.startup()
        assert conversation.task is not None
        conversation.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await conversation.task
    assert chunk(EVENTS, [*ALL_ENTERED, *ALL_EXITED]) == [*ALL_ENTERED, *ALL_EXITED]


async def test_a_second_startup_message_is_logged_as_a_server_bug_and_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with override_settings(LIFESPAN_CONTEXTS=[grid_context("only")]):
        conversation = LifespanConversation(get_asgi_application(), state={})
        await conversation.startup()
        await conversation.inbox.put({"type": "lifespan.startup"})
        assert (await conversation.shutdown())["type"] == "lifespan.shutdown.complete"
    assert EVENTS == ["enter only", "exit only"]
    assert "Ignoring unexpected ASGI lifespan message 'lifespan.startup' after startup" in caplog.text


async def test_an_unexpected_first_message_is_a_clear_error() -> None:
    conversation = LifespanConversation(get_asgi_application(), state={})
    conversation.task = asyncio.create_task(
        conversation.app(conversation.scope, conversation.inbox.get, conversation._send)
    )
    await conversation.inbox.put({"type": "lifespan.bogus"})
    with pytest.raises(RuntimeError, match="Unexpected ASGI lifespan message 'lifespan.bogus'"):
        await conversation.task


async def test_each_phase_logs_its_total_time_and_each_context_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="django_lifespan_ctx")
    await run_lifespan([grid_context("one"), (grid_context("two"), grid_context("three"))])
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "django_lifespan_ctx"]
    info = [message for level, message in lines if level == "INFO"]
    assert len(info) == 2
    assert (
        info[0].startswith("Lifespan startup complete in ")
        and "3 contexts, state keys: one, two, three" in info[0]
    )
    assert info[1].startswith("Lifespan shutdown complete in ") and info[1].endswith("3 contexts, 0 errors")
    debug = sorted(message.split(" in ")[0] for level, message in lines if level == "DEBUG")
    assert debug == sorted(
        f"{verb} 'grid.{name}'" for verb in ("Entered", "Exited") for name in ("one", "two", "three")
    )


async def test_a_server_that_cancels_every_task_before_shutdown_still_gets_ordered_exits() -> None:
    # gunicorn's asgi worker cancels all tasks when it stops, group members' included.
    with override_settings(LIFESPAN_CONTEXTS=plan_failing_at("nowhere", None)):
        conversation = LifespanConversation(get_asgi_application(), state={})
        await conversation.startup()
        others = [t for t in asyncio.all_tasks() if t not in (asyncio.current_task(), conversation.task)]
        # One owner task per group member, and one for each run of single contexts
        # (first and middle share one; last has its own): every one of them is cancelled.
        assert len(others) == 5
        for task in others:
            task.cancel()
        await asyncio.sleep(0)
        assert (await conversation.shutdown())["type"] == "lifespan.shutdown.complete"
    assert chunk(EVENTS, [*ALL_ENTERED, *ALL_EXITED]) == [*ALL_ENTERED, *ALL_EXITED]
    assert all(task.done() for task in others)
