"""The fault model: generated plans, faults and hosts, driven the way each host drives the engine.

Hosts: the handler under a fake server (the ASGI protocol), ``lifespan()``
cancelled at a random moment, ``start_in_thread()`` with stop() called from
another thread at a random moment (twice, concurrently, sometimes), and a
``LifespanCommand``'s stop signals, one or two. Entries: plain async and sync
contexts, the same wrapped in ``run_once()`` or ``asgi_lifespan()``, background
services (``background()``: a crash loop, a hang on cancel, ``SystemExit``, a
slow first run), and receivers. Faults: every kind a context can do on enter and exit, plus a
logging filter or an observer that raises, and a sync context whose thread
the operating system refuses.

Each context writes what happens to it into a log of its own (the `Log`):
when its enter is called, when the enter completes, when its exit is called,
and in which task or thread. The invariants in `check` are read from that log
and from what the application sent and raised, never from the library's own
bookkeeping.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import select
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvloop
from django.test import override_settings
from hypothesis import strategies as st

from django_lifespan_ctx import LifespanStoppedError, LifespanThread, lifespan
from django_lifespan_ctx._engine import observers
from django_lifespan_ctx._engine.process import reset_process
from django_lifespan_ctx._engine.stop_signals import StopSignals, _cancelled_by_signals
from django_lifespan_ctx._ops.readiness import tracker
from django_lifespan_ctx._serving import draining
from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.contexts import asgi_lifespan, background, every, run_once
from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup
from tests.asgi_driver import http_scope

STARTUP_TIMEOUT = 0.3
SHUTDOWN_TIMEOUT = 0.1
DRAIN_SECONDS = 0.02
SLOW = 0.005
# Nothing may take longer than this, whatever the plan and faults: the "nothing hung" bound.
HUNG_AFTER = float(os.environ.get("FAULT_MODEL_HUNG_AFTER", "10"))

ENTER_FAULTS = ("enter-raise", "enter-hang", "enter-swallow", "enter-late")
EXIT_FAULTS = ("exit-raise", "exit-hang", "exit-swallow")
# What a background service can do: run until stopped, fail every time, ignore being
# stopped (until the scenario is over), raise SystemExit, or take a while to start.
SERVICE_FAULTS = ("none", "crash-loop", "hang-on-cancel", "system-exit", "slow-start")
SERVICE_BACKOFF = (0.01, 0.05)
# A periodic job (every()): succeeds; fails slowly every time, as a call to a broker that is
# down times out; or fails slowly a few times, then succeeds. Critical or not.
EVERY_FAULTS = ("none", "slow-fail", "slow-recover")
EVERY_INTERVAL = 0.03
SLOW_FAIL = 0.02  # How long a failing run takes (a sync one: half, as a thread cannot be cancelled).
RECOVERS_AFTER = 2  # Failed runs before a "slow-recover" job succeeds.
PROBE_EVERY = 0.002  # How often the model asks for readiness while a critical job runs.
# run() / arun() in flight at stop (the thread host): a coroutine that waits until
# cancelled, one that swallows its cancellation and ends soon after, one that returns at once.
IN_FLIGHT = ("run-wait", "run-swallow", "run-quick", "arun-wait", "arun-swallow", "arun-quick")
# When a thread-hosted scenario forks a child, which then runs a lifespan of its own.
FORK_MOMENTS = ("before", "during", "after")
# A process the machine did not run for this long (a heartbeat thread that missed its beat)
# was stalled: a startup timeout then says nothing about the library. Threads share the GIL
# in turns of 5 ms, so busy code of ours cannot delay the heartbeat this much; only the machine can.
STALL = float(os.environ.get("FAULT_MODEL_STALL", "0.1"))
# Slack for "within the shutdown deadline" on a loaded machine: the deadline plus this.
DEADLINE_SLACK = float(os.environ.get("FAULT_MODEL_DEADLINE_SLACK", "2"))
# Faults that only a deadline (or the server) can end.
UNBOUNDED = ("enter-hang", "enter-swallow", "enter-late", "exit-hang", "exit-swallow", "hang-on-cancel")
EXCEPTIONS = ("Exception", "SystemExit", "KeyboardInterrupt")


@dataclass(frozen=True)
class ContextSpec:
    name: str
    is_async: bool
    takes_state: bool
    fault: str
    exception: str
    swallow_for: float
    # "run_once", "asgi_lifespan": handed to a wrapping entry; "background", "every": a service.
    wrap: str = "none"
    critical: bool = False  # An every() job whose failures make readyz/ answer 503.


@dataclass(frozen=True)
class ReceiverSpec:
    name: str
    signal: str  # "startup" or "shutdown"
    is_async: bool
    fault: str  # "none", "raise", "hang"
    exception: str


@dataclass(frozen=True)
class ServerSpec:
    cancel_after: float | None
    cancel_twice: bool
    timeouts: bool
    # LIFESPAN_DRAIN_SECONDS set: the server is stopped by a real SIGTERM, held for the window.
    drain: bool = False
    loop: str = "asyncio"  # The drained server's event loop: "asyncio" or "uvloop".


@dataclass(frozen=True)
class Scenario:
    plan: tuple[tuple[ContextSpec, ...], ...]  # A step of one is a single entry; more, a group.
    receivers: tuple[ReceiverSpec, ...]
    server: ServerSpec
    host: str = "handler"  # "lifespan", "thread", "command"
    observer_fault: str = "none"  # "log filter", "observer"
    refused: str | None = None  # A sync context whose owner thread cannot start.
    in_flight: tuple[str, ...] = ()  # The thread host: run()/arun() calls in flight at stop (IN_FLIGHT).
    fork: str | None = None  # The thread host: fork a child before, during or after the lifespan.

    def contexts(self) -> list[ContextSpec]:
        return [spec for step in self.plan for spec in step]

    def unbounded(self) -> bool:
        faults = [spec.fault for spec in self.contexts()] + [r.fault for r in self.receivers]
        faults += [kind for kind in self.in_flight if kind.endswith("swallow")]
        return any(fault in UNBOUNDED or fault in ("hang", "run-swallow", "arun-swallow") for fault in faults)

    def critical_jobs(self) -> list[ContextSpec]:
        return [spec for spec in self.contexts() if spec.wrap == "every" and spec.critical]


# -- strategies --------------------------------------------------------------


@st.composite
def context_specs(draw: st.DrawFn, name: str) -> ContextSpec:
    is_async = draw(st.booleans())
    faults = ["none", "none", "slow", "enter-raise", "exit-raise", "enter-hang", "exit-hang"]
    faults += ["enter-swallow", "exit-swallow"] if is_async else ["enter-late"]
    # A real mounted ASGI app is async; run_once wraps either kind; a service is either kind.
    wraps = ["none", "none", "run_once", "background", "every"] + (["asgi_lifespan"] if is_async else [])
    wrap = draw(st.sampled_from(wraps))
    chosen = {"background": SERVICE_FAULTS, "every": EVERY_FAULTS}.get(wrap, tuple(faults))
    return ContextSpec(
        name=name,
        is_async=is_async,
        takes_state=draw(st.booleans()),
        fault=draw(st.sampled_from(chosen)),
        exception=draw(st.sampled_from(EXCEPTIONS)),
        swallow_for=draw(st.sampled_from([0.01, 0.05])),
        wrap=wrap,
        critical=wrap == "every" and draw(st.booleans()),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    sizes = draw(st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4))
    counter = iter(range(100))
    plan = tuple(tuple(draw(context_specs(f"c{next(counter)}")) for _ in range(size)) for size in sizes)
    receivers = tuple(
        ReceiverSpec(
            name=f"r{index}",
            signal=draw(st.sampled_from(["startup", "shutdown"])),
            is_async=draw(st.booleans()),
            fault=draw(st.sampled_from(["none", "none", "raise", "hang"])),
            exception=draw(st.sampled_from(EXCEPTIONS)),
        )
        for index in range(draw(st.integers(min_value=0, max_value=2)))
    )
    cancel_after = draw(st.one_of(st.none(), st.sampled_from([0.0, 0.01, 0.05, 0.2, 0.35, 0.5])))
    server = ServerSpec(
        cancel_after=cancel_after,
        cancel_twice=cancel_after is not None and draw(st.booleans()),
        timeouts=draw(st.booleans()),
    )
    sync_names = [
        spec.name
        for step in plan
        for spec in step
        if not spec.is_async and spec.wrap not in ("background", "every")
    ]
    refused = draw(st.sampled_from([None, None, None, *sync_names]))
    host = draw(st.sampled_from(["handler", "handler", "lifespan", "thread", "command", "lazy"]))
    if host == "handler" and draw(st.booleans()):
        loop = draw(st.sampled_from(["asyncio", "uvloop"]))
        server = ServerSpec(server.cancel_after, server.cancel_twice, server.timeouts, drain=True, loop=loop)
    in_flight: tuple[str, ...] = ()
    fork = None
    if host == "thread":
        in_flight = tuple(draw(st.lists(st.sampled_from(IN_FLIGHT), max_size=2)))
        fork = draw(st.sampled_from([None, None, *FORK_MOMENTS]))
    if scenario_unbounded(plan, receivers, in_flight) or host == "command":
        # Without limits, a context that hangs is waited for as long as it
        # hangs: that is the promise. The model keeps such plans bounded.
        server = ServerSpec(cancel_after, server.cancel_twice, True, server.drain, server.loop)
    return Scenario(
        plan,
        receivers,
        server,
        host=host,
        observer_fault=draw(st.sampled_from(["none", "none", "log filter", "observer"])),
        refused=refused,
        in_flight=in_flight,
        fork=fork,
    )


def scenario_unbounded(plan: Any, receivers: Any, in_flight: tuple[str, ...] = ()) -> bool:
    return Scenario(plan, receivers, ServerSpec(None, False, False), in_flight=in_flight).unbounded()


# -- what the contexts log -----------------------------------------------------


@dataclass
class Log:
    lines: list[tuple[str, str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, event: str, name: str, owner: Any = None) -> None:
        with self.lock:
            self.lines.append((event, name, owner))

    def events(self, event: str, name: str | None = None) -> list[tuple[str, str, Any]]:
        return [line for line in self.lines if line[0] == event and (name is None or line[1] == name)]

    def index(self, event: str, name: str) -> int:
        return next(i for i, line in enumerate(self.lines) if line[:2] == (event, name))


def owner_id() -> Any:
    try:
        task = asyncio.current_task()
    except RuntimeError:
        task = None
    return ("task", id(task)) if task is not None else ("thread", threading.get_ident())


def make_error(kind: str, text: str) -> BaseException:
    if kind == "SystemExit":
        return SystemExit(text)
    if kind == "KeyboardInterrupt":
        return KeyboardInterrupt(text)
    return RuntimeError(text)


class Gates:
    """Threading events that hold sync hangs until the scenario is over."""

    def __init__(self) -> None:
        self.gates: list[threading.Event] = []

    def new(self) -> threading.Event:
        gate = threading.Event()
        self.gates.append(gate)
        return gate

    def open_all(self) -> None:
        for gate in self.gates:
            gate.set()


def yielded(spec: ContextSpec) -> dict[str, str] | None:
    # A run-once context runs in one process of a deployment: it yields nothing.
    return None if spec.wrap == "run_once" else {spec.name: spec.name}


class AsyncContext:
    def __init__(self, spec: ContextSpec, log: Log) -> None:
        self.spec, self.log = spec, log

    async def _fault(self, phase: str) -> None:
        fault = self.spec.fault
        if fault == "slow":
            await asyncio.sleep(SLOW)
        if fault == f"{phase}-raise":
            raise make_error(self.spec.exception, f"{self.spec.name} {phase} fault")
        if fault == f"{phase}-hang":
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.log.write("cancelled", self.spec.name, owner_id())
                raise
        if fault == f"{phase}-swallow":
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.log.write("swallowed", self.spec.name, owner_id())
            await asyncio.sleep(self.spec.swallow_for)

    async def __aenter__(self) -> dict[str, str] | None:
        self.log.write("enter-called", self.spec.name, owner_id())
        await self._fault("enter")
        self.log.write("entered", self.spec.name, owner_id())
        return yielded(self.spec)

    async def __aexit__(self, *exc_info: Any) -> None:
        self.log.write("exit-called", self.spec.name, owner_id())
        await self._fault("exit")
        self.log.write("exited", self.spec.name, owner_id())


class SyncContext:
    def __init__(self, spec: ContextSpec, log: Log, gates: Gates) -> None:
        self.spec, self.log, self.gates = spec, log, gates

    def _fault(self, phase: str) -> None:
        fault = self.spec.fault
        if fault == "slow":
            time.sleep(SLOW)
        if fault == f"{phase}-raise":
            raise make_error(self.spec.exception, f"{self.spec.name} {phase} fault")
        if fault == f"{phase}-hang":
            self.gates.new().wait()  # Blocked until the scenario is over: threads cannot be cancelled.
        if fault == f"{phase}-late":
            # Finishes on its own, after startup has given up on it.
            self.gates.new().wait(STARTUP_TIMEOUT + 0.05)

    def __enter__(self) -> dict[str, str] | None:
        self.log.write("enter-called", self.spec.name, owner_id())
        self._fault("enter")
        self.log.write("entered", self.spec.name, owner_id())
        return yielded(self.spec)

    def __exit__(self, *exc_info: Any) -> None:
        self.log.write("exit-called", self.spec.name, owner_id())
        self._fault("exit")
        self.log.write("exited", self.spec.name, owner_id())


def service_fault(spec: ContextSpec) -> None:
    """What every run of a faulty service does before it would settle into its work."""
    if spec.fault == "crash-loop":
        raise RuntimeError(f"{spec.name} crashed")
    if spec.fault == "system-exit":
        raise make_error(spec.exception if spec.exception != "Exception" else "SystemExit", spec.name)


def service(spec: ContextSpec, log: Log, gates: Gates) -> Any:
    """A background service that logs each run's start and end, and does its fault."""

    async def run_async(state: Any) -> None:
        log.write("service-run", spec.name, owner_id())
        try:
            if spec.fault == "slow-start":
                await asyncio.sleep(SLOW)
            service_fault(spec)
            if spec.fault == "hang-on-cancel":
                gate = gates.new()
                while not gate.is_set():  # Swallows every cancellation until the scenario is over.
                    try:
                        await asyncio.sleep(0.01)
                    except asyncio.CancelledError:
                        log.write("swallowed", spec.name, owner_id())
                return
            await asyncio.Event().wait()
        finally:
            log.write("service-ended", spec.name, owner_id())

    def run_sync(state: Any, stop: threading.Event) -> None:
        log.write("service-run", spec.name, owner_id())
        try:
            if spec.fault == "slow-start":
                time.sleep(SLOW)
            service_fault(spec)
            if spec.fault == "hang-on-cancel":
                gates.new().wait(HUNG_AFTER)  # Ignores `stop` until the scenario is over.
                return
            stop.wait()
        finally:
            log.write("service-ended", spec.name, owner_id())

    target: Any = run_async if spec.is_async else run_sync
    target.__module__, target.__qualname__ = "fault", spec.name
    return background(target, backoff=SERVICE_BACKOFF)


