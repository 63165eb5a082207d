from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from django.test import override_settings

from django_lifespan_ctx import LifespanShutdownError, LifespanStartupError, State, lifespan
from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup
from tests import contexts


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, (contexts.beta, contexts.gamma)])
async def test_lifespan_runs_contexts_and_signals_and_yields_the_state() -> None:
    async def receiver(signal: Any, sender: Any, **kwargs: Any) -> None:
        contexts.record(f"{'startup' if signal is asgi_startup else 'shutdown'} from {sender}")

    asgi_startup.connect(receiver)
    asgi_shutdown.connect(receiver)
    async with lifespan() as state:
        assert isinstance(state, State)
        assert sorted(state) == ["alpha", "beta", "gamma"]
        assert state.alpha == "value of alpha"
        assert contexts.EVENTS[-1] == "startup from None"
    assert contexts.EVENTS[-2:] == ["exit beta", "exit alpha"] or contexts.EVENTS[-2:] == [
        "exit gamma",
        "exit alpha",
    ]
    assert contexts.EVENTS[4] == "shutdown from None"


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_enter])
async def test_a_startup_failure_raises_after_exiting_what_was_entered() -> None:
    with pytest.raises(LifespanStartupError, match="entering 'tests.contexts.fails_on_enter'"):
        async with lifespan():
            pytest.fail("the body must not run")  # pragma: no cover
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.fails_on_exit, contexts.alpha, contexts.fails_on_exit_too])
async def test_shutdown_errors_are_all_raised_after_every_exit_ran() -> None:
    with pytest.raises(LifespanShutdownError) as info:
        async with lifespan():
            pass
    assert [failure.where for failure in info.value.failures] == [
        "exiting 'tests.contexts.fails_on_exit_too'",
        "exiting 'tests.contexts.fails_on_exit'",
    ]
    assert contexts.EVENTS[-3:] == ["exit fails_on_exit_too", "exit alpha", "exit fails_on_exit"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.with_task_group])
async def test_entering_and_exiting_from_different_tasks_is_safe() -> None:
    # Some test frameworks set up and tear down async fixtures in different tasks.
    manager = lifespan()
    state = await asyncio.create_task(manager.__aenter__())
    assert "ticks" in state
    await asyncio.create_task(manager.__aexit__(None, None, None))
    assert contexts.EVENTS[-1] == "exit with_task_group after some ticks"


async def async_def_factory() -> dict[str, int]:
    return {"a": 1}


def bare_generator() -> Iterator[dict[str, int]]:
    yield {"a": 1}


def returns_a_value() -> int:
    return 42


@pytest.mark.parametrize(
    ("factory", "fix"),
    [
        (
            async_def_factory,
            "is a plain `async def`, not a context manager factory. HINT: Make it yield the state "
            'once (`yield {"key": value}`) and decorate it with @contextlib.asynccontextmanager.',
        ),
        (
            bare_generator,
            "is a generator function, not a context manager factory. HINT: Decorate it with "
            "@contextlib.contextmanager (or make it an async generator decorated with "
            "@contextlib.asynccontextmanager).",
        ),
        (
            returns_a_value,
            "returned an int, not a context manager: return an object with __aenter__/__aexit__ "
            "(or __enter__/__exit__).",
        ),
    ],
)
async def test_a_factory_that_makes_no_context_manager_is_told_how_to_fix_it(factory: Any, fix: str) -> None:
    # No "coroutine was never awaited" warning either: warnings are errors here.
    with pytest.raises(LifespanStartupError) as info:
        async with lifespan(contexts=[factory]):
            pass  # pragma: no cover
    assert str(info.value).endswith(fix)


class Halt(BaseException):
    """Like KeyboardInterrupt or SystemExit, which asyncio would raise out of the test loop itself."""


async def test_a_base_exception_during_startup_unwinds_and_is_passed_on() -> None:
    @asynccontextmanager
    async def halts() -> AsyncIterator[None]:
        raise Halt
        yield  # pragma: no cover

    with pytest.raises(Halt):
        async with lifespan(contexts=[contexts.alpha, halts]):
            pass  # pragma: no cover
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]
