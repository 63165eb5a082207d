from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_lifespan_ctx import register_context
from django_lifespan_ctx._config.checks import check_settings
from tests import contexts


def check_ids(**settings: Any) -> list[str]:
    with override_settings(**settings):
        return [message.id or "" for message in check_settings()]


def test_a_valid_configuration_has_no_errors() -> None:
    setting = ["tests.contexts.alpha", (contexts.beta, contexts.gamma)]
    assert (
        check_ids(LIFESPAN_CONTEXTS=setting, LIFESPAN_STARTUP_TIMEOUT=5, LIFESPAN_SHUTDOWN_TIMEOUT=0.5) == []
    )


@pytest.mark.parametrize(
    ("setting", "check_id"),
    [
        ("tests.contexts.alpha", "E001"),
        ([3.5], "E002"),
        (["tests.contexts.nope"], "E003"),
        (["tests.contexts.EVENTS"], "E004"),
        ([()], "E005"),
        (["tests.contexts.alpha", contexts.alpha], "E006"),
        ([[contexts.alpha, [contexts.beta]]], "E007"),
        ([lambda a, b: None], "E008"),
    ],
)
def test_each_lifespan_contexts_problem_has_its_own_check_id(setting: Any, check_id: str) -> None:
    assert check_ids(LIFESPAN_CONTEXTS=setting) == [f"django_lifespan_ctx.{check_id}"]


@pytest.mark.parametrize("value", [0, -1, "5", True, [5]])
@pytest.mark.parametrize(
    ("name", "check_id"), [("LIFESPAN_STARTUP_TIMEOUT", "E009"), ("LIFESPAN_SHUTDOWN_TIMEOUT", "E010")]
)
def test_timeouts_must_be_positive_numbers_or_none(name: str, check_id: str, value: Any) -> None:
    assert check_ids(**{name: value}) == [f"django_lifespan_ctx.{check_id}"]


@pytest.mark.filterwarnings("ignore:register_context:DeprecationWarning")
def test_registered_contexts_are_checked_too() -> None:
    register_context("tests.contexts.not_there")
    with override_settings(LIFESPAN_CONTEXTS=[]):
        (error,) = check_settings()
    assert isinstance(error, Error)
    assert error.msg == (
        "register_context() 'tests.contexts.not_there' could not be imported: "
        'ImportError: Module "tests.contexts" does not define a "not_there" attribute/class.'
    )


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha", "tests.contexts.nope"])
def test_manage_py_check_fails_and_names_the_entry() -> None:
    with pytest.raises(SystemCheckError) as info:
        call_command("check")
    message = str(info.value)
    assert (
        "(django_lifespan_ctx.E003) LIFESPAN_CONTEXTS[1] 'tests.contexts.nope' could not be imported"
        in message
    )
    assert "HINT: Check the dotted path" in message


@pytest.mark.parametrize("value", [1, "yes", None])
def test_lazy_startup_must_be_a_boolean(value: Any) -> None:
    assert check_ids(LIFESPAN_LAZY_STARTUP=value) == ["django_lifespan_ctx.E011"]
    assert check_ids(LIFESPAN_LAZY_STARTUP=True) == []


class ClassBasedContext:
    def __enter__(self) -> None:
        return None  # pragma: no cover

    def __exit__(self, *exc_info: object) -> None:
        return None  # pragma: no cover


@pytest.mark.parametrize(
    ("made", "maker"),
    [
        (contexts.resource, "tests.contexts.resource"),
        (ClassBasedContext, "tests.config.test_checks.ClassBasedContext"),
    ],
)
def test_a_context_manager_listed_for_its_factory_gets_a_hint_naming_it(made: Any, maker: str) -> None:
    instance = made()
    with override_settings(LIFESPAN_CONTEXTS=[instance]):
        (error,) = check_settings()
    assert error.id == "django_lifespan_ctx.E004"
    assert error.hint.startswith(f"List {maker!r}, the factory that makes it, not a context manager it made")