def job(spec: ContextSpec, log: Log) -> Any:
    """A periodic job that logs each run's start, its outcome and its end, and does its fault."""
    runs = itertools.count()

    def outcome(run: int) -> None:
        if spec.fault == "slow-fail" or (spec.fault == "slow-recover" and run < RECOVERS_AFTER):
            log.write("service-failed", spec.name, owner_id())
            raise RuntimeError(f"{spec.name} timed out")
        log.write("service-succeeded", spec.name, owner_id())

    async def run_async(state: Any) -> None:
        run = next(runs)
        log.write("service-run", spec.name, owner_id())
        try:
            if spec.fault != "none":
                await asyncio.sleep(SLOW_FAIL)
            outcome(run)
        finally:
            log.write("service-ended", spec.name, owner_id())

    def run_sync(state: Any) -> None:
        run = next(runs)
        log.write("service-run", spec.name, owner_id())
        try:
            if spec.fault != "none":
                time.sleep(SLOW_FAIL / 2)
            outcome(run)
        finally:
            log.write("service-ended", spec.name, owner_id())

    target: Any = run_async if spec.is_async else run_sync
    target.__module__, target.__qualname__ = "fault", spec.name
    return every(EVERY_INTERVAL, target, critical=spec.critical)


def factory(spec: ContextSpec, log: Log, gates: Gates) -> Any:
    if spec.wrap == "background":
        return service(spec, log, gates)
    if spec.wrap == "every":
        return job(spec, log)

    def make() -> Any:
        return AsyncContext(spec, log) if spec.is_async else SyncContext(spec, log, gates)

    def make_with_state(state: Any) -> Any:
        return make()

    chosen: Any = make_with_state if spec.takes_state else make
    chosen.__module__, chosen.__qualname__ = "fault", spec.name
    if spec.wrap == "run_once":
        return run_once(chosen, key=spec.name)
    if spec.wrap == "asgi_lifespan":
        return asgi_lifespan(context_app(spec, chosen))
    return chosen


