"""Reusable apps ship contexts as AppConfig.lifespan_contexts: entered first, checked, listed, left out."""

from __future__ import annotations

import warnings
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import override_settings

from django_lifespan_ctx import LifespanStartupError, lifespan, register_context
from django_lifespan_ctx._config.checks import check_settings
from django_lifespan_ctx._config.sources import build_plan
from django_lifespan_ctx._engine.plan import Entry, Group
from tests import contexts

PAYMENTS = "tests.shipping_apps.payments"
SEARCH = "tests.shipping_apps.search"
MISSPELT = "tests.shipping_apps.misspelt"


def installing(*apps: str, **more: Any) -> override_settings:
    # Django's own way to change INSTALLED_APPS in a test: the app registry is rebuilt, then restored.
    return override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, *apps], **more)


def names(plan: Any) -> list[str]:
    found: list[str] = []
    for step in plan:
        found += [member.name for member in step.members] if isinstance(step, Group) else [step.name]
    return found


def test_apps_contexts_come_first_in_installed_apps_order_with_the_app_as_origin() -> None:
    with installing(SEARCH, PAYMENTS, LIFESPAN_CONTEXTS=["tests.contexts.alpha"]):
        plan = build_plan()
    assert names(plan) == [
        "tests.shipping_apps.search.lifespan.index_client",
        "tests.shipping_apps.search.lifespan.ranker",
        "tests.shipping_apps.payments.lifespan.payments_client",
        "tests.contexts.alpha",
    ]
    group, payments, alpha = plan
    assert isinstance(group, Group) and group.origin == "app 'search' lifespan_contexts[0]"
    assert group.members[1].origin == "app 'search' lifespan_contexts[0][1]"
    assert isinstance(payments, Entry) and payments.origin == "app 'payments' lifespan_contexts[0]"
    assert payments.app == "payments" and isinstance(alpha, Entry) and alpha.app is None


async def test_they_are_entered_before_the_projects_and_exited_after_them() -> None:
    with installing(PAYMENTS, LIFESPAN_CONTEXTS=["tests.contexts.alpha"]):
        async with lifespan() as state:
            assert state["payments_client"] == "value of payments_client"
            contexts.record("running")
    assert contexts.EVENTS == [
        "enter payments_client",
        "enter alpha",
        "running",
        "exit alpha",
        "exit payments_client",
    ]


def test_a_context_the_project_also_lists_is_entered_where_the_project_lists_it() -> None:
    listed = ["tests.contexts.alpha", "tests.shipping_apps.payments.lifespan.payments_client"]
    with installing(PAYMENTS, LIFESPAN_CONTEXTS=listed):
        plan = build_plan()
    assert names(plan) == listed
    assert [step.origin for step in plan] == ["LIFESPAN_CONTEXTS[0]", "LIFESPAN_CONTEXTS[1]"]


async def test_a_key_two_owners_yield_names_both_and_the_app_that_ships_one() -> None:
    thief = "tests.shipping_apps.search.lifespan.steals_the_payments_key"
    with installing(PAYMENTS, LIFESPAN_CONTEXTS=[thief]), pytest.raises(LifespanStartupError) as info:
        async with lifespan():
            pass  # pragma: no cover
    assert str(info.value.failure.error) == (
        f"{thief!r} yielded the key 'payments_client', which "
        "'tests.shipping_apps.payments.lifespan.payments_client' (app 'payments') already set. "
        "Rename one of the two keys: each key has one owner."
    )
    # Both were entered, and both exited, in reverse order.
    assert contexts.EVENTS == [
        "enter payments_client",
        "enter steals_the_payments_key",
        "exit steals_the_payments_key",
        "exit payments_client",
    ]


def test_the_lifespan_command_lists_them_with_the_app_as_origin() -> None:
    out = StringIO()
    with installing(PAYMENTS, LIFESPAN_CONTEXTS=["tests.contexts.alpha"]):
        call_command("lifespan", "--list", stdout=out)
    assert [line.split(maxsplit=2) for line in out.getvalue().splitlines()] == [
        ["#", "context", "from"],
        ["1", "tests.shipping_apps.payments.lifespan.payments_client", "app 'payments' lifespan_contexts[0]"],
        ["2", "tests.contexts.alpha", "LIFESPAN_CONTEXTS[0]"],
    ]
    assert contexts.EVENTS == []


def test_a_misspelt_path_is_checked_naming_the_app_and_the_nearest_name() -> None:
    with installing(MISSPELT, LIFESPAN_CONTEXTS=[]):
        (error,) = check_settings()
    assert error.id == "django_lifespan_ctx.E003"
    assert error.msg.startswith(
        "app 'misspelt' lifespan_contexts[0] 'tests.shipping_apps.payments.lifespan.payment_client' "
        "could not be imported"
    )
    assert error.hint == "Did you mean 'tests.shipping_apps.payments.lifespan.payments_client'?"


