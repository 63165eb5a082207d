"""Draining, in this process: the server's own stop-signal handlers held back for the window.

Real signals, sent to this process, reach stand-ins for the two ways servers
catch them: a Python handler (uvicorn, gunicorn's workers, Twisted) and the
event loop's (hypercorn).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_lifespan_ctx._config.checks import check_settings
from django_lifespan_ctx._engine.process import reset_process
from django_lifespan_ctx._serving import draining
from django_lifespan_ctx._serving.draining import Drain, arm_drain, is_draining, wait_for_drain


@pytest.fixture(autouse=True)
def own_stop_signals() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)
    reset_process()


def python_server(loop: asyncio.AbstractEventLoop) -> tuple[list[int], asyncio.Event]:
    """A server that catches stop signals with signal.signal, as uvicorn does."""
    got: list[int] = []
    stopped = asyncio.Event()

    def handle_exit(number: int, frame: Any) -> None:
        got.append(number)
        loop.call_soon_threadsafe(stopped.set)

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, handle_exit)
    return got, stopped


def loop_server(loop: asyncio.AbstractEventLoop) -> tuple[list[int], asyncio.Event]:
    """A server that catches them with loop.add_signal_handler, as hypercorn does."""
    got: list[int] = []
    stopped = asyncio.Event()

    def handle_exit(number: int) -> None:
        got.append(number)
        stopped.set()

    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, handle_exit, number)
    return got, stopped


def run_on(loop_kind: str, main: Coroutine[Any, Any, None]) -> None:
    """Run main on asyncio's own loop or on uvloop's, as a server would."""
    factory = asyncio.new_event_loop
    if loop_kind == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        factory = uvloop.new_event_loop
    loop = factory()
    try:
        loop.run_until_complete(main)
    finally:
        loop.close()


async def drained_then_stopped(server: Any) -> None:
    loop = asyncio.get_running_loop()
    got, stopped = server(loop)
    drain = Drain(loop, 0.3)
    drain.arm()
    try:
        assert drain.armed and not is_draining()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(wait_for_drain(), 5)
        began = loop.time()
        assert is_draining() and got == []  # Held: the server has not seen it yet.
        await asyncio.wait_for(stopped.wait(), 5)
        assert got == [signal.SIGTERM]  # Then passed on, once, after the window.
        assert loop.time() - began >= 0.25
    finally:
        drain.disarm()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)


@pytest.mark.parametrize("loop_kind", ["asyncio", "uvloop"])
@pytest.mark.parametrize("server", [python_server, loop_server])
def test_the_first_signal_drains_then_reaches_the_server(server: Any, loop_kind: str) -> None:
    run_on(loop_kind, drained_then_stopped(server))


async def other_signals_still_reach_the_loop() -> None:
    loop = asyncio.get_running_loop()
    got, stopped = loop_server(loop)
    hups: list[int] = []
    hup = asyncio.Event()

    def on_hup() -> None:
        hups.append(signal.SIGHUP)
        hup.set()

    loop.add_signal_handler(signal.SIGHUP, on_hup)
    drain = Drain(loop, 60)
    drain.arm()
    try:
        os.kill(os.getpid(), signal.SIGHUP)  # Not a stop signal: the loop's handler runs, now.
        await asyncio.wait_for(hup.wait(), 5)
        assert hups == [signal.SIGHUP] and not is_draining() and got == []
        drain.disarm()
        os.kill(os.getpid(), signal.SIGTERM)  # Released: straight to the server, no drain.
        await asyncio.wait_for(stopped.wait(), 5)
        assert got == [signal.SIGTERM] and not is_draining()
    finally:
        drain.disarm()
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(number)


@pytest.mark.parametrize("loop_kind", ["asyncio", "uvloop"])
def test_other_signals_reach_the_loop_while_held_and_release_gives_back_the_stop_signals(
    loop_kind: str,
) -> None:
    run_on(loop_kind, other_signals_still_reach_the_loop())


@pytest.mark.parametrize("loop_kind", ["asyncio", "uvloop"])
def test_held_across_a_loop_that_runs_again(loop_kind: str) -> None:
    # granian's worker: handlers on the loop, one run for the startup, another to serve.
    # uvloop points the wakeup fd at a new socket of its own each time it runs.
    factory = asyncio.new_event_loop
    if loop_kind == "uvloop":
        factory = pytest.importorskip("uvloop").new_event_loop
    loop = factory()
    try:
        got, stopped = loop_server(loop)
        drain = Drain(loop, 0.3)

        async def startup() -> None:
            drain.arm()

        async def serve() -> None:
            await asyncio.sleep(0.1)  # The server's own start; the hold is taken back meanwhile.
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(wait_for_drain(), 5)
            assert got == []
            await asyncio.wait_for(stopped.wait(), 5)
            assert got == [signal.SIGTERM]

        loop.run_until_complete(startup())
        loop.run_until_complete(serve())
        drain.disarm()
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
        loop.close()


async def test_a_waiter_whose_loop_was_closed_does_not_stop_the_drain_from_ending() -> None:
    registered = threading.Event()

    def wait_on_a_loop_closed_under_it() -> None:
        other = asyncio.new_event_loop()
        waiting = other.create_task(wait_for_drain())
        other.call_soon(registered.set)
        other.run_until_complete(asyncio.sleep(0.01))
        other.close()  # Without cancelling the waiter: it stays in the list.
        assert not waiting.done()

    thread = threading.Thread(target=wait_on_a_loop_closed_under_it)
    thread.start()
    thread.join(10)
    assert registered.is_set() and len(draining._waiters) == 1  # pyright: ignore[reportPrivateUsage]
    loop = asyncio.get_running_loop()
    got, stopped = python_server(loop)
    drain = Drain(loop, 0.2)
    drain.arm()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(wait_for_drain(), 5)
        await asyncio.wait_for(stopped.wait(), 5)  # The window ended, and the server got its signal.
        assert got == [signal.SIGTERM] and draining._waiters == []  # pyright: ignore[reportPrivateUsage]
    finally:
        drain.disarm()


@pytest.mark.parametrize("server", [python_server, loop_server])
async def test_by_default_sigint_is_not_held_and_reaches_the_server_at_once(server: Any) -> None:
    loop = asyncio.get_running_loop()
    got, stopped = server(loop)
    drain = Drain(loop, 60)  # LIFESPAN_DRAIN_SIGNALS' default: SIGTERM alone.
    drain.arm()
    try:
        assert drain.armed
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C in a terminal.
        await asyncio.wait_for(stopped.wait(), 5)
        assert got == [signal.SIGINT] and not is_draining()
    finally:
        drain.disarm()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)


async def test_sigint_drains_too_when_the_setting_lists_it() -> None:
    loop = asyncio.get_running_loop()
    got, stopped = python_server(loop)
    with override_settings(LIFESPAN_DRAIN_SECONDS=0.2, LIFESPAN_DRAIN_SIGNALS=["SIGTERM", "SIGINT"]):
        drain = arm_drain()
    assert drain is not None
    try:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(wait_for_drain(), 5)
        assert got == []  # Held, like SIGTERM.
        await asyncio.wait_for(stopped.wait(), 5)
        assert got == [signal.SIGINT]
    finally:
        drain.disarm()


async def test_a_second_signal_ends_the_window_at_once() -> None:
    loop = asyncio.get_running_loop()
    got, stopped = python_server(loop)
    drain = Drain(loop, 60, signals=("SIGTERM", "SIGINT"))
    drain.arm()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(wait_for_drain(), 5)
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(stopped.wait(), 5)
        assert got == [signal.SIGTERM]  # The first signal is the one the server gets.
    finally:
        drain.disarm()


async def test_disarmed_the_server_gets_its_handlers_back_untouched() -> None:
    loop = asyncio.get_running_loop()
    python_server(loop)
    before = signal.getsignal(signal.SIGTERM)
    drain = Drain(loop, 5)
    drain.arm()
    assert signal.getsignal(signal.SIGTERM) is not before
    drain.disarm()
    assert signal.getsignal(signal.SIGTERM) is before


async def test_a_server_that_ignores_the_signal_gets_a_warning_not_a_drain(
    caplog: pytest.LogCaptureFixture,
) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    drain = Drain(asyncio.get_running_loop(), 5, "granian")
    drain.arm()
    assert not drain.armed and not draining.counting
    assert "LIFESPAN_DRAIN_SECONDS is 5, but granian cannot drain: the server ignores SIGTERM" in caplog.text
    assert "hypercorn --workers 0, under asyncio or uvloop" in caplog.text  # The fix, named.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN


async def test_a_signal_nothing_catches_gets_a_warning_not_a_drain(caplog: pytest.LogCaptureFixture) -> None:
    # hypercorn's worker processes: SIGTERM left at its default, the main process stops them.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    drain = Drain(asyncio.get_running_loop(), 5, "this server")
    drain.arm()
    assert not drain.armed and not draining.counting
    assert "cannot drain: nothing in this process catches SIGTERM" in caplog.text
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_outside_the_main_thread_it_says_why_it_cannot(caplog: pytest.LogCaptureFixture) -> None:
    def in_a_thread() -> None:
        async def arm() -> None:
            Drain(asyncio.get_running_loop(), 5).arm()

        asyncio.run(arm())

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert "does not run in the main thread, the only one that can catch signals" in caplog.text


async def test_off_by_default_and_nothing_is_held() -> None:
    before = signal.getsignal(signal.SIGTERM)
    assert arm_drain() is None
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize("value", [-1, "5", True, None, 10**400, float("inf"), float("nan"), 3600.5])
def test_the_setting_is_checked(value: Any) -> None:
    with override_settings(LIFESPAN_DRAIN_SECONDS=value):
        (error,) = check_settings()
    assert error.id == "django_lifespan_ctx.E018"
    assert "it must be a finite number of seconds, from 0 (no draining) to 3600 (an hour)" in error.msg
    assert error.hint and "at most an hour; not inf or nan" in error.hint


@pytest.mark.parametrize("value", [[], "SIGTERM", ["SIGHUP"], ["SIGTERM", 15], None])
def test_the_drain_signals_are_checked(value: Any) -> None:
    with override_settings(LIFESPAN_DRAIN_SECONDS=5, LIFESPAN_DRAIN_SIGNALS=value):
        (error,) = check_settings()
    assert error.id == "django_lifespan_ctx.E024"
    assert '"SIGTERM", "SIGINT" or both' in error.msg and error.hint and "Ctrl+C" in error.hint


def test_the_drain_signals_check_is_wired() -> None:
    with override_settings(LIFESPAN_DRAIN_SIGNALS=["SIGQUIT"]), pytest.raises(SystemCheckError, match="E024"):
        call_command("check")


@pytest.mark.parametrize("value", [0, 0.5, 3600])
def test_finite_windows_up_to_an_hour_pass(value: float) -> None:
    with override_settings(LIFESPAN_DRAIN_SECONDS=value):
        assert check_settings() == []


@pytest.mark.parametrize("seconds", [0, 5], ids=["no drain", "a drain armed"])
async def test_a_waiter_is_told_when_the_lifespan_shuts_down_without_a_drain_first(seconds: float) -> None:
    # A consumer awaiting wait_for_drain() must not wait on a lifespan that is gone.
    from django_lifespan_ctx.asgi import get_asgi_application
    from tests.asgi_driver import LifespanConversation

    with override_settings(LIFESPAN_DRAIN_SECONDS=seconds, LIFESPAN_CONTEXTS=[]):
        conversation = LifespanConversation(get_asgi_application(), state={})
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        waiter = asyncio.ensure_future(wait_for_drain())
        await asyncio.sleep(0)  # It is waiting now: nothing has drained.
        assert not waiter.done()
        assert (await conversation.shutdown())["type"] == "lifespan.shutdown.complete"
        await asyncio.wait_for(waiter, 5)
        assert await conversation.finish() is None
    assert not is_draining()