def context_app(spec: ContextSpec, chosen: Any) -> Any:
    """An ASGI app whose lifespan enters the context in the app's own task, as Starlette's router does."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        started = False
        try:
            async with chosen(None) if spec.takes_state else chosen() as yielded:
                scope["state"].update(yielded or {})
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()
        except Exception as exc:
            phase = "shutdown" if started else "startup"
            await send({"type": f"lifespan.{phase}.failed", "message": repr(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})

    app.__module__, app.__qualname__ = "fault", spec.name
    return app


def receiver(spec: ReceiverSpec, log: Log, gates: Gates) -> Any:
    def act_sync() -> None:
        if spec.fault == "raise":
            raise make_error(spec.exception, f"{spec.name} fault")
        if spec.fault == "hang":
            gates.new().wait()

    async def act_async() -> None:
        if spec.fault == "raise":
            raise make_error(spec.exception, f"{spec.name} fault")
        if spec.fault == "hang":
            await asyncio.Event().wait()

    if spec.is_async:

        async def async_receiver(**kwargs: Any) -> None:
            log.write("receiver-called", spec.name, owner_id())
            await act_async()
            log.write("receiver-done", spec.name, owner_id())

        chosen: Any = async_receiver
    else:

        def sync_receiver(**kwargs: Any) -> None:
            log.write("receiver-called", spec.name, owner_id())
            act_sync()
            log.write("receiver-done", spec.name, owner_id())

        chosen = sync_receiver
    chosen.__module__, chosen.__qualname__ = "fault", spec.name
    return chosen


# -- the server ----------------------------------------------------------------


@dataclass
class Outcome:
    sent: list[dict[str, Any]]
    raised: BaseException | None
    cancelled_at: list[float]
    elapsed: float
    # Threads running library or user code that could keep the process alive.
    non_daemon: list[str] = field(default_factory=list)
    # With a drain: the signals the server's own handler got, whether it began after the
    # drain did, and whether that handler was the one installed once the lifespan ended.
    server_signals: list[int] = field(default_factory=list)
    drained_first: bool = True
    handler_restored: bool = True
    # The thread host: when stop() was first called (time.monotonic()), the run()/arun()
    # calls in flight, and the children it forked.
    stop_began: float | None = None
    in_flight: list[InFlightCall] = field(default_factory=lambda: list[InFlightCall]())
    forked: list[ForkedChild] = field(default_factory=lambda: list[ForkedChild]())
    stalled: float = 0.0  # The longest the machine left the process unscheduled (Heartbeat).


class Heartbeat:
    """A thread that beats every 5 ms and notes the longest it went without running."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="model heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(0.005):
            now = time.monotonic()
            self.longest = max(self.longest, now - last - 0.005)
            last = now

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.longest


