"""The state typed on every surface, and test lifespans checked against LIFESPAN_STATE_TYPE."""

from __future__ import annotations

import asyncio
import importlib
import unittest
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, override_settings

from django_lifespan_ctx import (
    LifespanStartupError,
    LifespanThread,
    State,
    current_state,
    lifespan,
    start_in_thread,
)
from django_lifespan_ctx._config.statetype import state_type_argument
from django_lifespan_ctx.management import LifespanCommand
from django_lifespan_ctx.testing import LifespanTestMixin, lifespan_for_test, lifespan_in_thread
from django_lifespan_ctx.threaded import running_lifespan
from tests import contexts
from tests.contexts import Resource
from tests.state_types import (
    AsksForMore,
    CountAsObject,
    CountAsText,
    CountDict,
    CountOnly,
    ItemState,
    ListingOfText,
    MappingState,
    NeedsOptional,
    ProjectState,
)

PROJECT = "tests.state_types.ProjectState"
# Yields 'resource' only: ProjectState also requires 'count'.
PARTIAL_FAKE = ["tests.contexts.resource"]
typed_project = override_settings(LIFESPAN_STATE_TYPE=PROJECT)


@asynccontextmanager
async def typed_project_async() -> AsyncIterator[None]:
    # Set after the (empty) lifespan has started: only the type asked for is under test.
    with override_settings(LIFESPAN_STATE_TYPE=PROJECT):
        yield


# -- current_state(ProjectState) -------------------------------------------


async def test_current_state_with_a_type_is_the_same_state() -> None:
    async with lifespan(contexts=[]) as state:
        assert current_state(ProjectState) is state is current_state()
        assert current_state(State) is state


async def test_a_type_that_asks_for_no_more_than_the_setting_passes() -> None:
    async with lifespan(contexts=[]) as state, typed_project_async():
        for asked in (ProjectState, MappingState, CountOnly, CountAsObject, CountDict, State):
            assert current_state(asked) is state


async def test_a_type_that_asks_for_more_says_which_keys_and_the_fix() -> None:
    async with lifespan(contexts=[]), typed_project_async():
        with pytest.raises(TypeError) as info:
            current_state(AsksForMore)
    assert str(info.value) == (
        "current_state(AsksForMore): tests.state_types.AsksForMore asks for what "
        "LIFESPAN_STATE_TYPE 'tests.state_types.ProjectState' does not promise: the key 'title' "
        "(str) is not in it. Startup checks the state against LIFESPAN_STATE_TYPE only, so these "
        "reads would go unchecked. Describe these keys in tests.state_types.ProjectState too, or "
        "ask for ProjectState itself (or a type whose keys it has, with the same types)."
    )


@typed_project
def test_a_key_of_another_type_is_refused_before_any_state_is_looked_up() -> None:
    # No lifespan runs here: the type is refused first, not the missing state.
    with pytest.raises(TypeError, match=r"the key 'count' is int there, not str\."):
        current_state(CountAsText)


@override_settings(LIFESPAN_STATE_TYPE="tests.state_types.ItemState")
def test_a_key_required_by_the_type_but_optional_in_the_setting_is_refused() -> None:
    with pytest.raises(TypeError, match="the key 'optional' is required here but not there"):
        current_state(NeedsOptional)
    with pytest.raises(LookupError):
        current_state(ItemState)  # Compatible: the lookup itself fails, outside any lifespan.


@override_settings(LIFESPAN_STATE_TYPE="tests.state_types.RichState")
def test_generic_annotations_must_be_the_same() -> None:
    with pytest.raises(TypeError, match=r"the key 'listing' is list\[int\] there, not list\[str\]"):
        current_state(ListingOfText)


def test_a_type_argument_given_as_a_string_is_not_checked() -> None:
    class Quoted(LifespanCommand["ProjectState"]):  # type: ignore[type-arg]
        pass

    assert state_type_argument(Quoted, LifespanCommand) is None
    assert state_type_argument(TypedCommand, LifespanCommand) is CountOnly
    assert state_type_argument(OverreachingCommand, LifespanTestMixin) is None


def test_something_that_describes_no_state_is_refused_with_or_without_the_setting() -> None:
    with pytest.raises(TypeError, match=r"current_state\(dict\): <class 'dict'> does not describe a state"):
        current_state(dict)
    with typed_project, pytest.raises(TypeError, match=r"current_state\(42\): 42 does not describe"):
        current_state(42)  # type: ignore[call-overload]


