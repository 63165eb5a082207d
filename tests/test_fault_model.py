"""The fault model, as a property: for every generated plan, fault and server behaviour.

`make test` runs a fixed, bounded number of examples; `make fuzz` runs many
more (FAULT_MODEL_EXAMPLES). Failures the search found are kept below as
named regression tests.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from tests.fault_model import ContextSpec, ReceiverSpec, Scenario, ServerSpec, check, run_scenario, scenarios

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
