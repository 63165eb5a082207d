"""LIFESPAN_STATE_TYPE: startup checks the real state against a TypedDict or Protocol."""

from __future__ import annotations

import io
from typing import Any, Protocol

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_lifespan_ctx._config.statetype import check_state_type, check_state_type_setting
from django_lifespan_ctx._config.type_hints import matches
from django_lifespan_ctx.asgi import get_asgi_application
from tests import contexts
from tests.asgi_driver import LifespanConversation
from tests.contexts import Resource

GOOD_RICH: dict[str, Any] = {
    "maybe": None,
    "either": "text",
    "piped": 3,
    "listing": [1],
    "mapping": {},
    "anything": object(),
    "generic": object(),
    "mode": "fast",
    "user": 7,
    "nested": {"title": "Dune"},
    "computed": 1,
    "callback": print,
}


def check(path: str, state: dict[str, Any], owners: dict[str, str] | None = None) -> None:
    with override_settings(LIFESPAN_STATE_TYPE=path):
        check_state_type(state, dict.fromkeys(state, "tests.lifespan.ctx") if owners is None else owners)


def test_unset_is_a_no_op_whatever_the_state() -> None:
    check_state_type({"anything": object()}, {})


def test_a_state_that_matches_passes_and_extra_keys_are_fine() -> None:
    check("tests.state_types.ProjectState", {"resource": Resource(), "count": 1, "extra": "fine"})
    check("tests.state_types.RichState", GOOD_RICH)
    check("tests.state_types.ItemState", {"client": "c"})
    check("tests.state_types.ItemState", {"client": "c", "optional": 1})


def test_a_wrong_type_names_the_key_both_types_and_the_context() -> None:
    owners = {"resource": "tests.contexts.resource", "count": "tests.contexts.counter"}
    with pytest.raises(TypeError) as info:
        check("tests.state_types.ProjectState", {"resource": Resource(), "count": "3"}, owners)
    assert str(info.value) == (
        "The lifespan state does not match LIFESPAN_STATE_TYPE 'tests.state_types.ProjectState': "
        "the key 'count' should be int, but is str (set by tests.contexts.counter)."
    )


def test_a_missing_key_says_no_context_set_it() -> None:
    with pytest.raises(TypeError) as info:
        check("tests.state_types.ProjectState", {"count": 1})
    assert "the key 'resource' (tests.contexts.Resource) is missing: no context or asgi_startup " in str(
        info.value
    )
    assert "(keys present: 'count')" in str(info.value)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(TypeError) as info:
        check("tests.state_types.ProjectState", {"count": None}, {})
    message = str(info.value)
    assert "'resource'" in message and "is missing" in message
    assert "the key 'count' should be int, but is NoneType (in the server's state before startup)" in message


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("maybe", 1),
        ("either", 1.5),
        ("piped", "x"),
        ("listing", (1,)),
        ("mapping", []),
        ("mode", "medium"),
        ("user", "7"),
        ("nested", ["Dune"]),
        ("computed", "1"),
        ("callback", "not callable"),
    ],
)
def test_each_kind_of_annotation_is_checked(key: str, bad: Any) -> None:
    with pytest.raises(TypeError, match=f"the key '{key}' should be "):
        check("tests.state_types.RichState", {**GOOD_RICH, key: bad})


def test_typeddict_required_and_optional_keys() -> None:
    with pytest.raises(TypeError, match="'client' .* is missing"):
        check("tests.state_types.ItemState", {"optional": 1})
    with pytest.raises(TypeError, match="the key 'optional' should be int, but is str"):
        check("tests.state_types.ItemState", {"client": "c", "optional": "1"})


def test_annotations_only_a_type_checker_can_see_are_still_required_keys() -> None:
    hidden = {"price": "any value", "count": 1, "total": "any value"}
    check("tests.state_types.HiddenTypes", hidden)
    with pytest.raises(TypeError, match="the key 'count' should be int"):
        check("tests.state_types.HiddenTypes", {**hidden, "count": "1"})
    with pytest.raises(TypeError, match="'price' .* is missing"):
        check("tests.state_types.HiddenTypes", {"count": 1, "total": 0})


def test_annotations_that_are_already_objects_are_used_as_they_are() -> None:
    from tests import state_types

    class Mixed(Protocol):
        pass

    # What a module without `from __future__ import annotations` holds.
    Mixed.__annotations__ = {"count": int, "price": "Decimal"}
    vars(state_types)["Mixed"] = Mixed
    try:
        with pytest.raises(TypeError, match="the key 'count' should be int"):
            check("tests.state_types.Mixed", {"count": "1", "price": 1})
    finally:
        del vars(state_types)["Mixed"]