def stalled_past_a_deadline(outcome: Outcome, phase: str = "") -> bool:
    """A deadline (of the phase, or any) ran out while the machine had stalled the process."""
    said = [str(outcome.raised)] + [message.get("message", "") for message in outcome.sent]
    limits = {"startup": ("LIFESPAN_STARTUP_TIMEOUT",), "shutdown": ("LIFESPAN_SHUTDOWN_TIMEOUT", " within ")}
    wanted = limits.get(phase, limits["startup"] + limits["shutdown"])
    return outcome.stalled >= STALL and any(limit in text for text in said for limit in wanted)


def is_ours(thread: threading.Thread) -> bool:
    return thread.name.startswith(("lifespan", "django_lifespan_ctx"))


class RaisingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        raise RuntimeError("a log filter that raises")


class RaisingObserver:
    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any) -> None:
            raise RuntimeError(f"an observer that raises in {name}")

        return fail


@contextmanager
def observer_fault(kind: str) -> Iterator[None]:
    """A logging filter, or an observer, that raises on everything it sees."""
    logger = logging.getLogger("django_lifespan_ctx")
    level, broken_filter, broken_observer = logger.level, RaisingFilter(), RaisingObserver()
    if kind == "log filter":
        logger.setLevel(logging.DEBUG)  # So the "Entered" and "Exited" lines are written too.
        logger.addFilter(broken_filter)
    elif kind == "observer":
        observers.add_observer(broken_observer)
    try:
        yield
    finally:
        logger.removeFilter(broken_filter)
        logger.setLevel(level)
        observers.remove_observer(broken_observer)
        observers._reported.clear()


@contextmanager
def refused_thread(name: str | None) -> Iterator[None]:
    """The operating system refuses the owner thread of one sync context."""
    real_start = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        if name is not None and thread.name == f"lifespan fault.{name}":
            raise RuntimeError("can't start new thread")
        real_start(thread)

    threading.Thread.start = start  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        threading.Thread.start = real_start  # type: ignore[method-assign]


async def drive(scenario: Scenario, log: Log, gates: Gates) -> Outcome:
    """Play the server: startup, then shutdown or cancellation, as the scenario says."""
    setting = [
        tuple(factory(spec, log, gates) for spec in step) if len(step) > 1 else factory(step[0], log, gates)
        for step in scenario.plan
    ]
    receivers = [(spec, receiver(spec, log, gates)) for spec in scenario.receivers]
    for spec, function in receivers:
        sent_by = asgi_startup if spec.signal == "startup" else asgi_shutdown
        sent_by.connect(function, weak=False, dispatch_uid=f"fault-{spec.name}")
    timeouts = scenario.server.timeouts
    try:
        with (
            tempfile.TemporaryDirectory() as lock_dir,
            override_settings(
                LIFESPAN_CONTEXTS=setting,
                LIFESPAN_STARTUP_TIMEOUT=STARTUP_TIMEOUT if timeouts else None,
                LIFESPAN_SHUTDOWN_TIMEOUT=SHUTDOWN_TIMEOUT if timeouts else None,
                LIFESPAN_RUN_ONCE_LOCK_DIR=lock_dir,
                LIFESPAN_RUN_ONCE_INTERVAL=0.05,
                LIFESPAN_DRAIN_SECONDS=DRAIN_SECONDS if scenario.server.drain else 0,
            ),
            observer_fault(scenario.observer_fault),
            refused_thread(scenario.refused),
        ):
            host = HOSTS[scenario.host]
            prober = asyncio.create_task(probe_readiness(log)) if scenario.critical_jobs() else None
            try:
                outcome = await host(scenario, log)
            finally:
                if prober is not None:
                    prober.cancel()
                    await asyncio.wait({prober})
            outcome.non_daemon = [
                t.name for t in threading.enumerate() if t.is_alive() and not t.daemon and is_ours(t)
            ]
            return outcome
    finally:
        for spec, function in receivers:
            (asgi_startup if spec.signal == "startup" else asgi_shutdown).disconnect(
                function, dispatch_uid=f"fault-{spec.name}"
            )


def readiness_now() -> bool:
    """What readyz/ would answer, from the readiness tracker's public view (as probes.py reads it)."""
    return tracker.ready and not tracker.critical_services_down and not draining.is_draining()


async def probe_readiness(log: Log) -> None:
    """Ask for readiness every few milliseconds, logging when each probe began and what it said."""
    for number in itertools.count():
        log.write("probe-begin", "readyz", number)
        try:
            ready = readiness_now()
        except RuntimeError:  # The thread host's loop changed the services while they were read.
            ready = False
        log.write("probe", "readyz", (number, ready))
        await asyncio.sleep(PROBE_EVERY)


async def _converse(scenario: Scenario, log: Log) -> Outcome:
    app = get_asgi_application()
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    sent: list[dict[str, Any]] = []
    raised: list[BaseException] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        await outbox.put(message)

    async def run() -> None:
        # As a server does: whatever the app raises stays here. KeyboardInterrupt
        # or SystemExit out of a task would stop the event loop itself.
        try:
            await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, send)
        except BaseException as exc:
            raised.append(exc)
        finally:
            log.write("app-finished", "app")

    loop = asyncio.get_running_loop()
    started = loop.time()
    task = loop.create_task(run())
    cancelled_at: list[float] = []

    def cancel() -> None:
        if not task.done():
            cancelled_at.append(loop.time() - started)
            task.cancel()

    server = scenario.server
    if server.cancel_after is not None:
        loop.call_later(server.cancel_after, cancel)
        if server.cancel_twice:
            loop.call_later(server.cancel_after + 0.03, cancel)
    stopping = ServerStopSignal(loop, inbox, cancelled_at) if server.drain else None
    try:
        await inbox.put({"type": "lifespan.startup"})
        reply = await _reply(outbox, task)
        if reply is not None and reply["type"] == "lifespan.startup.complete" and not task.done():
            if stopping is not None:
                os.kill(os.getpid(), signal.SIGTERM)  # Held by the drain, then given to the server.
            else:
                await inbox.put({"type": "lifespan.shutdown"})
            await _reply(outbox, task)
        done, _ = await asyncio.wait({task}, timeout=HUNG_AFTER)
        assert done, f"the lifespan hung: still running after {HUNG_AFTER} s"
    finally:
        restored = stopping is None or stopping.restore()
    outcome = Outcome(sent, raised[0] if raised else None, cancelled_at, loop.time() - started)
    if stopping is not None:
        outcome.server_signals, outcome.drained_first = stopping.got, stopping.drained_first
        outcome.handler_restored = restored
    return outcome


