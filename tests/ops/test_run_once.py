"""run_once() in one process: two lifespans stand in for two workers."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from django_lifespan_ctx import LifespanShutdownError, LifespanStartupError, State, lifespan
from django_lifespan_ctx._ops.run_once import RunOnce, holders, run_once
from django_lifespan_ctx._ops.run_once_locks import lock_id, this_process
from tests.postgres import PostgresServer, postgres  # noqa: F401
from tests.run_once_helpers import LOCK_ROWS, lock_parts


class Tracked:
    """A context factory that says when it is entered and exited, and can be told to misbehave."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.exited = asyncio.Event()
        self.changed = asyncio.Event()  # Set on every enter and exit: for conditions over both.
        self.enters = 0
        self.fail_enter: list[bool] = []
        self.yields: list[Any] = []

    def __call__(self) -> Any:
        return self._context()

    @asynccontextmanager
    async def _context(self) -> AsyncIterator[Any]:
        self.enters += 1
        if self.fail_enter and self.fail_enter.pop(0):
            raise ConnectionRefusedError("broker down")
        self.exited.clear()
        self.entered.set()
        self.changed.set()
        try:
            yield self.yields.pop(0) if self.yields else None
        finally:
            self.entered.clear()
            self.exited.set()
            self.changed.set()

    async def wait_until(self, condition: Any) -> None:
        """Until ``condition()`` holds: an enter and its exit may both happen before we look."""

        async def watch() -> None:
            while not condition():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(watch(), 5)


@pytest.fixture(autouse=True)
def lock_dir(tmp_path: Path) -> Iterator[Path]:
    with override_settings(LIFESPAN_RUN_ONCE_LOCK_DIR=str(tmp_path), LIFESPAN_RUN_ONCE_INTERVAL=0.05):
        yield tmp_path


async def test_the_second_lifespan_waits_and_takes_over_when_the_first_exits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    context = Tracked()
    wrapped = run_once(context, key="scheduler")
    first, second = AsyncExitStack(), AsyncExitStack()
    state = await first.enter_async_context(lifespan(contexts=[wrapped]))
    assert dict(state) == {}  # It yields nothing to the state.
    assert context.entered.is_set() and context.enters == 1
    await second.enter_async_context(lifespan(contexts=[wrapped]))
    assert context.enters == 1
    described = [holder.describe() for holder in holders]
    assert [d["held_here"] for d in described] == [True, False]
    assert {d["holder"] for d in described} == {this_process()}
    assert all(d["lock"] == "file lock (this host only)" for d in described)

    await first.aclose()
    assert context.exited.is_set()
    await asyncio.wait_for(context.entered.wait(), 30)
    assert context.enters == 2
    await second.aclose()
    assert context.exited.is_set() and holders == []
    assert "uses a file lock, because the database 'default' is sqlite" in caplog.text


async def test_a_yielded_mapping_fails_startup_and_says_why() -> None:
    context = Tracked()
    context.yields = [{"jobs": []}]
    with pytest.raises(LifespanStartupError, match=r"yielded the keys \['jobs'\]\. .* must yield nothing"):
        async with lifespan(contexts=[run_once(context, key="scheduler")]):
            pass
    assert context.exited.is_set()  # Entered, so exited, before the lock was released.


async def test_a_failed_first_enter_fails_startup_and_frees_the_lock() -> None:
    context = Tracked()
    context.fail_enter = [True]
    with pytest.raises(LifespanStartupError, match="broker down"):
        async with lifespan(contexts=[run_once(context, key="scheduler")]):
            pass
    async with lifespan(contexts=[run_once(context, key="scheduler")]):
        assert context.entered.is_set()


async def test_a_takeover_that_fails_to_enter_is_logged_and_retried(caplog: pytest.LogCaptureFixture) -> None:
    context = Tracked()
    wrapped = run_once(context, key="scheduler")
    first = AsyncExitStack()
    await first.enter_async_context(lifespan(contexts=[wrapped]))
    async with lifespan(contexts=[wrapped]):
        context.fail_enter = [True]
        await first.aclose()
        await asyncio.wait_for(context.entered.wait(), 30)
    assert context.enters == 3
    assert "broker down; trying again in 0.05 s" in caplog.text


async def test_a_takeover_that_yields_gives_up(caplog: pytest.LogCaptureFixture) -> None:
    context = Tracked()
    wrapped = run_once(context, key="scheduler")
    first = AsyncExitStack()
    await first.enter_async_context(lifespan(contexts=[wrapped]))
    async with lifespan(contexts=[wrapped]):
        context.yields = [{"late": 1}]
        await first.aclose()
        # The takeover enters, yields and is exited at once (in one go with eager tasks).
        await context.wait_until(lambda: context.enters == 2 and context.exited.is_set())
    assert "must yield nothing" in caplog.text and context.enters == 2


def scheduler_taking_state(state: State) -> Any:
    @asynccontextmanager
    async def context() -> AsyncIterator[None]:
        state["seen"] = True
        yield

    return context()


async def test_a_dotted_path_and_a_factory_that_takes_the_state() -> None:
    wrapped = run_once("tests.ops.test_run_once.scheduler_taking_state", key="with-state")
    assert repr(wrapped) == "run_once('tests.ops.test_run_once.scheduler_taking_state', key='with-state')"
    assert wrapped.name == "tests.ops.test_run_once.scheduler_taking_state"
    async with lifespan(contexts=[wrapped]) as state:
        assert dict(state) == {}  # It wrote to its own copy.


def test_misuse_is_explained() -> None:
    with pytest.raises(TypeError, match="run_once\\(\\) needs a key"):
        run_once("tests.ops_contexts.scheduler", key="")
    wrapped = RunOnce("tests.ops_contexts.nothing_here", key="k")
    with pytest.raises(Exception, match="could not be imported"):
        wrapped._resolve()
    assert run_once(Tracked, key="k").name.endswith("Tracked")


