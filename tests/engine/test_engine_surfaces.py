"""One engine under every surface: a regression test for each way the promises broke.

Each was reported from outside; each test here failed before the engine was
shared by run_once, mounted apps, start_in_thread, commands, lazy startup,
health checks and logging. Where a server, a signal or interpreter exit is
involved, the test runs a real process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import textwrap
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from django_lifespan_ctx import LifespanShutdownError, LifespanStartupError, LifespanThread, lifespan
from django_lifespan_ctx._engine import observers
from django_lifespan_ctx._ops.run_once_locks import FileLock
from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.contexts import asgi_lifespan, run_once
from django_lifespan_ctx.threaded import StoppedWhileStarting
from tests import contexts, servers
from tests.asgi_driver import LifespanConversation, get_raw
from tests.ops.test_probes import probe
from tests.servers import ServerProcess, events

# -- contexts that say what happens to them --------------------------------------------


def sync_recorder(
    name: str, *, exit_gate: threading.Event | None = None, exiting: Any = None, yields: bool = True
) -> Any:
    @contextmanager
    def context() -> Iterator[dict[str, str] | None]:
        contexts.record(f"enter {name}")
        yield {name: name} if yields else None
        contexts.record(f"exit called {name}")
        if exiting is not None:
            exiting.set()
        if exit_gate is not None:
            exit_gate.wait()
        contexts.record(f"exit {name}")

    context.__qualname__ = name
    return context


def non_daemon_threads() -> list[threading.Thread]:
    return [
        t for t in threading.enumerate() if t.is_alive() and not t.daemon and t is not threading.main_thread()
    ]


# -- observers and logging -------------------------------------------------------------


class RaisingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith(("Entered", "Exited", "Lifespan startup", "Lifespan shutdown")):
            raise RuntimeError("a broken log filter")
        return True


@pytest.fixture
def raising_log_filter() -> Iterator[None]:
    logger = logging.getLogger("django_lifespan_ctx")
    broken = RaisingFilter()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addFilter(broken)
    observers._reported.clear()
    try:
        yield
    finally:
        logger.removeFilter(broken)
        logger.setLevel(level)
        observers._reported.clear()


@pytest.mark.usefixtures("raising_log_filter")
async def test_a_log_filter_that_raises_changes_no_outcome(capfd: pytest.CaptureFixture[str]) -> None:
    async with lifespan(contexts=[contexts.alpha, sync_recorder("sync_one")]) as state:
        assert set(state) == {"alpha", "sync_one"}
    assert contexts.EVENTS == [
        "enter alpha",
        "enter sync_one",
        "exit called sync_one",
        "exit sync_one",
        "exit alpha",
    ]
    # Reported once, not on every line.
    assert capfd.readouterr().err.count("a broken log filter") <= 1


class RaisingObserver:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any) -> None:
            raise RuntimeError(f"observer broke in {name}")

        return fail


async def test_an_observer_that_raises_changes_no_outcome(caplog: pytest.LogCaptureFixture) -> None:
    broken = RaisingObserver()
    observers.add_observer(broken)  # type: ignore[arg-type]
    observers._reported.clear()
    try:
        async with lifespan(contexts=[contexts.alpha, sync_recorder("sync_one")]):
            pass
    finally:
        observers.remove_observer(broken)  # type: ignore[arg-type]
    assert contexts.EVENTS[-1] == "exit alpha"
    reports = [r for r in caplog.records if "observer broke in" in r.getMessage()]
    # Once per method that failed, never once per step.
    assert 1 <= len(reports) <= 4, [r.getMessage() for r in reports]


# -- threads ------------------------------------------------------------------------------


async def test_a_thread_that_cannot_start_fails_its_context_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    real_start = threading.Thread.start

    def refuse(thread: threading.Thread) -> None:
        if thread.name.startswith("lifespan "):
            raise RuntimeError("can't start new thread")
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", refuse)
    started = time.monotonic()
    with pytest.raises(LifespanStartupError) as info:
        async with lifespan(contexts=[contexts.alpha, sync_recorder("needs_a_thread")]):
            pass
    assert time.monotonic() - started < 5  # Failed, not hung.
    assert "needs_a_thread" in str(info.value) and "could not start a thread" in str(info.value)
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


# -- wrapped entries ------------------------------------------------------------------------


@asynccontextmanager
async def exits_the_process() -> AsyncIterator[None]:
    contexts.record("enter exits_the_process")
    raise SystemExit(3)
    yield  # pragma: no cover


async def test_system_exit_inside_run_once_is_held_until_every_exit_has_run(tmp_path: Path) -> None:
    with override_settings(LIFESPAN_RUN_ONCE_LOCK_DIR=str(tmp_path)), pytest.raises(SystemExit):
        async with lifespan(contexts=[contexts.alpha, run_once(exits_the_process, key="exits")]):
            pass  # pragma: no cover
    assert contexts.EVENTS == ["enter alpha", "enter exits_the_process", "exit alpha"]


async def an_app_whose_startup_exits(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    contexts.record("mounted startup")
    raise SystemExit(4)


async def test_system_exit_inside_a_mounted_app_is_held_until_every_exit_has_run() -> None:
    with pytest.raises(SystemExit):
        async with lifespan(contexts=[contexts.alpha, asgi_lifespan(an_app_whose_startup_exits)]):
            pass  # pragma: no cover
    assert contexts.EVENTS == ["enter alpha", "mounted startup", "exit alpha"]


async def test_run_once_keeps_its_lock_while_an_abandoned_exit_still_runs(tmp_path: Path) -> None:
    gate, exiting = threading.Event(), threading.Event()
    blocking = sync_recorder("blocking_exit", exit_gate=gate, exiting=exiting, yields=False)
    settings = {"LIFESPAN_RUN_ONCE_LOCK_DIR": str(tmp_path), "LIFESPAN_SHUTDOWN_TIMEOUT": 0.2}
    with override_settings(**settings):
        with pytest.raises(LifespanShutdownError):
            async with lifespan(contexts=[run_once(blocking, key="blocking")]):
                pass
        assert exiting.is_set() and "exit blocking_exit" not in contexts.EVENTS
        # The exit was abandoned, not finished: the lock must still be held.
        other = FileLock("blocking", str(tmp_path))
        assert not await other.try_acquire()
        # Its thread is a daemon: it cannot keep the process alive.
        assert not any(t.name.startswith("lifespan") for t in non_daemon_threads())
        gate.set()
        deadline = time.monotonic() + 10
        while not await other.try_acquire():
            assert time.monotonic() < deadline, "the lock was never let go of after the exit returned"
            await asyncio.sleep(0.02)
        await other.release()
        await other.close()
    assert contexts.EVENTS[-1] == "exit blocking_exit"


# -- start_in_thread() ----------------------------------------------------------------------


def test_stop_from_another_thread_during_start_exits_everything_before_it_returns() -> None:
    entering, go_on = threading.Event(), threading.Event()

    @contextmanager
    def slow_enter() -> Iterator[None]:
        contexts.record("enter slow_enter")
        entering.set()
        go_on.wait()
        yield
        contexts.record("exit slow_enter")

    handle = LifespanThread(contexts=[contexts.alpha, slow_enter])
    outcome: list[BaseException] = []

    def start() -> None:
        try:
            handle.start()
        except BaseException as exc:
            outcome.append(exc)

    starter = threading.Thread(target=start)
    starter.start()
    assert entering.wait(10)
    stopper = threading.Thread(target=lambda: (handle.stop(), contexts.record("stop returned")))
    stopper.start()
    go_on.set()
    stopper.join(10)
    starter.join(10)
    assert contexts.EVENTS == [
        "enter alpha",
        "enter slow_enter",
        "exit slow_enter",
        "exit alpha",
        "stop returned",
    ]
    assert isinstance(outcome[0], StoppedWhileStarting)
    assert repr(handle) == "<LifespanThread stopped>"


def test_two_concurrent_stops_both_return_only_after_the_exits() -> None:
    gate, exiting = threading.Event(), threading.Event()
    handle = LifespanThread(contexts=[sync_recorder("gated", exit_gate=gate, exiting=exiting)]).start()
    stoppers = [
        threading.Thread(target=lambda n=n: (handle.stop(), contexts.record(f"stop {n} returned")))
        for n in (1, 2)
    ]
    for stopper in stoppers:
        stopper.start()
    assert exiting.wait(10)
    gate.set()
    for stopper in stoppers:
        stopper.join(10)
    assert contexts.EVENTS.index("exit gated") < contexts.EVENTS.index("stop 1 returned")
    assert contexts.EVENTS.index("exit gated") < contexts.EVENTS.index("stop 2 returned")


def run_script(source: str, tmp_path: Path, *, settings: str = "tests.sites.settings") -> ServerProcess:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))

    class Script(ServerProcess):
        def command(self) -> list[str]:
            return [sys.executable, str(script)]

    return Script([], settings=settings)


def test_a_lifespan_thread_never_stopped_runs_its_exits_while_thread_pools_still_work(tmp_path: Path) -> None:
    source = """
        import asyncio
        from contextlib import asynccontextmanager

        import django
        django.setup()
        from asgiref.sync import sync_to_async
        from django_lifespan_ctx import start_in_thread

        @asynccontextmanager
        async def client():
            yield {"client": "open"}
            await sync_to_async(print)("closed through sync_to_async", flush=True)
            await asyncio.to_thread(print, "closed through asyncio.to_thread", flush=True)

        start_in_thread(contexts=[client])
        print("started; leaving without stop()", flush=True)
    """
    with run_script(source, tmp_path) as process:
        code = process.wait_for_exit(30)
    assert "closed through sync_to_async" in process.output, process.output
    assert "closed through asyncio.to_thread" in process.output, process.output
    assert "cannot schedule new futures" not in process.output
    assert code == 0, process.output


# -- LifespanCommand ------------------------------------------------------------------------


def test_a_second_signal_abandons_a_blocking_exit_and_the_rest_still_exit(tmp_path: Path) -> None:
    source = """
        import threading
        from contextlib import contextmanager

        import django
        django.setup()
        from django.core.management import call_command
        from django_lifespan_ctx.management import LifespanCommand
        from tests import contexts

        @contextmanager
        def blocks_on_exit():
            contexts.record("enter blocks_on_exit")
            yield
            contexts.record("exit called blocks_on_exit")
            threading.Event().wait()  # Never returns.

        class Command(LifespanCommand):
            async def ahandle(self, *args, **options):
                contexts.record("ahandle running")
                await threading_free_wait()

        async def threading_free_wait():
            import asyncio
            await asyncio.Event().wait()

        from django.test import override_settings
        with override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, blocks_on_exit, contexts.beta]):
            call_command(Command())
    """
    with run_script(source, tmp_path) as process:
        process.wait_for("ahandle running")
        assert process.process is not None
        process.process.send_signal(signal.SIGTERM)
        process.wait_for("exit called blocks_on_exit")
        process.process.send_signal(signal.SIGTERM)
        code = process.wait_for_exit(20)
    seen = events(process.output)
    assert seen[-3:] == ["exit beta", "exit called blocks_on_exit", "exit alpha"], process.output
    assert "a second stop signal said not to wait for it" in process.output
    assert code == 128 + signal.SIGTERM, process.output


# -- lazy startup, readiness, health checks --------------------------------------------------


def test_lazy_startup_under_uvicorn_with_lifespan_off_fills_request_state() -> None:
    argv = servers.uvicorn("tests.sites.server_asgi:application")
    argv += ["--lifespan", "off"]
    with ServerProcess(argv, settings="tests.sites.lazy_server_settings") as server:
        server.wait_for("Uvicorn running on")
        response = server.get("/state/")
        code = server.stop(signal.SIGINT)
    assert response.status_code == 200, server.output
    assert response.json()["keys"] == ["alpha", "resource", "slow_one", "slow_two", "sync_value", "ticks"]
    assert code == 0, server.output


async def test_readyz_follows_the_lifespan_without_the_app_installed() -> None:
    from django.conf import settings as django_settings

    installed = [app for app in django_settings.INSTALLED_APPS if app != "django_lifespan_ctx"]
    app = get_asgi_application()
    with override_settings(
        INSTALLED_APPS=installed, ROOT_URLCONF="tests.sites.ops_urls", LIFESPAN_CONTEXTS=[contexts.alpha]
    ):
        conversation = LifespanConversation(app, state={})
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        status, body = await probe(app, "/readyz/")
        await conversation.shutdown()
    assert (status, body["status"], body["lifespan"]) == (200, "ready", "started")


HUNG = threading.Event()


def hangs(state: Any) -> bool:
    HUNG.wait()
    return True


def answers(state: Any) -> bool:
    return True


async def test_a_hung_sync_check_probed_many_times_never_stalls_the_site() -> None:
    settings = {
        "ROOT_URLCONF": "tests.sites.ops_urls",
        "LIFESPAN_CONTEXTS": [contexts.alpha],
        "LIFESPAN_HEALTH_CHECKS": {"hung": f"{__name__}.hangs", "fine": f"{__name__}.answers"},
        "LIFESPAN_HEALTH_TIMEOUT": 0.2,
    }
    app = get_asgi_application()
    HUNG.clear()
    try:
        with override_settings(**settings):
            conversation = LifespanConversation(app, state={})
            assert (await conversation.startup())["type"] == "lifespan.startup.complete"
            for _ in range(40):  # Far more than the loop's default executor has threads.
                started = time.monotonic()
                status, body = await probe(app, "/readyz/")
                assert time.monotonic() - started < 0.2 + 1.0
                assert status == 503 and body["checks"]["hung"]["result"] == "fail"
                assert body["checks"]["fine"]["result"] == "pass"  # Never starved by the hung one.
            hung_threads = [t for t in threading.enumerate() if t.name == "lifespan health check hung"]
            assert len(hung_threads) == 1  # Not started again while it still runs.
            # Django logs a 404 through the loop's default executor: it must not wait.
            started = time.monotonic()
            status, _ = await asyncio.wait_for(get_raw(app, "/no-such-page/"), 5)
            assert status == 404 and time.monotonic() - started < 2
            await conversation.shutdown()
    finally:
        HUNG.set()


# -- the thread host's edges ------------------------------------------------------------------


def test_stop_before_start_means_nothing_is_ever_entered() -> None:
    handle = LifespanThread(contexts=[contexts.alpha])
    handle.stop()
    with pytest.raises(StoppedWhileStarting, match="before start"):
        handle.start()
    assert contexts.EVENTS == []


def test_a_loop_thread_that_cannot_start_says_so_and_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_lifespan_ctx._engine.calls import ThreadStartError

    real_start = threading.Thread.start

    def refuse(thread: threading.Thread) -> None:
        if thread.name == "django_lifespan_ctx lifespan":
            raise RuntimeError("can't start new thread")
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", refuse)
    with pytest.raises(ThreadStartError, match="could not start a thread"):
        LifespanThread(contexts=[contexts.alpha]).start()
    monkeypatch.undo()
    # The process's one lifespan slot is free again.
    with LifespanThread(contexts=[contexts.alpha]) as running:
        assert dict(running.state) == {"alpha": "value of alpha"}


def test_a_sync_lifespan_test_helper_runs_on_the_thread_host() -> None:
    from django_lifespan_ctx.testing import lifespan_in_thread

    with lifespan_in_thread(contexts=[contexts.alpha, sync_recorder("sync_one")]) as state:
        assert set(state) == {"alpha", "sync_one"}
        assert contexts.EVENTS == ["enter alpha", "enter sync_one"]
    assert contexts.EVENTS[-2:] == ["exit sync_one", "exit alpha"]


def test_a_hung_sync_check_probed_many_times_keeps_neither_uvicorn_nor_its_site_from_answering() -> None:
    argv = servers.uvicorn("tests.sites.server_asgi:application")
    argv += ["--lifespan", "on"]
    with ServerProcess(argv, settings="tests.sites.ops_hung_check_settings") as server:
        server.wait_for("Uvicorn running on")
        for _ in range(20):
            started = time.monotonic()
            assert server.get("/readyz/").status_code == 503
            assert time.monotonic() - started < 0.3 + 1.5
        # Django logs this 404 through the loop's default executor, which the check never used.
        assert server.get("/no-such-page/").status_code == 404
        code = server.stop(signal.SIGINT, timeout=15)
    assert events(server.output) == ["enter alpha", "exit alpha"], server.output
    assert code == 0, server.output


async def test_an_async_check_that_swallows_its_cancellation_is_not_waited_for() -> None:
    settings = {
        "ROOT_URLCONF": "tests.sites.ops_urls",
        "LIFESPAN_CONTEXTS": [contexts.alpha],
        "LIFESPAN_HEALTH_CHECKS": {"stubborn": f"{__name__}.swallows_cancellation"},
        "LIFESPAN_HEALTH_TIMEOUT": 0.2,
    }
    app = get_asgi_application()
    with override_settings(**settings):
        conversation = LifespanConversation(app, state={})
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        started = time.monotonic()
        status, body = await probe(app, "/readyz/")
        # asyncio.wait_for would wait the full 2 s for the cancelled check to end.
        assert time.monotonic() - started < 1.0
        assert status == 503 and body["checks"]["stubborn"]["result"] == "fail"
        await conversation.shutdown()
    from django_lifespan_ctx._ops import health

    stubborn = health._running["stubborn"].task
    assert stubborn is not None
    await asyncio.wait({stubborn}, timeout=5)  # Let it end on this loop, as it would on a server's.


async def swallows_cancellation(state: Any) -> bool:
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        await asyncio.sleep(2)  # Ignores the cancellation for a while, as a stuck driver does.
    return True


async def test_system_exit_in_a_lazy_startup_reaches_the_request_not_the_event_loop() -> None:
    app = get_asgi_application()
    settings = {
        "LIFESPAN_LAZY_STARTUP": True,
        "ROOT_URLCONF": "tests.sites.urls",
        "LIFESPAN_CONTEXTS": [contexts.alpha, exits_the_process],
    }
    with override_settings(**settings), pytest.raises(SystemExit):
        await get_raw(app, "/state/")
    # Raised out of the startup task, it would have stopped this loop before the test got here.
    assert contexts.EVENTS == ["enter alpha", "enter exits_the_process", "exit alpha"]


async def _plain_coroutine() -> None:
    pass


def _generator() -> Iterator[None]:
    yield


@pytest.mark.parametrize(
    ("made", "fix"),
    [
        (_plain_coroutine, "plain `async def`"),
        (_generator, "@contextlib.contextmanager"),
        (object, "__aenter__/__aexit__"),
    ],
)
async def test_a_factory_that_makes_no_context_manager_fails_its_entry_with_the_fix(
    made: Any, fix: str
) -> None:
    def factory() -> Any:
        return made()

    with pytest.raises(LifespanStartupError, match="not a context manager") as info:
        async with lifespan(contexts=[contexts.alpha, factory]):
            pass  # pragma: no cover
    assert fix in str(info.value)
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]