# -- LifespanCommand[ProjectState], start_in_thread(ProjectState) -----------


class TypedCommand(LifespanCommand[CountOnly]):
    async def ahandle(self, *args: Any, **options: Any) -> str:
        return f"count is {self.state.count}"


class OverreachingCommand(LifespanCommand[AsksForMore]):
    async def ahandle(self, *args: Any, **options: Any) -> str:
        raise AssertionError("never runs: the type is refused first")


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.resource"])
def test_a_command_typed_beyond_the_setting_fails_before_entering_anything() -> None:
    with typed_project, pytest.raises(CommandError, match=r"LifespanCommand\[AsksForMore\]: .*'title'"):
        call_command(OverreachingCommand())
    assert contexts.EVENTS == []


@override_settings(LIFESPAN_CONTEXTS=[], LIFESPAN_STATE_TYPE="tests.state_types.CountDict")
def test_a_typed_command_runs_with_self_state_as_its_type() -> None:
    def set_count(**kwargs: Any) -> None:
        kwargs["state"]["count"] = 3

    from django_lifespan_ctx.signals import asgi_startup

    asgi_startup.connect(set_count, weak=False)
    output = call_command(TypedCommand())
    assert output == "count is 3"


def test_start_in_thread_with_a_type_types_the_handle_and_checks_first() -> None:
    with typed_project, pytest.raises(TypeError, match=r"start_in_thread\(AsksForMore\)"):
        start_in_thread(AsksForMore, contexts=PARTIAL_FAKE)
    assert contexts.EVENTS == []  # Nothing was entered.
    with pytest.raises(LookupError):
        running_lifespan()
    with start_in_thread(CountOnly, contexts=PARTIAL_FAKE) as running:
        assert isinstance(running, LifespanThread)
        assert running.state is current_state() and running_lifespan(CountOnly) is running
        with typed_project, pytest.raises(TypeError, match=r"running_lifespan\(CountAsText\)"):
            running_lifespan(CountAsText)
    assert contexts.EVENTS == ["enter resource", "exit resource"]


# -- Test lifespans: replacements are checked, with the fixes, or opted out --


@typed_project
async def test_replacement_contexts_that_yield_too_little_fail_with_the_fixes() -> None:
    with pytest.raises(LifespanStartupError) as info:
        async with lifespan_for_test(contexts=PARTIAL_FAKE):
            raise AssertionError("never runs")
    message = str(info.value)
    assert message.startswith(
        "Lifespan startup failed while checking the state against LIFESPAN_STATE_TYPE: "
        "StateTypeMismatch: The lifespan state does not match LIFESPAN_STATE_TYPE "
        "'tests.state_types.ProjectState': the key 'count' (int) is missing"
    )
    assert (
        "In a test: yield 'count' from the replacement contexts too (a fake of each), or give "
        "the whole state with state={...} instead of contexts; or leave the check out of this "
        "test with check_state_type=False (in @pytest.mark.lifespan(...)"
    ) in message
    assert contexts.EVENTS == ["enter resource", "exit resource"]  # Unwound as a server's would.


@typed_project
async def test_a_given_state_is_checked_too() -> None:
    with pytest.raises(LifespanStartupError) as info:
        async with lifespan_for_test(state={"resource": Resource()}):
            raise AssertionError("never runs")
    assert str(info.value).startswith(
        "Lifespan startup failed while checking the test's state={...} against LIFESPAN_STATE_TYPE"
    )
    assert "the key 'count' (int) is missing: the test's state={...} has no such key" in str(info.value)
    assert "In a test: add 'count' to the test's state={...}; or leave the check out" in str(info.value)
    with pytest.raises(LifespanStartupError) as info:
        async with lifespan_for_test(state={"resource": Resource(), "count": "3"}):
            raise AssertionError("never runs")
    assert "the key 'count' should be int, but is str (set by the test's state={...})" in str(info.value)
    assert "In a test: give those keys values of the types LIFESPAN_STATE_TYPE declares;" in str(info.value)


