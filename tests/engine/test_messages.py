"""Every message reads as a sentence and says the fix."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lifespan_ctx import LifespanStartupError, lifespan
from django_lifespan_ctx._config.checks import check_settings
from tests import contexts


class AsyncClient:
    pass


@asynccontextmanager
async def yields_a_client() -> AsyncIterator[Any]:
    yield AsyncClient()


async def test_an_article_agrees_with_the_class_name() -> None:
    with pytest.raises(LifespanStartupError, match="yielded an AsyncClient; a lifespan context must yield"):
        async with lifespan(contexts=[yields_a_client]):
            pass  # pragma: no cover


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
def test_one_context_is_singular() -> None:
    out = StringIO()
    call_command("lifespan", stdout=out)
    assert out.getvalue().endswith("Startup and shutdown succeeded (1 context).\n")


@override_settings(LIFESPAN_CONTEXTS=["tests.broken.missing_dependency.context"])
def test_a_missing_dependency_of_the_module_is_named_as_such() -> None:
    (error,) = check_settings()
    assert error.msg == (
        "LIFESPAN_CONTEXTS[0] 'tests.broken.missing_dependency.context' could not be imported: "
        "ModuleNotFoundError: No module named 'a_package_that_is_not_installed'."
    )
    assert error.hint == (
        "'tests.broken.missing_dependency' imports 'a_package_that_is_not_installed', which is not "
        "installed: install the package that provides it, or remove that import."
    )


@override_settings(LIFESPAN_CONTEXTS=["tests.broken.raises_at_import.context"])
def test_a_module_that_raises_at_import_is_a_problem_with_a_way_to_see_the_traceback() -> None:
    (error,) = check_settings()
    assert "RuntimeError: this module cannot be imported" in error.msg
    assert error.hint == (
        "The module raised while being imported: "
        '`python -c "import tests.broken.raises_at_import"` shows where.'
    )


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_enter, contexts.beta])
def test_the_command_marks_the_context_that_failed() -> None:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("lifespan", stdout=out)
    rows = out.getvalue().splitlines()
    assert re.fullmatch(r"tests\.contexts\.fails_on_enter\s+FAILED\s+-\s+-", rows[2]), rows
    assert re.fullmatch(r"tests\.contexts\.beta\s+not reached\s+-\s+-", rows[3]), rows


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_exit])
def test_the_command_marks_a_failed_exit_in_the_shutdown_column() -> None:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("lifespan", stdout=out)
    assert re.fullmatch(
        r"tests\.contexts\.fails_on_exit\s+[\d.]+ ms\s+FAILED\s+-", out.getvalue().splitlines()[2]
    )


@asynccontextmanager
async def yields_many_keys() -> AsyncIterator[dict[str, int]]:
    yield {f"key_number_{index:07}": index for index in range(100_000)}


async def test_the_startup_line_stays_short_however_large_the_state(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="django_lifespan_ctx")
    async with lifespan(contexts=[yields_many_keys]):
        pass
    (line,) = [r.getMessage() for r in caplog.records if "startup complete" in r.getMessage()]
    assert len(line) < 600
    assert line.endswith(" more")
    assert "key_number_0000000" in line


def test_without_the_app_installed_startup_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    from django_lifespan_ctx._config import configuration

    configuration._warned_not_installed = False
    installed = ["django.contrib.contenttypes", "django.contrib.auth"]
    with override_settings(INSTALLED_APPS=installed):
        configuration.configuration_problems()
        configuration.configuration_problems()
    warnings = [r.getMessage() for r in caplog.records if "INSTALLED_APPS" in r.getMessage()]
    assert warnings == [configuration.NOT_INSTALLED]
    assert "Add 'django_lifespan_ctx' to INSTALLED_APPS" in warnings[0]