class ServerStopSignal:
    """A server's own SIGTERM handler, as uvicorn's: it asks the app to shut down."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[dict[str, Any]], cancelled_at: list[float]
    ) -> None:
        self.loop, self.inbox = loop, inbox
        # When the server cancelled the lifespan: a signal after that finds no drain (it is stopping anyway).
        self.cancelled_at = cancelled_at
        self.got: list[int] = []
        self.drained_first = True
        self.previous = signal.signal(signal.SIGTERM, self.handle)

    def handle(self, number: int, frame: Any) -> None:
        self.got.append(number)
        self.drained_first = self.drained_first and (draining.is_draining() or bool(self.cancelled_at))
        self.loop.call_soon_threadsafe(self.inbox.put_nowait, {"type": "lifespan.shutdown"})

    def restore(self) -> bool:
        """Whether the lifespan left the server's handler in place; then put the test's back."""
        ours = signal.getsignal(signal.SIGTERM) == self.handle
        signal.signal(signal.SIGTERM, self.previous)
        reset_process()
        return ours


async def _in_lifespan(scenario: Scenario, log: Log) -> Outcome:
    """lifespan(), as a test or a script uses it; cancelled at a random moment, once or twice."""
    raised: list[BaseException] = []

    async def run() -> None:
        try:
            async with lifespan():
                log.write("started", "host")
        except BaseException as exc:
            raised.append(exc)
        finally:
            log.write("app-finished", "app")

    def cancel(task: asyncio.Task[None]) -> bool:
        task.cancel()
        return True

    return await _run_stoppable(scenario, run, raised, cancel)


async def _run_stoppable(scenario: Scenario, run: Any, raised: list[BaseException], stop: Any) -> Outcome:
    """Run the host; at the scenario's moments, ``stop(task)`` it (True when it could)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    task = loop.create_task(run())
    stopped_at: list[float] = []

    def stop_now() -> None:
        if not task.done() and stop(task):
            stopped_at.append(loop.time() - started)
        elif not task.done():
            loop.call_later(0.01, stop_now)  # Not ready to be stopped yet: try again shortly.

    server = scenario.server
    if server.cancel_after is not None:
        loop.call_later(server.cancel_after, stop_now)
        if server.cancel_twice:
            loop.call_later(server.cancel_after + 0.03, stop_now)
    done, _ = await asyncio.wait({task}, timeout=HUNG_AFTER)
    assert done, f"the host hung: still running after {HUNG_AFTER} s"
    return Outcome([], raised[0] if raised else None, stopped_at, loop.time() - started)


async def _lazily(scenario: Scenario, log: Log) -> Outcome:
    """Lazy startup: the first request enters the contexts; the loop's end exits them.

    A client that gives up (the scenario's stop) disconnects, and its request
    is cancelled, never the startup. The end of the loop comes after the
    request, whatever happened to it, and is played as asyncio.run() plays it,
    by cancelling the tasks that are left; a stop that arrives then reaches
    no one.
    """
    raised: list[BaseException] = []
    app = get_asgi_application()
    body = [{"type": "http.request", "body": b"", "more_body": False}]
    disconnected = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if body:
            return body.pop()
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            log.write("started", "host")

    async def run() -> None:
        try:
            await app(http_scope("/state/", None), receive, send)
        except BaseException as exc:
            raised.append(exc)
        finally:
            disconnected.set()  # The response is over: the server says so, as it does.

    def client_gives_up(task: asyncio.Task[None]) -> bool:
        disconnected.set()
        task.cancel()
        return True

    began = time.monotonic()
    with override_settings(LIFESPAN_LAZY_STARTUP=True, ROOT_URLCONF="tests.sites.urls"):
        try:
            outcome = await _run_stoppable(scenario, run, raised, client_gives_up)
        finally:
            await _end_of_the_loop(app)
            log.write("app-finished", "app")
    outcome.elapsed = time.monotonic() - began  # The loop's end included: services run until then.
    return outcome


async def _end_of_the_loop(app: Any) -> None:
    lazy = app._lazy
    if lazy is None:  # No request came, so no lazy startup was ever made.
        return
    left = [task for task in (lazy._starting, lazy.host and lazy.host._task) if task and not task.done()]
    for task in left:
        task.cancel()
    if left:
        await asyncio.wait(left)


async def _in_command(scenario: Scenario, log: Log) -> Outcome:
    """A LifespanCommand's run: its stop signals, one or two, reach it at a random moment."""
    raised: list[BaseException] = []
    found: list[StopSignals] = []

    async def ahandle() -> None:
        async with lifespan():
            log.write("started", "host")
            if scenario.server.cancel_after is not None:
                await asyncio.Event().wait()  # A command that runs until it is stopped.

    async def run() -> None:
        try:
            await _cancelled_by_signals(ahandle(), found)
            if found:
                found[0].raise_caught()
        except BaseException as exc:
            raised.append(exc)
        finally:
            log.write("app-finished", "app")

    def send_signal(task: asyncio.Task[None]) -> bool:
        if not found:
            return False  # Its handlers are not installed yet.
        found[0](signal.SIGTERM)  # What the handler loop.add_signal_handler installed calls.
        return True

    return await _run_stoppable(scenario, run, raised, send_signal)


async def _in_thread(scenario: Scenario, log: Log) -> Outcome:
    """start_in_thread(): stop() from another thread at a random moment, sometimes twice at once.

    While it runs, run() and arun() calls may be in flight (from threads, and from
    another event loop), and the process may fork a child, which runs a lifespan of its own.
    """
    raised: list[BaseException] = []
    handle = LifespanThread()
    stoppers: list[threading.Thread] = []
    started = time.monotonic()
    stopped_at: list[float] = []
    stop_began: list[float] = []
    calls = [InFlightCall(kind, f"w{index}") for index, kind in enumerate(scenario.in_flight)]
    forked: list[ForkedChild] = []

    def stop() -> None:
        stop_began.append(time.monotonic())
        try:
            handle.stop()
        except BaseException as exc:
            raised.append(exc)
        finally:
            log.write("stop-returned", "host")

    def stop_later(delay: float) -> None:
        def stop_now() -> None:
            stopped_at.append(time.monotonic() - started)
            stop()

        timer = threading.Timer(delay, stop_now)
        timer.name = "model stopper"
        stoppers.append(timer)
        timer.start()

    server = scenario.server
    if server.cancel_after is not None:
        stop_later(server.cancel_after)
        if server.cancel_twice:
            stop_later(server.cancel_after + 0.03)

    model_loop = asyncio.get_running_loop()

    def main() -> None:
        if scenario.fork == "before":
            forked.append(fork_a_lifespan())
        try:
            handle.start()
            log.write("started", "host")
        except BaseException as exc:
            raised.append(exc)
        for call in calls:  # After a failed start too: then each is told at once.
            call.begin(handle, log, model_loop)
        for call in calls:
            call.under_way.wait(HUNG_AFTER)
        if scenario.fork == "during":
            forked.append(fork_a_lifespan())
        stop()
        if scenario.fork == "after":
            forked.append(fork_a_lifespan())
        for stopper in stoppers:
            stopper.join(HUNG_AFTER)
            assert not stopper.is_alive(), "stop() from another thread hung"
        for call in calls:
            call.finished.wait(HUNG_AFTER)
        log.write("app-finished", "app")

    await asyncio.to_thread(main)
    outcome = Outcome([], raised[0] if raised else None, stopped_at, time.monotonic() - started)
    outcome.stop_began = stop_began[0] if stop_began else None
    outcome.in_flight, outcome.forked = calls, forked
    return outcome


