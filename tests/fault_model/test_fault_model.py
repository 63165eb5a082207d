"""The fault model, as a property: for every generated plan, fault and server behaviour.

`make test` runs a fixed, bounded number of examples; `make fuzz` runs many
more (FAULT_MODEL_EXAMPLES). Failures the search found are kept below as
named regression tests.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from django_lifespan_ctx import LifespanStoppedError
from django_lifespan_ctx._ops.services.spec import PeriodicService
from django_lifespan_ctx._ops.services.supervisor import Supervisor
from tests.fault_model.scenarios import (
    CHILD_LINES,
    EVERY_INTERVAL,
    FORK_MOMENTS,
    IN_FLIGHT,
    ContextSpec,
    ReceiverSpec,
    Scenario,
    ServerSpec,
    check,
    run_scenario,
    scenarios,
)

EXAMPLES = int(os.environ.get("FAULT_MODEL_EXAMPLES", "40"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 100,  # A fixed set in `make test`; a fresh search in `make fuzz`.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
@given(scenarios())
def test_every_plan_under_every_fault_keeps_the_guarantees(scenario: Scenario) -> None:
    log, outcome = run_scenario(scenario)
    check(scenario, log, outcome)


def single(name: str, fault: str, *, is_async: bool = True, exception: str = "Exception") -> ContextSpec:
    return ContextSpec(name, is_async, False, fault, exception, 0.01)


def play(*plan: tuple[ContextSpec, ...], receivers: tuple[ReceiverSpec, ...] = (), **server: object) -> None:
    spec = ServerSpec(
        cancel_after=server.get("cancel_after"),  # type: ignore[arg-type]
        cancel_twice=bool(server.get("cancel_twice", False)),
        timeouts=bool(server.get("timeouts", True)),
    )
    scenario = Scenario(tuple(plan), receivers, spec)
    log, outcome = run_scenario(scenario)
    check(scenario, log, outcome)


def test_a_refused_thread_in_a_group_before_an_async_member_does_not_hang_the_unwind() -> None:
    # Found by this model when services were added: on Python 3.11 (no eager tasks) the
    # unwind cancelled the later member's task before its first step, and its owner never
    # finished (Owner._task_ended now does).
    refused, after = single("c0", "none", is_async=False), single("c1", "none")
    scenario = Scenario(((refused, after),), (), ServerSpec(None, False, False), refused="c0")
    log, outcome = run_scenario(scenario)
    check(scenario, log, outcome)


def test_a_crash_looping_service_under_a_command_stopped_by_a_signal() -> None:
    crashing = ContextSpec("c0", True, False, "none", "Exception", 0.01)
    service = ContextSpec("c1", False, False, "crash-loop", "Exception", 0.01, wrap="background")
    scenario = Scenario(((crashing,), (service,)), (), ServerSpec(0.2, False, True), host="command")
    log, outcome = run_scenario(scenario)
    check(scenario, log, outcome)
    assert len(log.events("service-run", "c1")) >= 3  # It did loop, within its backoff.


def test_a_service_that_hangs_on_cancel_is_reported_and_the_context_before_it_still_exits() -> None:
    pool = ContextSpec("c0", True, False, "none", "Exception", 0.01)
    service = ContextSpec("c1", True, False, "hang-on-cancel", "Exception", 0.01, wrap="background")
    play((pool,), (service,))


def thread_scenario(*plan: tuple[ContextSpec, ...], **fields: Any) -> Scenario:
    return Scenario(tuple(plan), (), ServerSpec(None, False, True), host="thread", **fields)


def test_run_and_arun_in_flight_at_stop_are_answered_within_the_shutdown_deadline() -> None:
    scenario = thread_scenario(
        (single("c0", "none", is_async=False),), (single("c1", "slow"),), in_flight=IN_FLIGHT
    )
    log, outcome = run_scenario(scenario)
    check(scenario, log, outcome)
    waited = {call.kind: call.got for call in outcome.in_flight}
    assert all(isinstance(waited[kind], LifespanStoppedError) for kind in ("run-wait", "arun-wait"))
    assert len(log.events("inflight-cancelled")) == 4  # The waits and the swallows, before any exit.


def test_a_child_forked_before_during_and_after_a_lifespan_runs_its_own() -> None:
    for moment in FORK_MOMENTS:
        scenario = thread_scenario((single("c0", "none", is_async=False), single("c1", "none")), fork=moment)
        log, outcome = run_scenario(scenario)
        check(scenario, log, outcome)
        assert [child.lines for child in outcome.forked] == [CHILD_LINES], moment


def test_readyz_is_never_ready_while_a_critical_job_retries_a_slow_failure() -> None:
    for is_async in (True, False):
        flaky = ContextSpec("c1", is_async, False, "slow-recover", "Exception", 0.01, "every", critical=True)
        scenario = Scenario(
            ((single("c0", "none"),), (flaky,)), (), ServerSpec(0.35, False, True), host="command"
        )
        log, outcome = run_scenario(scenario)
        check(scenario, log, outcome)
        said = [detail[1] for event, _, detail in log.lines if event == "probe"]
        assert log.events("service-succeeded", "c1"), log.lines  # It did recover, ...
        assert True in said and False in said  # ... and the probes saw both.


def test_a_drained_server_on_uvloop_gets_its_signal_after_the_drain() -> None:
    server = ServerSpec(None, False, True, drain=True, loop="uvloop")
    scenario = Scenario(((single("c0", "none"),),), (), server)
    log, outcome = run_scenario(scenario)
    check(scenario, log, outcome)
    assert outcome.server_signals == [signal.SIGTERM]


def test_the_readiness_invariant_catches_a_retry_that_reports_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The bug issue 26 reported: each retry of a failing every() job marked it running.
    async def run_marked_running(self: PeriodicService, supervisor: Supervisor) -> None:
        supervisor.status.state = "running"
        await supervisor.periodic(EVERY_INTERVAL)

    monkeypatch.setattr(PeriodicService, "run", run_marked_running)
    with pytest.raises(AssertionError, match="readyz/ said ready while"):
        test_readyz_is_never_ready_while_a_critical_job_retries_a_slow_failure()