@typed_project
async def test_a_test_can_opt_out_and_the_setting_comes_back_after_startup() -> None:
    async with lifespan_for_test(contexts=PARTIAL_FAKE, check_state_type=False) as state:
        assert sorted(state) == ["resource"]
        assert settings.LIFESPAN_STATE_TYPE == PROJECT
    async with lifespan_for_test(state={"resource": "a stand-in"}, check_state_type=False) as state:
        assert state == {"resource": "a stand-in"}
    async with lifespan_for_test(CountOnly, state={"resource": Resource(), "count": 1}) as state:
        assert state["count"] == 1


@typed_project
def test_the_thread_helper_follows_the_same_rule() -> None:
    refused = pytest.raises(LifespanStartupError, match="In a test: yield 'count' from the replacement")
    with refused, lifespan_in_thread(contexts=PARTIAL_FAKE):
        raise AssertionError("never runs")
    # The opt-out must reach the loop thread, which has none of this thread's context.
    with lifespan_in_thread(contexts=PARTIAL_FAKE, check_state_type=False) as state:
        assert sorted(state) == ["resource"]
    refused = pytest.raises(LifespanStartupError, match="In a test: add 'resource', 'count' to the")
    with refused, lifespan_in_thread(state={}):
        raise AssertionError("never runs")
    with pytest.raises(TypeError, match=r"lifespan_in_thread\(AsksForMore\)"):
        lifespan_in_thread(AsksForMore)


@pytest.fixture
def project_typed() -> Iterator[None]:
    with typed_project:
        yield


@pytest.mark.lifespan(contexts=PARTIAL_FAKE, check_state_type=False)
async def test_the_marker_opts_out(project_typed: None, lifespan_state: State) -> None:
    assert sorted(lifespan_state) == ["resource"]


@pytest.mark.lifespan(state={"resource": Resource(), "count": 2})
def test_the_sync_fixture_checks_a_complete_given_state(
    project_typed: None, lifespan_sync_client: Any
) -> None:
    assert lifespan_sync_client.get("/state/").json()["keys"] == ["count", "resource"]


def run_case(case: type[SimpleTestCase], name: str) -> unittest.TestResult:
    result = unittest.TestResult()
    case(name)(result)  # As Django's runner calls it: async tests run too.
    return result


def test_the_mixin_types_lifespan_state_and_checks_its_type_argument() -> None:
    seen: list[int] = []

    class Typed(LifespanTestMixin[CountOnly], SimpleTestCase):
        lifespan_given_state = {"resource": Resource(), "count": 4}

        async def test_reads(self) -> None:
            seen.append(self.lifespan_state.count)

    class Overreaching(LifespanTestMixin[AsksForMore], SimpleTestCase):
        lifespan_given_state = {"resource": Resource(), "count": 4}

        def test_reads(self) -> None:
            raise AssertionError("never runs")

    class OptedOut(LifespanTestMixin[CountOnly], SimpleTestCase):
        lifespan_contexts = PARTIAL_FAKE
        lifespan_check_state_type = False

        def test_reads(self) -> None:
            seen.append(len(self.lifespan_state))  # type: ignore[arg-type]

    with typed_project:
        assert run_case(Typed, "test_reads").wasSuccessful()
        refused = run_case(Overreaching, "test_reads")
        assert len(refused.errors) == 1
        assert "LifespanTestMixin[AsksForMore]: " in refused.errors[0][1]
        assert run_case(OptedOut, "test_reads").wasSuccessful()
    assert seen == [4, 1]


EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def typed_example(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    with override_settings(
        LIFESPAN_CONTEXTS=["typed_everywhere.shop"], LIFESPAN_STATE_TYPE="typed_everywhere.ShopState"
    ):
        yield importlib.import_module("typed_everywhere")


async def test_the_typed_example_runs_as_the_docs_show(typed_example: Any) -> None:
    assert await asyncio.to_thread(call_command, typed_example.Command()) == "2 titles, 0 visits"
    await typed_example.test_catalogue()
    assert run_case(typed_example.ShopTests, "test_catalogue").wasSuccessful()
    async with lifespan():
        assert typed_example.catalogue_size() == 2


def test_the_typed_example_in_a_thread_and_a_worker(
    typed_example: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    typed_example.script()
    assert capsys.readouterr().out == "['Dune', 'Emma']\n"
    with start_in_thread():
        assert typed_example.task() == 0
