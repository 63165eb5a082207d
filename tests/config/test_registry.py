from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

import pytest
from django.test import override_settings

from django_lifespan_ctx import register_context
from django_lifespan_ctx._config.sources import build_plan, inspect_plan
from django_lifespan_ctx._engine.plan import Entry, Group, PlanError
from tests import contexts

# register_context() is deprecated (see test_app_contexts.py) but still works: these prove it does.
deprecated_register_context = pytest.mark.filterwarnings("ignore:register_context:DeprecationWarning")


def ids_of_problems(contexts_setting: Any) -> list[str]:
    with override_settings(LIFESPAN_CONTEXTS=contexts_setting):
        return [problem.id for problem in inspect_plan()[1]]


def test_dotted_paths_callables_and_groups_build_an_ordered_plan() -> None:
    setting = ["tests.contexts.alpha", contexts.beta, ("tests.contexts.gamma", contexts.resource)]
    with override_settings(LIFESPAN_CONTEXTS=setting):
        plan = build_plan()
    first, second, group = plan
    assert isinstance(first, Entry) and first.name == "tests.contexts.alpha"
    assert first.factory is contexts.alpha and first.origin == "LIFESPAN_CONTEXTS[0]"
    assert isinstance(second, Entry) and second.name == "tests.contexts.beta"
    assert isinstance(group, Group)
    assert [m.name for m in group.members] == ["tests.contexts.gamma", "tests.contexts.resource"]
    assert group.members[1].origin == "LIFESPAN_CONTEXTS[2][1]"


def test_settings_are_read_when_the_plan_is_built_not_at_import() -> None:
    with override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha"]):
        assert [e.name for e in build_plan()] == ["tests.contexts.alpha"]  # type: ignore[union-attr]
    with override_settings(LIFESPAN_CONTEXTS=[]):
        assert build_plan() == ()


def test_a_missing_setting_means_no_contexts(settings: Any) -> None:
    del settings.LIFESPAN_CONTEXTS
    assert build_plan() == ()


def one_positional(state: Any) -> Any: ...
def one_optional(state: Any = None) -> Any: ...
def keyword_only(*, option: int = 1) -> Any: ...
def no_arguments() -> Any: ...
def two_required(a: Any, b: Any) -> Any: ...


@pytest.mark.parametrize(
    ("factory", "takes_state"),
    [
        (one_positional, True),
        (one_optional, True),
        (keyword_only, False),
        (no_arguments, False),
        (contexts.ClassContext, False),
        (contexts.uses_state, True),
        (contexts.alpha, False),
    ],
)
def test_factories_with_one_positional_parameter_take_the_state(factory: Any, takes_state: bool) -> None:
    with override_settings(LIFESPAN_CONTEXTS=[factory]):
        (entry,) = build_plan()
    assert isinstance(entry, Entry) and entry.takes_state is takes_state


@pytest.mark.parametrize(
    ("setting", "problem_id"),
    [
        ("tests.contexts.alpha", "E001"),
        ({"a": 1}, "E001"),
        ([42], "E002"),
        (["tests.contexts.does_not_exist"], "E003"),
        (["no_such_module.thing"], "E003"),
        (["tests.contexts.EVENTS"], "E004"),
        ([[]], "E005"),
        ([contexts.alpha, "tests.contexts.alpha"], "E006"),
        ([contexts.alpha, (contexts.beta, contexts.alpha)], "E006"),
        ([(contexts.alpha, (contexts.beta,))], "E007"),
        ([two_required], "E008"),
    ],
)
def test_each_kind_of_bad_entry_has_its_own_problem_id(setting: Any, problem_id: str) -> None:
    assert ids_of_problems(setting) == [problem_id]


def test_problems_name_the_entry_and_the_fix() -> None:
    setting = override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha", "tests.contexts.nope"])
    with setting, pytest.raises(PlanError) as info:
        build_plan()
    message = str(info.value)
    assert "LIFESPAN_CONTEXTS[1] 'tests.contexts.nope' could not be imported" in message
    assert "Check the dotted path" in message


def test_every_problem_is_reported_not_just_the_first() -> None:
    assert ids_of_problems([42, "nope.nope", []]) == ["E002", "E003", "E005"]


@deprecated_register_context
def test_registered_contexts_come_after_the_settings() -> None:
    register_context(contexts.gamma)
    register_context([contexts.resource, "tests.contexts.yields_nothing"])
    with override_settings(LIFESPAN_CONTEXTS=[contexts.alpha]):
        plan = build_plan()
    assert [type(step).__name__ for step in plan] == ["Entry", "Entry", "Group"]
    assert plan[1].origin == "register_context()"


@deprecated_register_context
def test_registering_twice_is_harmless_and_returns_the_factory() -> None:
    assert register_context(contexts.gamma) is contexts.gamma
    register_context(contexts.gamma)
    register_context("tests.contexts.beta")
    register_context("tests.contexts.beta")
    with override_settings(LIFESPAN_CONTEXTS=[]):
        assert len(build_plan()) == 2


@deprecated_register_context
def test_register_context_works_as_a_decorator() -> None:
    @register_context
    @asynccontextmanager
    async def decorated() -> Any:
        yield None

    with override_settings(LIFESPAN_CONTEXTS=[]):
        (entry,) = build_plan()
    assert isinstance(entry, Entry) and entry.factory is decorated


@deprecated_register_context
def test_a_registered_context_the_settings_also_list_takes_the_settings_place() -> None:
    register_context(contexts.alpha)
    with override_settings(LIFESPAN_CONTEXTS=[contexts.beta, "tests.contexts.alpha"]):
        plan = build_plan()
    assert [step.name for step in plan] == ["tests.contexts.beta", "tests.contexts.alpha"]  # type: ignore[union-attr]