def test_qualifiers_and_protocols_as_value_annotations() -> None:
    from typing import Annotated

    from tests.state_types import Closable, ProjectState

    assert matches(1, Annotated[int, "meta"]) and not matches("1", Annotated[int, "meta"])
    assert matches(object(), ProjectState)  # Not runtime-checkable: passes.
    assert matches(io.StringIO(), Closable) and not matches(1, Closable)


def test_what_cannot_be_checked_at_run_time_passes() -> None:
    from collections.abc import Callable
    from typing import ParamSpec

    assert matches(object(), Any) and matches(1, ParamSpec("P"))
    assert matches(print, Callable[..., int])
    assert matches("anything", "an unevaluated string")


@pytest.mark.parametrize(
    ("value", "check_id", "says"),
    [
        (42, "E020", "it must be the dotted path of a TypedDict or a Protocol"),
        ("tests.state_types.Nowhere", "E021", "does not import"),
        ("tests.state_types.NOT_A_TYPE", "E022", "neither a TypedDict nor a Protocol"),
        ("tests.state_types.PlainClass", "E022", "neither a TypedDict nor a Protocol"),
    ],
)
def test_the_system_check_validates_the_setting(value: Any, check_id: str, says: str) -> None:
    with override_settings(LIFESPAN_STATE_TYPE=value):
        [error] = check_state_type_setting()
    assert error.id == f"django_lifespan_ctx.{check_id}" and says in error.msg
    with override_settings(LIFESPAN_STATE_TYPE=value), pytest.raises(TypeError, match=says):
        check_state_type({}, {})


def test_the_system_check_warns_of_annotations_it_cannot_evaluate() -> None:
    with override_settings(LIFESPAN_STATE_TYPE="tests.state_types.HiddenTypes"):
        [warning] = check_state_type_setting()
    assert warning.id == "django_lifespan_ctx.W020" and "'price'" in warning.msg


def test_valid_settings_pass_the_system_check() -> None:
    assert check_state_type_setting() == []
    for path in ("tests.state_types.ProjectState", "tests.state_types.ItemState"):
        with override_settings(LIFESPAN_STATE_TYPE=path):
            assert check_state_type_setting() == []


@override_settings(LIFESPAN_STATE_TYPE="tests.state_types.Nowhere")
def test_the_check_is_registered() -> None:
    with pytest.raises(SystemCheckError, match=r"django_lifespan_ctx\.E021"):
        call_command("check")


async def started(path: str, entries: list[Any]) -> dict[str, Any]:
    with override_settings(LIFESPAN_STATE_TYPE=path, LIFESPAN_CONTEXTS=entries):
        conversation = LifespanConversation(get_asgi_application(), state={})
        reply = await conversation.startup()
        if reply["type"] == "lifespan.startup.complete":
            await conversation.shutdown()
        else:
            # The handler re-raises after telling the server, as servers expect.
            assert conversation.task is not None
            with pytest.raises(TypeError, match="does not match LIFESPAN_STATE_TYPE"):
                await conversation.task
    return reply


async def test_startup_succeeds_when_the_state_matches() -> None:
    reply = await started(
        "tests.state_types.ProjectState", [contexts.resource, "tests.config.test_statetype.counter"]
    )
    assert reply == {"type": "lifespan.startup.complete"}


async def test_startup_fails_naming_the_context_that_yielded_the_wrong_type() -> None:
    reply = await started(
        "tests.state_types.ProjectState", [contexts.resource, "tests.config.test_statetype.wrong"]
    )
    assert reply["type"] == "lifespan.startup.failed"
    assert (
        "the key 'count' should be int, but is str (set by tests.config.test_statetype.wrong)"
        in reply["message"]
    )
    assert contexts.EVENTS == ["enter resource", "exit resource"]  # Unwound like any failure.


async def test_startup_fails_when_no_context_yields_a_required_key() -> None:
    reply = await started("tests.state_types.ProjectState", [contexts.resource])
    assert reply["type"] == "lifespan.startup.failed"
    assert "the key 'count' (int) is missing: no context or asgi_startup receiver set it" in reply["message"]


def counter() -> Any:
    return _yielding({"count": 1})


def wrong() -> Any:
    return _yielding({"count": "1"})


def _yielding(state: dict[str, Any]) -> Any:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def context() -> Any:
        yield state

    return context()