@dataclass
class InFlightCall:
    """One run() (from a thread) or arun() (from another loop) of a coroutine; what its caller got."""

    kind: str
    name: str
    got: object = None
    done_at: float | None = None
    under_way: threading.Event = field(default_factory=threading.Event)  # Begun, or already answered.
    finished: threading.Event = field(default_factory=threading.Event)

    async def work(self, log: Log) -> str:
        log.write("inflight-began", self.name)
        self.under_way.set()
        try:
            if not self.kind.endswith("quick"):
                await asyncio.Event().wait()
        except asyncio.CancelledError:
            log.write("inflight-cancelled", self.name)
            if not self.kind.endswith("swallow"):
                raise
            await asyncio.sleep(0.01)  # Swallowed once; ends soon after, well within the grace.
        finally:
            log.write("inflight-ended", self.name)
        return self.name

    def answered(self, got: object) -> None:
        self.got, self.done_at = got, time.monotonic()
        self.under_way.set()
        self.finished.set()

    def begin(self, handle: LifespanThread[Any], log: Log, model_loop: asyncio.AbstractEventLoop) -> None:
        if self.kind.startswith("run-"):

            def call() -> None:
                try:
                    got: object = handle.run(self.work(log))
                except BaseException as exc:
                    got = exc
                self.answered(got)

            threading.Thread(target=call, name=f"model caller {self.name}", daemon=True).start()
            return

        async def acall() -> None:
            try:
                got: object = await handle.arun(self.work(log))
            except BaseException as exc:
                got = exc
            self.answered(got)

        asyncio.run_coroutine_threadsafe(acall(), model_loop)


@dataclass
class ForkedChild:
    """What a child forked from the model's process said, and how it ended."""

    lines: list[str]
    status: int | None  # The exit code; None if it hung and was killed.


