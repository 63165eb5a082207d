"""background() and every(): supervised services in lifespan(), start_in_thread(), commands, uvicorn."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import AsyncClient, override_settings
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from django_lifespan_ctx import LifespanShutdownError, LifespanStartupError, lifespan, start_in_thread
from django_lifespan_ctx._config.checks import check_settings
from django_lifespan_ctx._engine.process import reset_process
from django_lifespan_ctx._ops.otel import ServiceTracer
from django_lifespan_ctx._ops.readiness import ServiceStatus, tracker
from django_lifespan_ctx._ops.services.supervisor import ServiceError
from django_lifespan_ctx._ops.telemetry import service_telemetry
from django_lifespan_ctx.contexts import background, every, run_once
from django_lifespan_ctx.management import LifespanCommand
from tests import servers, services_targets
from tests.servers import REPO, ServerProcess


@pytest.fixture(autouse=True)
def fresh_tracker() -> Iterator[None]:
    reset_process()
    yield
    reset_process()


def status(name: str) -> ServiceStatus:
    return tracker.services[name]


def leftover_tasks() -> list[asyncio.Task[Any]]:
    return [task for task in asyncio.all_tasks() if "django_lifespan_ctx" in task.get_name()]


async def test_a_service_gets_the_state_before_it_and_stops_before_that_exits() -> None:
    log: list[str] = []
    running = asyncio.Event()

    @asynccontextmanager
    async def broker() -> AsyncIterator[dict[str, str]]:
        yield {"broker": "amqp://"}
        log.append("broker exited")

    async def consume(state: Any) -> None:
        log.append(f"consuming from {state.broker}")
        running.set()
        try:
            await asyncio.Event().wait()
        finally:
            log.append("consumer cancelled")

    async with lifespan(contexts=[broker, background(consume, name="consumer")]):
        await running.wait()
        assert status("consumer").state == "running"
    assert log == ["consuming from amqp://", "consumer cancelled", "broker exited"]
    assert status("consumer").state == "stopped" and not leftover_tasks()


async def test_a_crash_loop_is_logged_with_its_traceback_and_backs_off_between_the_bounds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    low, high = 0.01, 0.08
    attempts: list[float] = []
    enough = asyncio.Event()

    async def crash(state: Any) -> None:
        attempts.append(time.monotonic())
        if len(attempts) == 7:
            enough.set()
        raise ConnectionError(f"refused, attempt {len(attempts)}")

    with caplog.at_level(logging.INFO, logger="django_lifespan_ctx"):
        async with lifespan(contexts=[background(crash, name="crash", backoff=(low, high))]):
            await enough.wait()
            seen = status("crash")
            assert (seen.state, seen.restarts, seen.last_error) == ("restarting", 7, "ConnectionError")
            assert seen.last_failure_at is not None
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    # Exponential, with jitter between half the ceiling and the ceiling, never past the upper bound.
    for failures, gap in enumerate(gaps, start=1):
        ceiling = min(high, low * 2 ** (failures - 1))
        assert max(low, ceiling / 2) * 0.9 <= gap <= ceiling + 0.25, (failures, gaps)
    failures = [r for r in caplog.records if "restarting in" in r.getMessage()]
    assert (
        failures[0].getMessage().startswith("background('crash') failed: ConnectionError: refused, attempt 1")
    )
    assert failures[0].exc_info is not None and failures[0].levelno == logging.ERROR


@pytest.mark.parametrize(
    ("restart", "raises", "final", "restarted"),
    [
        ("never", True, "failed", False),
        ("never", False, "stopped", False),
        ("on-failure", False, "stopped", False),
        ("on-failure", True, "restarting", True),
        ("always", False, "restarting", True),
    ],
)
async def test_each_restart_policy(restart: Any, raises: bool, final: str, restarted: bool) -> None:
    calls: list[int] = []
    called = asyncio.Event()

    async def service(state: Any) -> None:
        calls.append(1)
        called.set()
        if raises:
            raise RuntimeError("fails")

    async with lifespan(contexts=[background(service, name="s", restart=restart, backoff=(5, 5))]):
        await called.wait()
        # The target ran in the supervisor's own step: its outcome is already recorded.
        assert (status("s").state, status("s").restarts > 0) == (final, restarted)
    assert len(calls) == 1  # The restart waits 5 s; shutdown came first and cancelled the wait.
    assert status("s").state == ("failed" if final == "failed" else "stopped")


async def test_a_sync_service_runs_in_a_library_thread_and_is_told_to_stop_by_its_event() -> None:
    seen: dict[str, Any] = {}
    started = threading.Event()

    def poll(state: Any, stop: threading.Event) -> None:
        thread = threading.current_thread()
        seen.update(name=thread.name, daemon=thread.daemon, state=dict(state))
        started.set()
        while not stop.wait(0.01):
            pass
        seen["stopped"] = True

    @asynccontextmanager
    async def source() -> AsyncIterator[dict[str, int]]:
        yield {"source": 1}

    async with lifespan(contexts=[source, background(poll, name="poller")]):
        await asyncio.to_thread(started.wait, 5)
    assert seen == {
        "name": "lifespan background('poller')",
        "daemon": True,
        "state": {"source": 1},
        "stopped": True,
    }
    # Its thread ends: it may still be returning from the target when the exit returns.
    for thread in [t for t in threading.enumerate() if t.name == "lifespan background('poller')"]:
        thread.join(5)
        assert not thread.is_alive()


async def test_a_service_that_swallows_its_cancellation_is_reported_and_abandoned_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    running = asyncio.Event()

    async def stubborn(state: Any) -> None:
        running.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            # Swallows the first cancellation; the one it gets when abandoned ends it.
            await asyncio.Event().wait()

    began = time.monotonic()

    async def run() -> None:
        nonlocal began
        async with lifespan(contexts=[background(stubborn, name="stubborn")]):
            await running.wait()
            began = time.monotonic()

    with override_settings(LIFESPAN_SHUTDOWN_TIMEOUT=0.3), pytest.raises(LifespanShutdownError) as raised:
        await run()
    assert time.monotonic() - began < 1.5
    assert "background('stubborn')" in str(raised.value)
    abandoned = [r.getMessage() for r in caplog.records if "did not stop within" in r.getMessage()]
    assert abandoned and "it swallows its cancellation" in abandoned[0]
    assert status("stubborn").state == "failed"


async def test_a_sync_service_that_ignores_its_stop_event_is_abandoned_and_the_rest_still_exit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[str] = []
    started, release = threading.Event(), threading.Event()

    @asynccontextmanager
    async def pool() -> AsyncIterator[None]:
        yield
        log.append("pool exited")

    def deaf(state: Any, stop: threading.Event) -> None:
        started.set()
        release.wait(10)  # Ignores `stop`; the test lets it go once the lifespan has ended.

    try:
        with override_settings(LIFESPAN_SHUTDOWN_TIMEOUT=0.2), pytest.raises(LifespanShutdownError) as raised:
            async with lifespan(contexts=[pool, background(deaf, name="deaf")]):
                await asyncio.to_thread(started.wait, 5)
        # Reported as any overdue exit is, and the log line says why.
        assert "background('deaf')\", when LIFESPAN_SHUTDOWN_TIMEOUT (0.2 s) expired" in str(raised.value)
        assert any("its thread ignores its stop event" in r.getMessage() for r in caplog.records)
        assert log == ["pool exited"]
    finally:
        release.set()


async def test_system_exit_in_a_service_is_held_until_every_exit_has_run() -> None:
    log: list[str] = []
    raised = asyncio.Event()

    @asynccontextmanager
    async def pool() -> AsyncIterator[None]:
        yield
        log.append("pool exited")

    async def quits(state: Any) -> None:
        raised.set()
        raise SystemExit(3)

    async def run() -> None:
        async with lifespan(contexts=[pool, background(quits, name="quits", restart="always")]):
            await raised.wait()
            assert status("quits").state == "failed"  # Not restarted, whatever the policy.
            log.append("body done")

    with pytest.raises(SystemExit) as exited:
        await run()
    assert exited.value.code == 3
    assert log == ["body done", "pool exited"]


async def test_a_service_still_starting_when_startup_fails_is_stopped_and_nothing_is_left() -> None:
    log: list[str] = []
    first_run = asyncio.Event()

    async def warming(state: Any) -> None:
        first_run.set()
        try:
            await asyncio.Event().wait()
        finally:
            log.append("service stopped")

    @asynccontextmanager
    async def refuses() -> AsyncIterator[None]:
        await first_run.wait()
        raise RuntimeError("no database")
        yield

    with pytest.raises(LifespanStartupError, match="no database"):
        async with lifespan(contexts=[background(warming, name="warming"), refuses]):
            pass
    assert log == ["service stopped"] and not leftover_tasks()


async def test_every_runs_at_once_never_overlaps_and_logs_an_overrun(
    caplog: pytest.LogCaptureFixture,
) -> None:
    active, most, runs = 0, 0, 0
    third = asyncio.Event()

    async def refresh(state: Any) -> None:
        nonlocal active, most, runs
        active += 1
        most = max(most, active)
        runs += 1
        if runs == 1:
            await asyncio.sleep(0.25)  # The job's own work: longer than its interval.
        if runs == 3:
            third.set()
        active -= 1

    with caplog.at_level(logging.WARNING, logger="django_lifespan_ctx"):
        async with lifespan(contexts=[every(0.1, refresh, name="refresh")]):
            await third.wait()
    assert most == 1
    (overrun,) = [r.getMessage() for r in caplog.records if "longer than its" in r.getMessage()]
    assert overrun.startswith("every(0.1, 'refresh'): a run took 0.") and "skipped)" in overrun


async def test_a_failed_periodic_run_is_retried_and_a_critical_job_counts_until_then() -> None:
    runs: list[str] = []
    recovered = asyncio.Event()

    async def flaky(state: Any) -> None:
        runs.append("run")
        if len(runs) == 1:
            raise TimeoutError("upstream slow")
        recovered.set()

    async with lifespan(contexts=[every(0.05, flaky, name="flaky", critical=True)]):
        await recovered.wait()
        seen = status("flaky")
        assert (seen.state, seen.restarts, seen.last_error) == ("running", 1, "TimeoutError")
        assert tracker.critical_services_down == []


async def test_opentelemetry_gets_a_span_per_run_and_one_per_restart_with_its_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A provider of the test's own: the global one belongs to tests/ops/test_otel.py.
    exporter, provider = InMemorySpanExporter(), TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(service_telemetry, "_tracer", ServiceTracer(tracer_provider=provider))
    recovered = asyncio.Event()
    runs = 0

    async def flaky(state: Any) -> None:
        nonlocal runs
        runs += 1
        with provider.get_tracer("test").start_as_current_span(f"fetch {runs}"):
            pass
        if runs == 1:
            raise TimeoutError("upstream slow")
        recovered.set()

    with override_settings(LIFESPAN_OPENTELEMETRY=True):
        async with lifespan(contexts=[every(0.05, flaky, name="flaky")]):
            await recovered.wait()
    spans = exporter.get_finished_spans()
    run_spans = [span for span in spans if span.name == "run flaky"]
    assert [span.status.status_code for span in run_spans[:2]] == [StatusCode.ERROR, StatusCode.UNSET]
    assert all(span.parent is None for span in run_spans)
    fetch = next(span for span in spans if span.name == "fetch 1")
    assert fetch.parent is not None and fetch.parent.span_id == run_spans[0].context.span_id
    (restart,) = [span for span in spans if span.name == "restart flaky"]
    (event,) = [event for event in restart.events if event.name == "lifespan.service.restart"]
    assert event.attributes is not None
    assert (event.attributes["lifespan.service.restarts"], event.attributes["lifespan.service.error"]) == (
        1,
        "TimeoutError",
    )


def test_start_in_thread_runs_a_sync_job_and_stop_waits_for_it() -> None:
    ran = threading.Event()
    threads: list[str] = []

    def job(state: Any) -> None:
        threads.append(threading.current_thread().name)
        ran.set()

    handle = start_in_thread(contexts=[every(0.05, job, name="job")])
    try:
        assert ran.wait(5)
        assert status("job").state == "running"
    finally:
        handle.stop()
    assert status("job").state == "stopped"
    assert threads[0] == "lifespan every(0.05, 'job')"


class WaitsForItsService(LifespanCommand):
    started = threading.Event()

    async def ahandle(self, *args: Any, **options: Any) -> str:
        await asyncio.to_thread(self.started.wait, 5)
        return f"service {status('ingest').state}"


def ingest(state: Any, stop: threading.Event) -> None:
    WaitsForItsService.started.set()
    stop.wait()


def test_a_lifespan_command_runs_services_around_ahandle() -> None:
    out = StringIO()
    with override_settings(LIFESPAN_CONTEXTS=[background(ingest, name="ingest")]):
        call_command(WaitsForItsService(), stdout=out)
    assert out.getvalue().strip() == "service running"
    assert status("ingest").state == "stopped"


def test_manage_py_lifespan_lists_the_services_and_their_outcome() -> None:
    job = every(30, "tests.services_targets.heartbeat", name="heartbeat", critical=True)
    contexts = ["tests.services_targets.queue", job]
    listed, ran = StringIO(), StringIO()
    with override_settings(LIFESPAN_CONTEXTS=contexts):
        call_command("lifespan", "--list", stdout=listed)
        call_command("lifespan", stdout=ran)
    assert listed.getvalue().splitlines()[-3:] == [
        "Background services (readyz/ shows each one's status):",
        "service                 supervision",
        "every(30, 'heartbeat')  every 30 s, backoff 1-30 s, critical",
    ]
    assert "every(30, 'heartbeat')  stopped  0" in ran.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: background(42), "background() needs a target: a dotted path or a function, not 42."),
        (lambda: background("a.b", restart="sometimes"), "restart must be 'always', 'on-failure' or 'never'"),
        (lambda: background("a.b", backoff=(5, 1)), "backoff must be two positive numbers of seconds"),
        (lambda: every(0, "a.b"), "every(0, ...): the interval must be a positive number of seconds."),
    ],
)
def test_bad_arguments_are_refused_where_they_are_written(make: Any, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


async def test_a_sync_target_without_a_stop_parameter_fails_startup_with_the_fix() -> None:
    def no_stop(state: Any) -> None: ...

    with pytest.raises(LifespanStartupError) as raised:
        async with lifespan(contexts=[background(no_stop, name="no_stop")]):
            pass
    assert isinstance(raised.value.__cause__, ServiceError)
    assert "write it as def service(state, stop)" in str(raised.value)


def test_uvicorn_readyz_is_503_while_a_critical_service_is_down_and_lists_every_service() -> None:
    argv = servers.uvicorn("tests.sites.server_asgi:application")
    with ServerProcess(argv, settings="tests.sites.services_settings") as server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        server.wait_for(r"background\('consumer'\) failed: ConnectionError.*not restarted")
        server.wait_for("HEARTBEAT")
        response = server.get("/readyz/")
        assert server.stop() == 0
    assert response.status_code == 503
    body = response.json()
    assert body["lifespan"] == "started"
    services = {service["name"]: service for service in body["services"]}
    consumer, heartbeat = services["consumer"], services["heartbeat"]
    assert (consumer["status"], consumer["critical"], consumer["last_error"]) == (
        "failed",
        True,
        "ConnectionError",
    )
    assert consumer["last_failure_at"] is not None and consumer["restarts"] == 0
    assert (heartbeat["status"], heartbeat["kind"], heartbeat["critical"]) == ("running", "every", False)
    assert "Traceback" in server.output  # The failure is logged with its traceback.
    assert "every(0.2, 'heartbeat') stopped." in server.output


async def test_the_documented_example_services_do_their_work_and_stop() -> None:
    async with lifespan(contexts=services_targets.EXAMPLE_CONTEXTS) as state:
        await state.queue.put("order 7")
        assert await state.outbox.get() == "forwarded order 7"
        names = set(tracker.services)
        assert names == {
            "tests.services_targets.forward_events",
            "tests.services_targets.drain_spool",
            "prune-spool",
        }
    assert {status.state for status in tracker.services.values()} == {"stopped"}


async def test_run_once_around_a_service_runs_it_in_the_process_that_holds_the_lock(tmp_path: Any) -> None:
    running = asyncio.Event()

    async def leader_only(state: Any) -> None:
        running.set()
        await asyncio.Event().wait()

    wrapped = run_once(background(leader_only, name="leader-only"), key="leader-only")
    with override_settings(LIFESPAN_RUN_ONCE_LOCK_DIR=str(tmp_path)):
        async with lifespan(contexts=[wrapped]):
            await running.wait()
            assert status("leader-only").state == "running"
    assert status("leader-only").state == "stopped"


def truth_server(recover_file: Path) -> ServerProcess:
    argv = servers.uvicorn("tests.sites.server_asgi:application")
    server = ServerProcess(argv, settings="tests.sites.services_truth_settings")
    server.env["LIFESPAN_TEST_RECOVER_FILE"] = str(recover_file)
    return server


def test_readyz_is_503_from_a_critical_jobs_failure_until_a_run_succeeds_however_slow_the_retries(
    tmp_path: Path,
) -> None:
    recover = tmp_path / "recover"
    with truth_server(recover) as server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        server.wait_for("JOB FAILED FAST")
        # Each retry hangs 0.4 s and times out: a retry under way is no success, so not ready.
        polls: list[Any] = []
        while server.output.count("JOB TIMED OUT") < 3:
            polls.append(server.get("/readyz/"))
        recover.touch()
        server.wait_for("JOB SUCCEEDED")
        ready = server.get("/readyz/")
        deadline = time.monotonic() + 10
        while ready.status_code != 200 and time.monotonic() < deadline:
            ready = server.get("/readyz/")
        assert server.stop() == 0
    assert len(polls) >= 3 and [p.status_code for p in polls] == [503] * len(polls)
    job = next(s for s in polls[-1].json()["services"] if s["name"] == "import-feed")
    assert (job["status"], job["critical"], job["last_error"]) == ("restarting", True, "TimeoutError")
    assert ready.status_code == 200, ready.text
    job = next(s for s in ready.json()["services"] if s["name"] == "import-feed")
    assert job["status"] == "running" and job["restarts"] >= 3


def test_a_crash_loop_waits_what_the_docs_say_measured_from_the_targets_own_timestamps(
    tmp_path: Path,
) -> None:
    low, high = 0.05, 0.4  # tests/sites/services_truth_settings.py's crash-loop
    with truth_server(tmp_path / "recover") as server:
        server.wait_for(r"CRASH at", count=12, timeout=60)
        assert server.stop() == 0
    crashes = [float(t) for t in re.findall(r"^CRASH at (\S+)$", server.output, flags=re.MULTILINE)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(crashes)]
    # docs/services.md: the n-th failure in a row waits between max(low, c / 2) and c, where
    # c = min(high, low * 2 ** (n - 1)); so, once c is high, at most one attempt every high / 2.
    for failures, gap in enumerate(gaps, start=1):
        ceiling = min(high, low * 2 ** (failures - 1))
        # A timer may fire up to the clock's resolution early; lateness is the machine's load.
        assert gap >= max(low, ceiling / 2) - 0.002, (failures, gaps)
        assert gap <= ceiling + 1.0, (failures, gaps)
    assert min(gaps[4:]) >= high / 2 - 0.002, gaps
    promise = " ".join((REPO / "docs" / "services.md").read_text().split())
    assert "the wait is drawn uniformly between `max(backoff[0], c / 2)` and `c`" in promise
    assert "a crash loop therefore makes at most one attempt every `backoff[1] / 2` seconds" in promise


QUEUES = "tests.shipping_apps.queues"


def clash_problems() -> tuple[str, str]:
    """The check error, and the startup error, for two services named 'consumer'."""
    (error,) = check_settings()
    assert error.id == "django_lifespan_ctx.E019", error

    async def start() -> None:
        async with lifespan():
            pass  # pragma: no cover

    with pytest.raises(LifespanStartupError) as raised:
        asyncio.run(start())
    return f"{error.msg} HINT: {error.hint}", str(raised.value)


def test_two_services_of_one_name_from_an_app_and_the_project_are_refused_by_check_and_startup() -> None:
    healthy = background("tests.services_targets.idle", name="consumer")
    installed = [*settings.INSTALLED_APPS, QUEUES]
    with override_settings(INSTALLED_APPS=installed, LIFESPAN_CONTEXTS=[healthy]):
        checked, refused = clash_problems()
        with pytest.raises(SystemCheckError) as reported:
            call_command("check", stdout=StringIO(), stderr=StringIO())
    assert checked == (
        "Two services are named 'consumer': background('consumer') at LIFESPAN_CONTEXTS[0], and "
        "background('consumer') at app 'queues' lifespan_contexts[0]. HINT: readyz/, the logs and "
        "telemetry tell services apart by name, so one would hide the other: give one of the two a "
        'name of its own, with name="..." in its background() or every().'
    )
    assert f"django_lifespan_ctx.E019: {checked}" in refused
    assert "django_lifespan_ctx.E019" in str(reported.value) and "app 'queues'" in str(reported.value)


def test_the_same_target_listed_twice_is_refused_naming_both_places() -> None:
    contexts = [
        background("tests.services_targets.broken_consumer", critical=True),
        "tests.services_targets.queue",
        every(5, "tests.services_targets.broken_consumer"),
    ]
    with override_settings(LIFESPAN_CONTEXTS=contexts):
        checked, refused = clash_problems()
    assert checked.startswith(
        "Two services are named 'tests.services_targets.broken_consumer': "
        "background('tests.services_targets.broken_consumer') at LIFESPAN_CONTEXTS[0], and "
        "every(5, 'tests.services_targets.broken_consumer') at LIFESPAN_CONTEXTS[2]."
    )
    assert checked in refused


async def test_replacement_contexts_are_held_to_unique_names_too() -> None:
    clash = [background(services_targets.idle, name="x"), every(1, "a.b", name="x")]
    with pytest.raises(LifespanStartupError, match=r"E019: Two services are named 'x': .* at contexts\[1\]"):
        async with lifespan(contexts=clash):
            pass  # pragma: no cover


async def test_a_failed_critical_service_is_never_hidden_by_another_lifespans_service_of_its_name() -> None:
    failed = threading.Event()

    async def broken(state: Any) -> None:
        failed.set()
        raise ConnectionError("the broker refused us")

    critical = background(broken, name="consumer", restart="never", critical=True)
    handle = start_in_thread(contexts=[critical])
    try:
        assert await asyncio.to_thread(failed.wait, 10)
        async with lifespan(contexts=[background(services_targets.idle, name="consumer")]):
            with override_settings(ROOT_URLCONF="tests.sites.ops_urls"):
                response = await AsyncClient().get("/readyz/")
    finally:
        handle.stop()
    assert response.status_code == 503
    listed = [(s["name"], s["status"], s["critical"]) for s in response.json()["services"]]
    assert sorted(listed) == [("consumer", "failed", True), ("consumer", "running", False)]


async def test_a_critical_service_waiting_out_its_backoff_is_down_until_it_has_started_again() -> None:
    runs: list[str] = []
    first, second = asyncio.Event(), asyncio.Event()

    async def flaky(state: Any) -> None:
        runs.append("run")
        if len(runs) == 1:
            first.set()
            raise ConnectionError("refused")
        second.set()
        await asyncio.Event().wait()

    async with lifespan(contexts=[background(flaky, name="flaky", backoff=(0.2, 0.2), critical=True)]):
        await first.wait()
        # Failed: restarting, and so down, for the whole backoff.
        assert [s.name for s in tracker.critical_services_down] == ["flaky"]
        assert status("flaky").state == "restarting"
        await second.wait()
        assert tracker.critical_services_down == [] and status("flaky").state == "running"