async def test_startup_refuses_the_same_problem_and_enters_nothing() -> None:
    refused = pytest.raises(LifespanStartupError, match=r"app 'misspelt' lifespan_contexts\[0\]")
    with installing(PAYMENTS, MISSPELT, LIFESPAN_CONTEXTS=["tests.contexts.alpha"]), refused:
        async with lifespan():
            pass  # pragma: no cover
    assert contexts.EVENTS == []


def test_a_lifespan_contexts_that_is_not_a_list_says_where_to_fix_it() -> None:
    with installing(PAYMENTS):
        from django.apps import apps

        config = apps.get_app_config("payments")
        config.lifespan_contexts = "tests.contexts.alpha"  # type: ignore[attr-defined]
        (error,) = check_settings()
    assert error.id == "django_lifespan_ctx.E001"
    assert error.msg == "app 'payments' lifespan_contexts must be a list or tuple, not str."
    assert (
        error.hint == 'Write lifespan_contexts = ["myapp.lifespan.my_context", ...] on the app\'s AppConfig.'
    )


async def test_the_project_leaves_an_apps_contexts_out_by_its_label() -> None:
    with installing(PAYMENTS, SEARCH, LIFESPAN_EXCLUDE_APPS=["payments"], LIFESPAN_CONTEXTS=[]):
        assert check_settings() == []
        async with lifespan() as state:
            assert "payments_client" not in state and "index_client" in state
    assert "enter payments_client" not in contexts.EVENTS


def test_a_label_that_ships_nothing_is_a_warning_that_lists_the_labels_that_do() -> None:
    with installing(PAYMENTS, LIFESPAN_EXCLUDE_APPS=["paymnets"]):
        (warning,) = check_settings()
    assert isinstance(warning, checks.Warning) and warning.id == "django_lifespan_ctx.W017"
    assert "'paymnets'" in warning.msg and "Apps that ship contexts: 'payments'." in warning.hint


@pytest.mark.parametrize("value", ["payments", [["payments"]], [1]])
async def test_an_exclusion_setting_of_the_wrong_shape_is_refused_everywhere(value: Any) -> None:
    with installing(PAYMENTS, LIFESPAN_EXCLUDE_APPS=value):
        (error,) = check_settings()
        assert error.id == "django_lifespan_ctx.E016"
        with pytest.raises(LifespanStartupError, match="E016"):
            async with lifespan():
                pass  # pragma: no cover
        with pytest.raises(CommandError, match="E016"):
            call_command("lifespan", "--list", stdout=StringIO())
    assert contexts.EVENTS == []


async def test_replacement_contexts_leave_apps_contexts_out_like_the_projects() -> None:
    with installing(PAYMENTS):
        async with lifespan(contexts=["tests.contexts.alpha"]) as state:
            assert set(state) == {"alpha"}
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


def test_register_context_is_deprecated_in_favour_of_the_attribute() -> None:
    with pytest.warns(DeprecationWarning, match=r"`lifespan_contexts = \[\.\.\.\]` on the app's AppConfig"):
        register_context("tests.contexts.gamma")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with override_settings(LIFESPAN_CONTEXTS=[]):
            assert names(build_plan()) == ["tests.contexts.gamma"]  # It still works.


FORGETFUL = "tests.shipping_apps.forgetful"
FUSSY = "tests.shipping_apps.fussy"
UNREADABLE = {
    FORGETFUL: "AttributeError: 'Settings' object has no attribute 'FORGETFUL_CLIENTS'",
    FUSSY: "ImproperlyConfigured: FUSSY_URL must be an https:// URL",
}


@pytest.mark.parametrize("app", [FORGETFUL, FUSSY])
async def test_an_app_whose_lifespan_contexts_raises_is_a_check_and_startup_error_naming_it(app: str) -> None:
    label, error = app.rsplit(".", 1)[1], UNREADABLE[app]
    expected = (
        f"App {label!r}: reading its AppConfig.lifespan_contexts raised {error}, so none of its "
        "contexts can be entered."
    )
    with installing(PAYMENTS, app, LIFESPAN_CONTEXTS=["tests.contexts.alpha"]):
        (problem,) = check_settings()
        with pytest.raises(SystemCheckError, match="django_lifespan_ctx.E023"):
            call_command("check", stdout=StringIO(), stderr=StringIO())
        with pytest.raises(LifespanStartupError) as refused:
            async with lifespan():
                pass  # pragma: no cover
    assert (problem.id, problem.msg) == ("django_lifespan_ctx.E023", expected)
    assert problem.hint == (
        "Fix the app's lifespan_contexts (a setting it reads may be missing), or leave its "
        f'contexts out with LIFESPAN_EXCLUDE_APPS = ["{label}"].'
    )
    assert f"django_lifespan_ctx.E023: {expected}" in str(refused.value)
    assert contexts.EVENTS == []  # Nothing entered: not the other apps', not the project's.


async def test_the_project_can_leave_an_unreadable_apps_contexts_out() -> None:
    with installing(FORGETFUL, LIFESPAN_EXCLUDE_APPS=["forgetful"], LIFESPAN_CONTEXTS=[contexts.alpha]):
        assert check_settings() == []
        async with lifespan() as state:
            assert set(state) == {"alpha"}