def fork_a_lifespan() -> ForkedChild:
    """Fork; the child runs a lifespan of its own in a thread and reports each step through a pipe."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: forking with threads.
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, which never returns
        os.close(read_end)
        code = 1
        try:
            code = child_lifespan(write_end)
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + HUNG_AFTER
    with os.fdopen(read_end, "rb") as pipe:
        while (left := deadline - time.monotonic()) > 0 and select.select([pipe], [], [], left)[0]:
            chunk = os.read(pipe.fileno(), 4096)
            if not chunk:
                break  # The child has exited.
            chunks.append(chunk)
    lines = b"".join(chunks).decode().splitlines()
    if time.monotonic() >= deadline:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return ForkedChild(lines, None)
    return ForkedChild(lines, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))


def child_lifespan(out: int) -> int:  # pragma: no cover - runs in a forked child
    """The forked child: its own lifespan, a coroutine run on it, and its stop; 0 if all went well."""

    def say(line: str) -> None:
        os.write(out, line.encode() + b"\n")

    for number in range(3):  # The scenario's receivers (which may hang) are the parent's affair.
        asgi_startup.disconnect(dispatch_uid=f"fault-r{number}")
        asgi_shutdown.disconnect(dispatch_uid=f"fault-r{number}")

    @contextmanager
    def in_a_thread() -> Generator[dict[str, str]]:
        say("enter sync")
        yield {"sync": "child"}
        say("exit sync")

    @asynccontextmanager
    async def on_the_loop() -> AsyncGenerator[None]:
        say("enter async")
        yield
        say("exit async")

    async def work() -> str:
        return await asyncio.to_thread(lambda: "ran")

    try:
        handle = LifespanThread(contexts=[in_a_thread, on_the_loop])
        handle.start()
        say(handle.run(work()))
        handle.stop()
        say("stopped")
        return 0
    except BaseException as exc:
        say(f"raised {exc!r}")
        return 1


CHILD_LINES = ["enter sync", "enter async", "ran", "exit async", "exit sync", "stopped"]


async def _reply(outbox: asyncio.Queue[dict[str, Any]], task: asyncio.Task[None]) -> dict[str, Any] | None:
    getting = asyncio.ensure_future(outbox.get())
    await asyncio.wait({getting, task}, timeout=HUNG_AFTER, return_when=asyncio.FIRST_COMPLETED)
    if getting.done():
        return getting.result()
    getting.cancel()
    assert task.done(), f"no reply from the application within {HUNG_AFTER} s"
    return None


async def settle_everything(gates: Gates) -> None:
    """Let every abandoned owner finish: open the gates, then wait for threads and tasks."""
    gates.open_all()
    deadline = time.monotonic() + HUNG_AFTER
    loop = asyncio.get_running_loop()
    for thread in threading.enumerate():
        if thread.name.startswith("lifespan"):
            # Joined off the loop: the owners' runners may still need it to release them.
            await loop.run_in_executor(None, thread.join, max(0.0, deadline - time.monotonic()))
            assert not thread.is_alive(), (
                f"{thread.name} still running after its gate opened:\n{stack_of(thread)}"
            )
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if others:
        _, pending = await asyncio.wait(others, timeout=HUNG_AFTER)
        assert not pending, f"owner tasks still running: {pending}"


def stack_of(thread: threading.Thread) -> str:
    frame = sys._current_frames().get(thread.ident or 0)  # pyright: ignore[reportPrivateUsage]
    return "".join(traceback.format_stack(frame)) if frame is not None else "(no stack)"


# How the model's event loop runs: asyncio's own, or uvloop's (granian's default, uvicorn --loop uvloop).
LOOPS: dict[str, Callable[[Coroutine[Any, Any, Outcome]], Outcome]] = {
    "asyncio": asyncio.run,
    "uvloop": uvloop.run,
}

HOSTS = {
    "handler": _converse,
    "lifespan": _in_lifespan,
    "thread": _in_thread,
    "command": _in_command,
    "lazy": _lazily,
}


_TRACE = os.environ.get("FAULT_MODEL_TRACE")
_previous: list[Scenario] = []


def _trace(scenario: Scenario, when: str) -> None:
    if not _TRACE:
        return
    names = sorted(t.name for t in threading.enumerate())
    with open(_TRACE, "a") as out:
        out.write(f"{when} {threading.active_count()} {names}\n")
        if when == "before" and any(n.startswith("lifespan") for n in names):
            out.write(f"  LEFTOVER after {_previous[-1:]}\n")
            frames = sys._current_frames()  # pyright: ignore[reportPrivateUsage]
            for t in threading.enumerate():
                if t.name.startswith("lifespan") and t.ident in frames:
                    out.write("".join(traceback.format_stack(frames[t.ident])) + "\n")
    _previous[:] = [scenario]


def run_scenario(scenario: Scenario) -> tuple[Log, Outcome]:
    log, gates = Log(), Gates()
    _trace(scenario, "before")

    async def main() -> Outcome:
        try:
            outcome = await drive(scenario, log, gates)
        except BaseException:
            # What failed first is the story: an owner still held because the host hung
            # must not hide why it hung (nor may a settle failure replace it).
            try:
                await settle_everything(gates)
            except AssertionError as later:
                sys.stderr.write(f"fault model: then, while settling: {later}\n")
            raise
        await settle_everything(gates)
        return outcome

    heartbeat = Heartbeat()
    try:
        outcome = LOOPS[scenario.server.loop](main())
    finally:
        stalled = heartbeat.stop()
        _trace(scenario, "after")
    outcome.stalled = stalled
    return log, outcome


# -- the invariants --------------------------------------------------------------


def check(scenario: Scenario, log: Log, outcome: Outcome) -> None:
    contexts = scenario.contexts()
    position = {spec.name: index for index, step in enumerate(scenario.plan) for spec in step}
    by_name = {spec.name: spec for spec in contexts}

    # 1. Whatever completed its enter, at any moment, is exited exactly once; nothing else is.
    for spec in contexts:
        entered = len(log.events("entered", spec.name))
        exits = len(log.events("exit-called", spec.name))
        assert exits == entered, f"{spec.name}: entered {entered} time(s), exit called {exits} time(s)"

    # 2. By the owner that entered it: the same task, or the same thread.
    for spec in contexts:
        for (_, _, entered_by), (_, _, exited_by) in zip(
            log.events("enter-called", spec.name), log.events("exit-called", spec.name), strict=False
        ):
            assert entered_by == exited_by, f"{spec.name} entered by {entered_by}, exited by {exited_by}"

    # 3. In reverse order of entry, between steps; a context that finished entering only
    #    after startup gave up on it is exited as soon as it does, and is out of that order.
    finished = log.index("app-finished", "app")
    late = {name for name in by_name if log.events("entered", name) and log.index("entered", name) > finished}
    late |= {spec.name for spec in contexts if spec.fault in ("enter-late", "enter-swallow", "enter-hang")}
    exited = [line[1] for line in log.lines if line[0] == "exit-called" and line[1] not in late]
    for earlier, later in itertools.pairwise(exited):
        assert position[earlier] >= position[later], f"{earlier} exited before {later}: {exited}"

    # 4. No context can starve another: every one that entered in time had its
    #    exit called before the application finished, whatever hung meanwhile. (A second
    #    stop signal asks not to wait: an exit under way then, a wrapper's included, is
    #    abandoned to its owner, which still calls it, as 1 checks.)
    hurried = scenario.host == "command" and len(outcome.cancelled_at) > 1
    for spec in contexts:
        if spec.name in late or not log.events("entered", spec.name) or hurried:
            continue
        assert log.index("exit-called", spec.name) < finished, f"{spec.name} was exited only after the end"

    # 5. No thread that runs library or user code can keep the process alive.
    assert not outcome.non_daemon, f"non-daemon threads left running: {outcome.non_daemon}"

    # 6. A context whose thread could not start was never entered, and failed startup.
    if scenario.refused is not None:
        assert not log.events("enter-called", scenario.refused), log.lines

    check_services(scenario, log, outcome, position, late)
    check_in_flight(scenario, log, outcome)

    # F1. A child forked before, during or after a lifespan runs one of its own: it starts and stops.
    for child in outcome.forked:
        assert child.status is not None, f"the forked child hung: it said {child.lines}"
        assert (child.status, child.lines) == (0, CHILD_LINES), (child.status, child.lines)

    if scenario.host != "handler":
        check_host_outcome(scenario, outcome, log)
        assert outcome.elapsed < HUNG_AFTER
        return

    # 7. The server is told, exactly once per phase, and never left guessing.
    types = [message["type"] for message in outcome.sent]
    # A startup the machine starved past its timeout is judged as one stopped at a random moment.
    cancelled = bool(outcome.cancelled_at) or stalled_past_a_deadline(outcome, "startup")
    if cancelled and not types:
        # Cancelled before startup began: nothing was entered, nothing to tell.
        assert not log.events("enter-called"), log.lines
        return
    assert types[:1] in (["lifespan.startup.complete"], ["lifespan.startup.failed"]), types
    startup_failed = types[0] == "lifespan.startup.failed"
    enter_fault = [s.name for s in contexts if s.fault in ENTER_FAULTS]
    enter_fault += [scenario.refused] if scenario.refused is not None else []
    startup_receiver_fault = [
        r.name for r in scenario.receivers if r.signal == "startup" and r.fault != "none"
    ]
    if (enter_fault or startup_receiver_fault) and not cancelled:
        assert startup_failed, f"startup completed despite {enter_fault + startup_receiver_fault}"
    if startup_failed:
        assert types == ["lifespan.startup.failed"], types
        # ... and then the application raises, like Starlette's, so every driver sees it.
        assert outcome.raised is not None
        message = outcome.sent[0]["message"]
        assert message.startswith("Lifespan startup failed while "), message
        if not cancelled:
            culprits = enter_fault + startup_receiver_fault
            assert any(mentions(message, name) for name in culprits), (culprits, message)
    elif not cancelled and not stalled_past_a_deadline(outcome, "shutdown"):
        exit_fault = [s.name for s in contexts if s.fault in EXIT_FAULTS] + service_culprits(scenario, log)
        shutdown_receiver_fault = [
            r.name for r in scenario.receivers if r.signal == "shutdown" and r.fault != "none"
        ]
        culprits = exit_fault + shutdown_receiver_fault
        if culprits:
            assert types == ["lifespan.startup.complete", "lifespan.shutdown.failed"], (types, culprits)
            message = outcome.sent[1]["message"]
            # Every fault is reported, swallowed cancellations and hangs included.
            for name in culprits:
                assert mentions(message, name), (name, message)
            assert outcome.raised is not None
        else:
            assert types == ["lifespan.startup.complete", "lifespan.shutdown.complete"], types
            assert outcome.raised is None, outcome.raised
    if cancelled and not startup_failed:
        assert isinstance(outcome.raised, asyncio.CancelledError) or len(types) == 2, (types, outcome)

    # 8. Nothing hung: bounded by the limits, however the code under them behaved.
    assert outcome.elapsed < HUNG_AFTER

    # 9. A drain gives the server back its own signal handler, whatever happened, and the
    #    signal it held reaches that handler once, after the drain began (unless the server
    #    cancelled the lifespan first: then it is stopping anyway).
    if scenario.server.drain:
        assert outcome.handler_restored, "the server's SIGTERM handler was not given back"
        assert len(outcome.server_signals) <= 1 and outcome.drained_first, outcome.server_signals
        startup_completed = any(m["type"] == "lifespan.startup.complete" for m in outcome.sent)
        if startup_completed and not outcome.cancelled_at:
            assert outcome.server_signals == [signal.SIGTERM], "the held signal never reached the server"


def mentions(message: str, name: str) -> bool:
    """Whether a failure message names a context: plain, mounted, or wrapped in run_once."""
    return f"'fault.{name}'" in message or f"run_once('{name}'" in message


def check_host_outcome(scenario: Scenario, outcome: Outcome, log: Log) -> None:
    """What lifespan(), a lifespan thread or a command raises: every failure, nothing else."""
    if outcome.cancelled_at or stalled_past_a_deadline(outcome):
        return  # Stopped at a random moment: any outcome is honest, as long as 1-6 hold.
    contexts = scenario.contexts()
    startup = [s.name for s in contexts if s.fault in ENTER_FAULTS]
    startup += [r.name for r in scenario.receivers if r.signal == "startup" and r.fault != "none"]
    startup += [scenario.refused] if scenario.refused is not None else []
    shutdown = [s.name for s in contexts if s.fault in EXIT_FAULTS]
    shutdown += service_culprits(scenario, log)
    shutdown += [r.name for r in scenario.receivers if r.signal == "shutdown" and r.fault != "none"]
    if scenario.host == "lazy":
        shutdown = []  # At the loop's end there is no one to raise to: shutdown failures are logged.
    if startup or shutdown:
        assert outcome.raised is not None, f"no failure raised despite {startup + shutdown}"
        text = str(outcome.raised)
        if isinstance(outcome.raised, Exception) and not startup:
            for name in shutdown:
                assert mentions(text, name), (name, text)
    else:
        assert outcome.raised is None, repr(outcome.raised)


def service_culprits(scenario: Scenario, log: Log) -> list[str]:
    """Services that ran and then fail the shutdown: one that would not stop, one that raised SystemExit."""
    return [
        spec.name
        for spec in scenario.contexts()
        if spec.wrap == "background"
        and spec.fault in ("hang-on-cancel", "system-exit")
        and log.events("service-run", spec.name)
    ]


def check_services(
    scenario: Scenario, log: Log, outcome: Outcome, position: dict[str, int], late: set[str]
) -> None:
    """Background services: nothing left running, crash loops bounded, stopped before what they use."""
    finished = log.index("app-finished", "app")
    for spec in scenario.contexts():
        if spec.wrap not in ("background", "every"):
            continue
        runs = [i for i, line in enumerate(log.lines) if line[:2] == ("service-run", spec.name)]
        ends = [i for i, line in enumerate(log.lines) if line[:2] == ("service-ended", spec.name)]
        # S1. A crash loop is bounded by the backoff (a job by its interval): never more
        #     than one run per lower bound.
        shortest = EVERY_INTERVAL if spec.wrap == "every" else SERVICE_BACKOFF[0]
        assert len(runs) <= outcome.elapsed / shortest + 2, (spec.name, len(runs), outcome.elapsed)
        if spec.fault == "hang-on-cancel":
            continue  # Reported and abandoned; it ends when the scenario lets it (settle_everything).
        # S2. Nothing left running after the lifespan ends: every run ended before the host finished.
        assert len(ends) == len(runs), f"{spec.name}: {len(runs)} run(s), {len(ends)} ended"
        assert all(end < finished for end in ends), f"{spec.name} still ran after the lifespan ended"
        # S3. Stopped before the entries before it exit: they are what it uses.
        for other in scenario.contexts():
            if position[other.name] >= position[spec.name] or other.name in late or not ends:
                continue
            exits = log.events("exit-called", other.name)
            if exits:
                assert ends[-1] < log.index("exit-called", other.name), (
                    f"{other.name} exited under {spec.name}"
                )
    check_readiness(scenario, log)


def check_in_flight(scenario: Scenario, log: Log, outcome: Outcome) -> None:
    """run() and arun() in flight at stop: every caller is answered, in time, and plainly."""
    bound = (SHUTDOWN_TIMEOUT if scenario.server.timeouts else 0.0) + DEADLINE_SLACK
    for call in outcome.in_flight:
        # W1. Nothing that waits on the engine waits past the shutdown deadline: the caller
        #     gets the coroutine's result, or an error that says the lifespan is not running.
        assert call.done_at is not None, f"{call.kind} {call.name}: its caller is still waiting"
        if outcome.stop_began is not None and call.done_at > outcome.stop_began:
            waited = call.done_at - outcome.stop_began
            assert waited <= bound, f"{call.kind} {call.name}: answered {waited:.2f} s after stop()"
        if call.got != call.name:
            assert isinstance(call.got, RuntimeError) and "lifespan" in str(call.got).lower(), (
                call.kind,
                repr(call.got),
            )
            assert (
                not call.kind.endswith("wait")
                or not log.events("inflight-ended", call.name)
                or (isinstance(call.got, LifespanStoppedError))
            ), (call.kind, repr(call.got))
        else:
            assert not call.kind.endswith("wait"), f"{call.name} never returns, yet its caller got its value"
        # W2. A coroutine that heeds its cancellation ends before any context exits under it.
        if call.kind.endswith("wait") and log.events("inflight-began", call.name):
            ended = log.index("inflight-ended", call.name)
            began = log.index("inflight-began", call.name)
            exits = [i for i, line in enumerate(log.lines) if line[0] == "exit-called" and i > began]
            assert not exits or ended < exits[0], (
                f"{call.name} still ran when {log.lines[exits[0]][1]} exited"
            )


def check_readiness(scenario: Scenario, log: Log) -> None:
    """R1. readyz/ is never ready while a critical job has not succeeded since its last failure.

    Read race-free: once a job's retry has begun (a run logged after its failure),
    its supervisor has seen the failure, so a probe begun after that line and before
    the job logs a success must say not ready.
    """
    critical = {spec.name for spec in scenario.critical_jobs()}
    if not critical:
        return
    failed: dict[str, bool] = dict.fromkeys(critical, False)
    retrying: dict[str, bool] = dict.fromkeys(critical, False)
    probing: dict[int, list[str]] = {}  # A probe begun, and the jobs then retrying after a failure.
    for event, name, detail in log.lines:
        if name in critical:
            if event == "service-failed":
                failed[name], retrying[name] = True, False
            elif event == "service-run" and failed[name]:
                retrying[name] = True
            elif event == "service-succeeded":
                failed[name] = retrying[name] = False
        elif event == "probe-begin":
            probing[detail] = [job for job, is_retrying in retrying.items() if is_retrying]
        elif event == "probe" and detail[1]:
            down = probing.get(detail[0], [])
            assert not down, f"readyz/ said ready while {down} retried a failure, with no success since"
