"""start_in_thread(): the lifespan on a loop in a daemon thread, reached from any thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings

from django_lifespan_ctx import (
    LifespanShutdownError,
    LifespanStartupError,
    LifespanStoppedError,
    LifespanThread,
    State,
    current_state,
    lifespan,
    start_in_thread,
)
from django_lifespan_ctx import threaded as threaded_module
from django_lifespan_ctx._engine.thread_host import WARM_UP_BOUND
from django_lifespan_ctx.threaded import running_lifespan
from django_lifespan_ctx.worker import enter_worker, leave_worker, on_lifespan_loop, worker_lifespan
from tests import contexts

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@asynccontextmanager
async def loop_bound() -> AsyncIterator[dict[str, Any]]:
    # Like an async client or pool: usable only on the loop that made it.
    loop = asyncio.get_running_loop()
    contexts.record(f"enter loop_bound in {threading.current_thread().name}")
    yield {"loop": loop, "queue": asyncio.Queue()}
    contexts.record(f"exit loop_bound in {threading.current_thread().name}")


@pytest.fixture
def running() -> Iterator[LifespanThread]:
    handle = start_in_thread(contexts=[contexts.alpha, loop_bound])
    try:
        yield handle
    finally:
        handle.stop()


def test_the_contexts_are_entered_and_exited_on_the_loop_thread() -> None:
    handle = start_in_thread(contexts=[contexts.alpha, loop_bound])
    assert isinstance(handle.state, State)
    assert sorted(handle.state) == ["alpha", "loop", "queue"]
    handle.stop()
    thread = "django_lifespan_ctx lifespan"
    assert [
        "enter alpha",
        f"enter loop_bound in {thread}",
        f"exit loop_bound in {thread}",
        "exit alpha",
    ] == contexts.EVENTS


def test_run_runs_coroutines_on_the_lifespans_loop_and_returns_or_raises(running: LifespanThread) -> None:
    async def use_the_queue() -> bool:
        await running.state.queue.put("item")
        return asyncio.get_running_loop() is running.state.loop and await running.state.queue.get() == "item"

    async def fails() -> None:
        raise ValueError("from the coroutine")

    assert running.run(use_the_queue()) is True
    with pytest.raises(ValueError, match="from the coroutine"):
        running.run(fails())


def test_a_run_given_up_on_cancels_its_coroutine(running: LifespanThread) -> None:
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    # concurrent.futures' own TimeoutError on 3.10; the builtin one since 3.11.
    with pytest.raises(concurrent.futures.TimeoutError):
        running.run(forever(), timeout=0.05)
    assert cancelled.wait(5)


def test_current_state_is_the_lifespans_in_every_thread_while_it_runs(running: LifespanThread) -> None:
    seen: list[State] = []
    other = threading.Thread(target=lambda: seen.append(current_state()))
    other.start()
    other.join()

    async def on_the_loop() -> State:
        return current_state()

    assert seen == [running.state] and seen[0] is running.state
    assert current_state() is running.state
    assert running.run(on_the_loop()) is running.state
    assert running_lifespan() is running


async def test_a_lifespan_entered_inside_wins_over_the_process_one(running: LifespanThread) -> None:
    async with lifespan(contexts=[contexts.beta]) as inner:
        assert current_state() is inner
    assert current_state() is running.state


def test_after_stop_nothing_is_current_and_run_refuses() -> None:
    handle = start_in_thread(contexts=[contexts.alpha])
    handle.stop()
    with pytest.raises(LookupError, match="start_in_thread"):
        current_state()
    with pytest.raises(LookupError, match="start_in_thread"):
        running_lifespan()
    with pytest.raises(RuntimeError, match="not running"):
        handle.run(asyncio.sleep(0))


def test_stop_is_idempotent_and_raises_shutdown_errors_once() -> None:
    handle = start_in_thread(contexts=[contexts.fails_on_exit, contexts.alpha])
    with pytest.raises(LifespanShutdownError, match="exiting 'tests.contexts.fails_on_exit'"):
        handle.stop()
    handle.stop()
    assert contexts.EVENTS[-2:] == ["exit alpha", "exit fails_on_exit"]
    with pytest.raises(LookupError):
        current_state()


def test_a_startup_failure_raises_after_unwinding_and_leaves_nothing_running() -> None:
    handle = LifespanThread(contexts=[contexts.alpha, contexts.fails_on_enter])
    with pytest.raises(LifespanStartupError, match="entering 'tests.contexts.fails_on_enter'"):
        handle.start()
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]
    handle.stop()  # Nothing to do: idempotent here too.
    with pytest.raises(LookupError):
        current_state()
    with pytest.raises(RuntimeError, match="runs once"):
        handle.start()
    with pytest.raises(RuntimeError, match="not started"):
        handle.state  # noqa: B018


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
def test_as_a_context_manager_it_runs_the_projects_lifespan() -> None:
    with LifespanThread() as running:
        assert current_state() is running.state
        assert running.state.alpha == "value of alpha"
    with start_in_thread() as running:
        assert running.run(_read_alpha()) == "value of alpha"
    assert contexts.EVENTS == ["enter alpha", "exit alpha", "enter alpha", "exit alpha"]


async def _read_alpha() -> str:
    return str(current_state().alpha)


def test_one_per_process_a_second_start_says_so(running: LifespanThread) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        start_in_thread(contexts=[contexts.beta])
    assert "enter beta" not in contexts.EVENTS


def test_run_from_the_loops_own_thread_refuses_instead_of_waiting_forever(running: LifespanThread) -> None:
    async def nested() -> str:
        try:
            running.run(asyncio.sleep(0))
        except RuntimeError as exc:
            return str(exc)
        return "no error"  # pragma: no cover

    async def stop_inside() -> str:
        try:
            running.stop()
        except RuntimeError as exc:
            return str(exc)
        return "no error"  # pragma: no cover

    assert "own loop" in running.run(nested())
    assert "own loop" in running.run(stop_inside())


def test_the_exit_hook_stops_a_lifespan_nobody_stopped(caplog: pytest.LogCaptureFixture) -> None:
    start_in_thread(contexts=[contexts.fails_on_exit])
    threaded_module._stop_at_exit()
    assert contexts.EVENTS[-1] == "exit fails_on_exit"
    assert "Lifespan shutdown failed" in caplog.text
    threaded_module._stop_at_exit()  # Nothing running: nothing to do.


def test_repr_says_where_it_stands() -> None:
    handle = LifespanThread(contexts=[])
    assert repr(handle) == "<LifespanThread not started>"
    handle.start()
    assert repr(handle) == "<LifespanThread running>"
    handle.stop()
    assert repr(handle) == "<LifespanThread stopped>"


def _child_looks(queue: Any) -> None:
    try:
        current_state()
    except LookupError:
        queue.put("no state in the child")
    else:  # pragma: no cover - the failure this test exists for
        queue.put("the parent's state leaked into the child")


# Python 3.12+ warns that forking a threaded process can deadlock; this child only reads a global.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_does_not_see_the_parents_lifespan(running: LifespanThread) -> None:
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    child = fork.Process(target=_child_looks, args=(queue,))
    child.start()
    child.join(10)
    assert queue.get(timeout=5) == "no state in the child"


@asynccontextmanager
async def httpx_client_for(transport: Any) -> AsyncIterator[dict[str, Any]]:
    import httpx

    async with httpx.AsyncClient(transport=transport) as client:
        yield {"httpx_client": client}


def test_the_docs_job_runner_shares_one_client_across_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    sys.path.insert(0, str(EXAMPLES))
    try:
        import job_runner
    finally:
        sys.path.remove(str(EXAMPLES))
    loops: set[int] = set()

    def respond(request: httpx.Request) -> httpx.Response:
        loops.add(id(asyncio.get_running_loop()))
        return httpx.Response(200, content=b"x" * len(request.url.path))

    transport = httpx.MockTransport(respond)
    with override_settings(LIFESPAN_CONTEXTS=[lambda: httpx_client_for(transport)]):
        assert job_runner.run_jobs(["http://books.test/a", "http://books.test/abc"]) == [2, 4]
    assert len(loops) == 1
    with pytest.raises(LookupError):
        current_state()


@asynccontextmanager
async def interrupts_its_starter() -> AsyncIterator[None]:
    # Ctrl+C while start() waits, delivered to the main thread where it waits.
    contexts.record("enter interrupts_its_starter")
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
    await asyncio.sleep(0.05)
    yield
    contexts.record("exit interrupts_its_starter")


def test_ctrl_c_during_start_lets_startup_finish_then_exits_what_it_entered() -> None:
    handle = LifespanThread(contexts=[contexts.alpha, interrupts_its_starter])
    with pytest.raises(KeyboardInterrupt):
        handle.start()
    assert contexts.EVENTS == [
        "enter alpha",
        "enter interrupts_its_starter",
        "exit interrupts_its_starter",
        "exit alpha",
    ]
    with pytest.raises(LookupError):
        current_state()


# -- work in flight when the lifespan stops --------------------------------------


def until_cancelled(started: threading.Event) -> Coroutine[Any, Any, None]:
    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            contexts.record("coroutine cancelled")
            raise

    return forever()


def in_a_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException | object]]:
    """Run call() in a thread of its own; its outcome lands in the list."""
    outcome: list[BaseException | object] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def assert_stopped_error(thread: threading.Thread, outcome: list[BaseException | object]) -> None:
    thread.join(10)
    assert not thread.is_alive(), "the caller still waits after stop()"
    (error,) = outcome
    assert isinstance(error, LifespanStoppedError), error
    assert "The lifespan stopped while this coroutine was running" in str(error)


def test_a_run_in_flight_at_stop_is_cancelled_before_the_exits_and_raises_that_the_lifespan_stopped() -> None:
    handle = start_in_thread(contexts=[contexts.alpha])
    started = threading.Event()
    thread, outcome = in_a_thread(lambda: handle.run(until_cancelled(started)))
    assert started.wait(10)
    handle.stop()
    assert_stopped_error(thread, outcome)
    assert contexts.EVENTS == ["enter alpha", "coroutine cancelled", "exit alpha"]


def test_an_arun_from_another_loop_in_flight_at_stop_raises_that_the_lifespan_stopped() -> None:
    handle = start_in_thread(contexts=[contexts.alpha])
    started = threading.Event()
    thread, outcome = in_a_thread(lambda: asyncio.run(handle.arun(until_cancelled(started))))
    assert started.wait(10)
    handle.stop()
    assert_stopped_error(thread, outcome)
    assert contexts.EVENTS == ["enter alpha", "coroutine cancelled", "exit alpha"]


def test_worker_run_and_on_lifespan_loop_in_flight_when_the_worker_leaves_raise_that_it_stopped() -> None:
    enter_worker("test", contexts=[contexts.alpha])
    sync_started, async_started = threading.Event(), threading.Event()

    @on_lifespan_loop
    async def async_task() -> None:
        await until_cancelled(async_started)

    sync_call = in_a_thread(lambda: worker_lifespan().run(until_cancelled(sync_started)))
    async_call = in_a_thread(lambda: asyncio.run(async_task()))
    assert sync_started.wait(10) and async_started.wait(10)
    leave_worker()
    assert_stopped_error(*sync_call)
    assert_stopped_error(*async_call)
    assert contexts.EVENTS == ["enter alpha", "coroutine cancelled", "coroutine cancelled", "exit alpha"]


def test_runs_racing_stop_each_get_a_result_or_the_stopped_error_and_none_hangs() -> None:
    for _ in range(20):
        handle = start_in_thread(contexts=[contexts.alpha])
        go = threading.Barrier(5)

        def call(handle: LifespanThread = handle, go: threading.Barrier = go) -> object:
            go.wait()
            return handle.run(asyncio.sleep(0.001, result="done"))

        callers = [in_a_thread(call) for _ in range(4)]
        go.wait()
        handle.stop()
        for thread, outcome in callers:
            thread.join(10)
            assert not thread.is_alive(), "a run() racing stop() never returned"
            (result,) = outcome
            assert result == "done" or isinstance(result, LifespanStoppedError), result


@override_settings(LIFESPAN_SHUTDOWN_TIMEOUT=0.5)
def test_a_coroutine_that_swallows_its_cancellation_is_abandoned_and_neither_the_caller_nor_stop_hang(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handle = start_in_thread(contexts=[contexts.alpha])
    started, release = threading.Event(), asyncio.Event()

    async def stubborn() -> None:
        started.set()
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                contexts.record("cancellation swallowed")

    thread, outcome = in_a_thread(lambda: handle.run(stubborn()))
    assert started.wait(10)
    handle.stop()
    assert_stopped_error(thread, outcome)
    assert contexts.EVENTS[:2] == ["enter alpha", "cancellation swallowed"]
    assert contexts.EVENTS[-1] == "exit alpha"
    assert "did not end within 0.5 s of its cancellation" in caplog.text
    assert not handle._host.loop_thread.is_alive()  # type: ignore[union-attr]


def test_the_thread_pool_warm_up_never_holds_start_when_asgirefs_thread_is_busy() -> None:
    # Other code in the process holds asgiref's single thread for as long as it likes.
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        holding.set()
        release.wait()

    busy = in_a_thread(lambda: asyncio.run(sync_to_async(hold)()))
    assert holding.wait(10)
    try:
        started = time.monotonic()
        handle = start_in_thread(contexts=[contexts.alpha])
        took = time.monotonic() - started
        handle.stop()
    finally:
        release.set()
        busy[0].join(10)
    # It waited for the busy thread only as long as the bound, then carried on.
    assert WARM_UP_BOUND * 0.9 < took < WARM_UP_BOUND + 10, took
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


# -- hand-overs: a user entering while the last one leaves -----------------------

EXIT_BEGAN = threading.Event()


@asynccontextmanager
async def slow_to_close() -> AsyncIterator[dict[str, str]]:
    contexts.record("enter slow_to_close")
    yield {"slow": "value of slow_to_close"}
    contexts.record("exit slow_to_close begins")
    EXIT_BEGAN.set()
    await asyncio.sleep(1.0)
    contexts.record("exit slow_to_close done")


async def _read_slow() -> str:
    return str(current_state()["slow"])


def test_a_worker_entering_while_the_last_user_leaves_gets_a_fresh_running_lifespan() -> None:
    EXIT_BEGAN.clear()
    enter_worker("test", contexts=[slow_to_close])
    leaving = in_a_thread(leave_worker)
    assert EXIT_BEGAN.wait(10)
    # The old lifespan is stopping now: nobody is handed it.
    with pytest.raises(LookupError):
        running_lifespan()

    def enter_and_use() -> tuple[str, str]:
        running = enter_worker("test", contexts=[slow_to_close])
        try:
            return running.run(_read_slow()), current_state()["slow"]
        finally:
            leave_worker()

    entering = in_a_thread(enter_and_use)
    for thread, _ in (leaving, entering):
        thread.join(20)
        assert not thread.is_alive()
    assert leaving[1] == [None]
    assert entering[1] == [("value of slow_to_close", "value of slow_to_close")]
    assert contexts.EVENTS == [
        "enter slow_to_close",
        "exit slow_to_close begins",
        "exit slow_to_close done",
        "enter slow_to_close",
        "exit slow_to_close begins",
        "exit slow_to_close done",
    ]
