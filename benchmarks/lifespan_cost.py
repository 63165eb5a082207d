"""Startup and shutdown: framework cost per context, and a group of slow contexts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from django_lifespan_ctx._engine.hosts import lifespan_scope
from django_lifespan_ctx._engine.runner import Runner
from django_lifespan_ctx._serving.setup import SETUP

from .driver import Lifespan, alternate, median, table

NOOP_CONTEXTS = 200
ROUNDS = 30
# The per-context rounds are timed in CPU time of this thread: on a shared machine a
# round of a few milliseconds is often preempted for as long again, which wall time
# would charge to whichever candidate was running. No-op contexts never wait, so the
# CPU time is all of their cost. The slow group below is timed by the wall clock.
Clock = Callable[[], float]
SLEEPERS = 10
SLEEP = 0.1


def noop(index: int) -> Any:
    # Yields an empty state: the peer merges what every context yields and needs a mapping.
    @asynccontextmanager
    async def context() -> AsyncIterator[dict[str, Any]]:
        yield {}

    context.__qualname__ = f"noop_{index}"
    return context


def sleeper(index: int) -> Any:
    @asynccontextmanager
    async def context() -> AsyncIterator[dict[str, int]]:
        await asyncio.sleep(SLEEP)
        yield {f"sleeper_{index}": index}
        await asyncio.sleep(SLEEP)

    context.__qualname__ = f"sleeper_{index}"
    return context


async def ours(contexts: list[Any], clock: Clock = time.perf_counter) -> tuple[float, float]:
    scope = lifespan_scope()
    # A new list each round: the plan is built and checked again, as a process's startup does.
    runner = Runner(setup=SETUP, sender=None, scope=scope, state=scope["state"], contexts=list(contexts))
    started = clock()
    await runner.startup()
    entered = clock()
    failures = await runner.shutdown()
    assert not failures
    return entered - started, clock() - entered


async def bare_exit_stack(factories: list[Any], clock: Clock = time.perf_counter) -> float:
    # The floor: entering and exiting the same contexts with nothing around them.
    started = clock()
    async with AsyncExitStack() as stack:
        for factory in factories:
            await stack.enter_async_context(factory())
    return clock() - started


def peer_installed() -> bool:
    try:
        import django_asgi_lifespan  # noqa: F401
    except ImportError:
        return False
    return True


def per_context(loop: asyncio.AbstractEventLoop) -> str:
    factories = [noop(i) for i in range(NOOP_CONTEXTS)]
    clock = time.thread_time
    candidates = {
        "django-lifespan-ctx": lambda: sum(loop.run_until_complete(ours(factories, clock))),
        "bare AsyncExitStack": lambda: loop.run_until_complete(bare_exit_stack(factories, clock)),
    }
    if peer_installed():
        candidates["django-asgi-lifespan"] = lambda: sum(loop.run_until_complete(theirs(factories, clock)))
    results = alternate(ROUNDS, candidates)
    per = {name: median(timings) / NOOP_CONTEXTS * 1e6 for name, timings in results.items()}
    ours_us, floor_us = per["django-lifespan-ctx"], per["bare AsyncExitStack"]
    rows = [
        ("enter + exit, per context", "median µs", "ratio to ours"),
        ("django-lifespan-ctx (all of it)", f"{ours_us:.2f}", "1.00"),
    ]
    if "django-asgi-lifespan" in per:
        peer = per["django-asgi-lifespan"]
        rows.append(
            ("django-asgi-lifespan (the peer, same contexts)", f"{peer:.2f}", f"{peer / ours_us:.2f}")
        )
    rows += [
        ("bare AsyncExitStack (the contexts themselves)", f"{floor_us:.2f}", f"{floor_us / ours_us:.2f}"),
        ("our framework cost (ours minus the floor)", f"{ours_us - floor_us:.2f}", ""),
    ]
    title = f"Startup + shutdown of {NOOP_CONTEXTS} no-op contexts, {ROUNDS} alternating rounds, CPU time"
    return title + "\n" + table(rows)


async def theirs(factories: list[Any], clock: Clock = time.perf_counter) -> tuple[float, float]:
    from django_asgi_lifespan.handler import LifespanASGIHandler as TheirHandler
    from django_asgi_lifespan.register import register_lifespan_manager
    from django_asgi_lifespan.signals import asgi_lifespan

    saved = list(asgi_lifespan.receivers)
    try:
        for factory in factories:
            register_lifespan_manager(context_manager=factory)
        conversation = Lifespan(TheirHandler())
        started = clock()
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        entered = clock()
        assert (await conversation.shutdown())["type"] == "lifespan.shutdown.complete"
        return entered - started, clock() - entered
    finally:
        asgi_lifespan.receivers[:] = saved
        asgi_lifespan.sender_receivers_cache.clear()


def group(loop: asyncio.AbstractEventLoop) -> str:
    factories = [sleeper(i) for i in range(SLEEPERS)]
    group_of_all: list[Any] = [tuple(factories)]
    candidates = {"django-lifespan-ctx (one group)": lambda: loop.run_until_complete(ours(group_of_all))}
    if peer_installed():
        candidates["django-asgi-lifespan"] = lambda: loop.run_until_complete(theirs(factories))
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in candidates}
    for round_number in range(3):
        for name in candidates if round_number % 2 == 0 else reversed(list(candidates)):
            results[name].append(candidates[name]())  # type: ignore[arg-type]
    rows = [("", "startup ms", "shutdown ms")]
    for name, timings in results.items():
        rows.append(
            (
                name,
                f"{median([t[0] for t in timings]) * 1000:.1f}",
                f"{median([t[1] for t in timings]) * 1000:.1f}",
            )
        )
    title = f"{SLEEPERS} contexts that each sleep {SLEEP * 1000:.0f} ms on enter and on exit (median of 3)"
    return title + "\n" + table(rows)


def run() -> str:
    loop = asyncio.new_event_loop()
    try:
        return per_context(loop) + "\n\n" + group(loop)
    finally:
        loop.close()