def test_lock_ids_are_stable_signed_64_bit() -> None:
    assert lock_id("scheduler") == lock_id("scheduler") != lock_id("mailer")
    assert -(2**63) <= lock_id("scheduler") < 2**63


@pytest.fixture
def pg_alias(postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[PostgresServer]:  # noqa: F811
    configured = connections.configure_settings({"default": postgres.django_settings()})["default"]
    monkeypatch.setitem(connections.settings, "pg", configured)
    yield postgres
    local = connections._connections  # type: ignore[attr-defined]
    if hasattr(local, "pg"):
        delattr(local, "pg")


async def test_postgres_a_holder_that_loses_its_connection_exits_and_another_takes_over(
    pg_alias: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "django_lifespan_ctx")
    context = Tracked()
    key = f"scheduler-{uuid.uuid4()}"
    wrapped = run_once(context, key=key, using="pg")
    first = AsyncExitStack()
    await first.enter_async_context(lifespan(contexts=[wrapped]))
    async with lifespan(contexts=[wrapped]):
        assert context.enters == 1
        assert [holder.describe()["lock"] for holder in holders] == ["postgresql advisory lock"] * 2
        await asyncio.wait_for(_until(lambda: holders[1].holder is not None), 30)
        assert holders[1].holder == this_process()
        assert await holders[0].lock.still_held()
        # The database ends the holder's session, as a restart or a network cut would.
        with pg_alias.connect() as admin:
            admin.execute("select pg_terminate_backend(pid)" + LOCK_ROWS, lock_parts(key))
        # The other holder may take the lock (the server freed it with the session) before this
        # one notices its connection is gone: either order is possible, and both share `context`,
        # so wait for both facts rather than for its events (that wait timed out under load).
        await asyncio.wait_for(_until(lambda: context.enters == 2 and "lost the lock" in caplog.text), 30)
        assert context.enters == 2
        await first.aclose()
    assert "lost the lock" in caplog.text


async def _until(condition: Any) -> None:
    # The holder's record of who holds the lock changes with no event to await.
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.01)


@contextmanager
def sync_scheduler() -> Iterator[None]:
    import threading

    SYNC_THREADS.append(threading.get_ident())
    yield
    SYNC_THREADS.append(threading.get_ident())


SYNC_THREADS: list[int] = []


async def test_a_sync_context_is_entered_and_exited_in_one_thread() -> None:
    SYNC_THREADS.clear()
    async with lifespan(contexts=[run_once(sync_scheduler, key="sync")]):
        assert len(SYNC_THREADS) == 1
    assert len(SYNC_THREADS) == 2 and SYNC_THREADS[0] == SYNC_THREADS[1]


class FailsToEnter:
    def __enter__(self) -> None:
        raise OSError("no such device")

    def __exit__(self, *args: object) -> None:
        raise AssertionError("never entered, so never exited")


async def test_a_sync_context_that_fails_to_enter_fails_startup() -> None:
    with pytest.raises(LifespanStartupError, match="no such device"):
        async with lifespan(contexts=[run_once(FailsToEnter, key="sync-fails")]):
            pass


async def test_cancelled_while_waiting_for_the_exit_it_cancels_the_holder_and_passes_it_on() -> None:
    exiting, finish = asyncio.Event(), asyncio.Event()

    @asynccontextmanager
    async def slow_exit() -> AsyncIterator[None]:
        yield
        exiting.set()
        await finish.wait()

    held = run_once(slow_exit, key="slow-exit")(State())
    await held.__aenter__()
    leaving = asyncio.create_task(held.__aexit__(None, None, None))
    await exiting.wait()
    leaving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert holders == []


async def test_a_file_lock_nobody_took_has_no_holder(tmp_path: Path) -> None:
    from django_lifespan_ctx._ops.run_once_locks import FileLock

    assert await FileLock("never", str(tmp_path)).holder() is None


@override_settings(LIFESPAN_SHUTDOWN_TIMEOUT=0.2)
async def test_a_sync_enter_still_running_when_the_holder_stops_is_exited_when_it_returns() -> None:
    import threading

    gate, second_enter, late_exit, log = threading.Event(), threading.Event(), threading.Event(), []

    @contextmanager
    def blocks_on_second_enter() -> Iterator[None]:
        log.append(("enter", threading.get_ident()))
        if len(log) > 1:
            second_enter.set()
            gate.wait(10)  # Still entering when its lifespan gives up on it.
        log.append(("entered", threading.get_ident()))
        try:
            yield
        finally:
            log.append(("exit", threading.get_ident()))
            if len(log) > 3:
                late_exit.set()

    wrapped = run_once(blocks_on_second_enter, key=f"late-{uuid.uuid4()}")
    first, second = AsyncExitStack(), AsyncExitStack()
    await first.enter_async_context(lifespan(contexts=[wrapped]))
    await second.enter_async_context(lifespan(contexts=[wrapped]))
    await first.aclose()  # The second takes over, and blocks inside __enter__.
    assert await asyncio.to_thread(second_enter.wait, 10)
    with pytest.raises(LifespanShutdownError, match="LIFESPAN_SHUTDOWN_TIMEOUT"):
        await second.aclose()  # Past its timeout: reported, and the holder is cancelled.
    assert [event for event, _ in log] == ["enter", "entered", "exit", "enter"]
    gate.set()
    assert await asyncio.to_thread(late_exit.wait, 10)
    assert [event for event, _ in log] == ["enter", "entered", "exit", "enter", "entered", "exit"]
    assert log[3][1] == log[4][1] == log[5][1]  # Entered and exited in its own thread.
