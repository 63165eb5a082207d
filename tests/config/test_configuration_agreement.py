"""`manage.py check`, server startup and `manage.py lifespan` agree on every configuration problem.

Startup runs the library's own system checks, so the three cannot drift; this
proves it for each problem, through each door.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import override_settings

from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.contexts import background, every
from tests import contexts
from tests.asgi_driver import LifespanConversation

INSTALLED = list(settings.INSTALLED_APPS)


def bare_generator() -> Iterator[dict[str, int]]:
    yield {"a": 1}  # pragma: no cover


async def plain_async_def() -> dict[str, int]:
    return {"a": 1}  # pragma: no cover


def keyword_only(*, client: Any) -> Any:
    return contexts.alpha()  # pragma: no cover


PROBLEMS: dict[str, tuple[dict[str, Any], str]] = {
    "not a list": ({"LIFESPAN_CONTEXTS": "tests.contexts.alpha"}, "E001"),
    "not a path or callable": ({"LIFESPAN_CONTEXTS": [42]}, "E002"),
    "cannot be imported": ({"LIFESPAN_CONTEXTS": ["tests.contexts.nope"]}, "E003"),
    "module raises at import": ({"LIFESPAN_CONTEXTS": ["tests.broken.raises_at_import.context"]}, "E003"),
    "a context manager, not its factory": ({"LIFESPAN_CONTEXTS": [contexts.alpha()]}, "E004"),
    "empty group": ({"LIFESPAN_CONTEXTS": [[]]}, "E005"),
    "listed twice": ({"LIFESPAN_CONTEXTS": [contexts.alpha, contexts.alpha]}, "E006"),
    "nested group": ({"LIFESPAN_CONTEXTS": [[contexts.alpha, [contexts.beta]]]}, "E007"),
    "two required arguments": ({"LIFESPAN_CONTEXTS": [lambda a, b: None]}, "E008"),
    "bad startup timeout": ({"LIFESPAN_STARTUP_TIMEOUT": "soon"}, "E009"),
    "bad shutdown timeout": ({"LIFESPAN_SHUTDOWN_TIMEOUT": -1}, "E010"),
    "bad lazy startup": ({"LIFESPAN_LAZY_STARTUP": "yes"}, "E011"),
    "undecorated async generator": ({"LIFESPAN_CONTEXTS": [contexts.forgot_the_decorator]}, "E012"),
    "undecorated generator": ({"LIFESPAN_CONTEXTS": [bare_generator]}, "E013"),
    "plain async def": ({"LIFESPAN_CONTEXTS": [plain_async_def]}, "E014"),
    "required keyword-only argument": ({"LIFESPAN_CONTEXTS": [keyword_only]}, "E015"),
    "an app ships a misspelt path": (
        {"INSTALLED_APPS": [*INSTALLED, "tests.shipping_apps.misspelt.apps.MisspeltConfig"]},
        "E003",
    ),
    "bad LIFESPAN_EXCLUDE_APPS": ({"LIFESPAN_EXCLUDE_APPS": "payments"}, "E016"),
    "two services of one name": (
        {"LIFESPAN_CONTEXTS": [background("a.b", name="x"), every(1, "a.c", name="x")]},
        "E019",
    ),
    "an app's lifespan_contexts raises AttributeError": (
        {"INSTALLED_APPS": [*INSTALLED, "tests.shipping_apps.forgetful.apps.ForgetfulConfig"]},
        "E023",
    ),
}


@pytest.fixture(params=PROBLEMS, ids=list(PROBLEMS))
def problem(request: pytest.FixtureRequest) -> Any:
    overrides, id = PROBLEMS[request.param]
    with override_settings(**overrides):
        yield f"django_lifespan_ctx.{id}"


def test_check_reports_it(problem: str) -> None:
    with pytest.raises(SystemCheckError, match=problem):
        call_command("check", stdout=StringIO(), stderr=StringIO())


async def test_server_startup_refuses_it_with_the_same_id_and_hint(problem: str) -> None:
    conversation = LifespanConversation(get_asgi_application(), state={})
    reply = await conversation.startup()
    assert reply["type"] == "lifespan.startup.failed"
    assert problem in reply["message"] and "HINT: " in reply["message"]
    assert await conversation.finish() is not None
    assert contexts.EVENTS == []  # Refused before anything was entered.


def test_the_lifespan_command_turns_it_into_a_command_error_with_the_hint(problem: str) -> None:
    with pytest.raises(CommandError, match=problem) as info:
        call_command("lifespan", stdout=StringIO())
    assert "HINT: " in str(info.value)
    with pytest.raises(CommandError, match=problem):
        call_command("lifespan", "--list", stdout=StringIO())
