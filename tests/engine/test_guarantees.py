"""Named regression tests: each failure the issue saw, and each the fault model found.

Every test plays one scenario through the fault model (tests/fault_model/scenarios.py),
which checks every invariant against what the contexts logged, then asserts
what is particular to that case. docs/guarantees.md names these tests.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from tests.asgi_driver import LifespanConversation
from tests.fault_model.scenarios import (
    SHUTDOWN_TIMEOUT,
    ContextSpec,
    Log,
    ReceiverSpec,
    Scenario,
    ServerSpec,
    check,
    run_scenario,
)

pytestmark = pytest.mark.filterwarnings("error")


def ctx(
    name: str, fault: str = "none", *, is_async: bool = True, exception: str = "Exception"
) -> ContextSpec:
    return ContextSpec(name, is_async, False, fault, exception, 0.05)


def play(
    *plan: tuple[ContextSpec, ...],
    receivers: tuple[ReceiverSpec, ...] = (),
    cancel_after: float | None = None,
    cancel_twice: bool = False,
) -> tuple[Log, Any]:
    scenario = Scenario(tuple(plan), receivers, ServerSpec(cancel_after, cancel_twice, timeouts=True))
    log, outcome = run_scenario(scenario)
    check(scenario, log, outcome)
    return log, outcome


def test_a_sync_enter_that_finishes_after_startup_gave_up_is_exited_in_its_thread() -> None:
    # A group sibling fails while a sync context is still inside __enter__.
    log, outcome = play((ctx("c0", "enter-raise"), ctx("c1", "enter-late", is_async=False)))
    assert outcome.sent[0]["type"] == "lifespan.startup.failed"
    ((_, _, entered_by),) = log.events("entered", "c1")
    ((_, _, exited_by),) = log.events("exit-called", "c1")
    assert entered_by == exited_by and entered_by[0] == "thread"


def test_a_sync_enter_still_running_at_the_startup_timeout_is_exited_when_it_returns() -> None:
    log, outcome = play((ctx("c0", is_async=False),), (ctx("c1", "enter-late", is_async=False),))
    assert "LIFESPAN_STARTUP_TIMEOUT (0.3 s) expired" in outcome.sent[0]["message"]
    assert len(log.events("exit-called", "c1")) == 1


def test_a_blocked_sync_exit_does_not_starve_the_next_sync_context() -> None:
    log, outcome = play((ctx("c0", is_async=False),), (ctx("c1", "exit-hang", is_async=False),))
    message = outcome.sent[1]["message"]
    # The one that hung is blamed, and the one before it is still exited, on time.
    assert f"exiting 'fault.c1', when LIFESPAN_SHUTDOWN_TIMEOUT ({SHUTDOWN_TIMEOUT:g} s) expired" in message
    assert "fault.c0" not in message
    finished = log.index("app-finished", "app")
    assert log.index("exited", "c0") < finished


def test_cancellation_while_a_group_is_exiting_still_exits_what_came_before() -> None:
    # A second Ctrl+C, or hypercorn's shutdown timeout, while the group exits slowly.
    log, _ = play(
        (ctx("c0"),),
        (ctx("c1", "exit-swallow"), ctx("c2", "exit-hang")),
        cancel_after=0.45,
        cancel_twice=True,
    )
    assert len(log.events("exit-called", "c0")) == 1


@pytest.mark.parametrize("exception", ["SystemExit", "KeyboardInterrupt"])
def test_a_shutdown_receiver_raising_a_base_exception_still_gets_every_context_exited(exception: str) -> None:
    receiver = ReceiverSpec("r0", "shutdown", is_async=False, fault="raise", exception=exception)
    log, outcome = play((ctx("c0"),), (ctx("c1", is_async=False),), receivers=(receiver,))
    assert [line[1] for line in log.events("exit-called")] == ["c1", "c0"]
    assert outcome.sent[1]["type"] == "lifespan.shutdown.failed"
    assert type(outcome.raised).__name__ == exception  # Passed on once every exit has run.


def test_a_hanging_shutdown_receiver_is_bounded_by_the_shutdown_timeout() -> None:
    receiver = ReceiverSpec("r0", "shutdown", is_async=True, fault="hang", exception="Exception")
    _, outcome = play((ctx("c0"),), receivers=(receiver,))
    assert (
        "running asgi_shutdown receiver 'fault.r0', when LIFESPAN_SHUTDOWN_TIMEOUT"
        in outcome.sent[1]["message"]
    )


def test_an_exit_that_swallows_cancellation_is_reported_over_its_limit_not_as_success() -> None:
    log, outcome = play((ctx("c0"),), (ctx("c1", "exit-swallow"),))
    assert log.events("swallowed", "c1")
    assert "exiting 'fault.c1', when LIFESPAN_SHUTDOWN_TIMEOUT" in outcome.sent[1]["message"]


def test_a_group_member_that_swallows_cancellation_on_enter_does_not_hang_startup() -> None:
    log, outcome = play((ctx("c0", "enter-raise"), ctx("c1", "enter-swallow")))
    assert outcome.sent[0]["type"] == "lifespan.startup.failed"
    # It finished entering after its cancellation, and was exited by its own task.
    assert len(log.events("entered", "c1")) == len(log.events("exit-called", "c1")) == 1


@pytest.mark.parametrize("exception", ["SystemExit", "KeyboardInterrupt"])
def test_a_context_raising_a_base_exception_fails_startup_and_the_app_raises_it(exception: str) -> None:
    _, outcome = play((ctx("c0"),), (ctx("c1", "enter-raise", exception=exception),))
    assert outcome.sent == [
        {
            "type": "lifespan.startup.failed",
            "message": f"Lifespan startup failed while entering 'fault.c1': {exception}: c1 enter fault",
        }
    ]
    assert type(outcome.raised).__name__ == exception


@pytest.mark.django_db(transaction=True, databases=["on_disk"])
async def test_database_connections_a_sync_context_opened_are_closed_when_it_exits() -> None:
    seen: dict[str, Any] = {}

    class UsesTheDatabase:
        def __enter__(self) -> None:
            with connections["on_disk"].cursor() as cursor:
                cursor.execute("SELECT 1")
            seen["connection"] = connections["on_disk"]
            seen["thread"] = threading.get_ident()

        def __exit__(self, *exc_info: Any) -> None:
            seen["open at exit"] = seen["connection"].connection is not None

    with override_settings(LIFESPAN_CONTEXTS=[UsesTheDatabase]):
        from django_lifespan_ctx.asgi import get_asgi_application

        conversation = LifespanConversation(get_asgi_application(), state={})
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        assert seen["connection"].connection is not None
        assert (await conversation.shutdown())["type"] == "lifespan.shutdown.complete"
    assert seen["open at exit"]  # Still usable inside its own exit...
    assert seen["connection"].connection is None  # ...and closed once the context has exited.
    assert seen["thread"] != threading.get_ident()
