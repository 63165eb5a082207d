"""One state, whoever started the lifespan: keys an asgi_startup receiver writes reach everyone.

The older django-asgi-lifespan style writes into scope["state"]; ours passes
`state`. Under a server both reach requests; under lifespan(), the test
helpers, lazy startup and `manage.py lifespan` they must too.
"""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from django_lifespan_ctx import lifespan
from django_lifespan_ctx.signals import asgi_startup
from django_lifespan_ctx.testing import lifespan_in_thread
from tests import contexts
from tests.asgi_driver import LifespanConversation, get


def writes_into_the_scope(*, scope: Any, **kwargs: Any) -> None:
    scope["state"]["from_scope"] = "written into scope['state']"


async def writes_into_the_state(*, state: Any, **kwargs: Any) -> None:
    state["from_state"] = "written into state"


@pytest.fixture(autouse=True)
def receivers() -> Any:
    asgi_startup.connect(writes_into_the_scope)
    asgi_startup.connect(writes_into_the_state)
    yield
    asgi_startup.disconnect(writes_into_the_scope)
    asgi_startup.disconnect(writes_into_the_state)


EXPECTED = {
    "alpha": "value of alpha",
    "from_scope": "written into scope['state']",
    "from_state": "written into state",
}


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
async def test_under_lifespan() -> None:
    async with lifespan() as state:
        assert dict(state) == EXPECTED


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
def test_under_the_sync_test_helper() -> None:
    with lifespan_in_thread() as state:
        assert dict(state) == EXPECTED


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha], LIFESPAN_LAZY_STARTUP=True)
async def test_under_lazy_startup() -> None:
    from django_lifespan_ctx.asgi import get_asgi_application

    app = get_asgi_application()
    status, body = await get(app, "/state/", state=None)
    assert status == 200
    assert body["keys"] == list(EXPECTED)
    assert app._lazy.host is not None
    await app._lazy.host.stop()


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
async def test_under_a_server() -> None:
    from django_lifespan_ctx.asgi import get_asgi_application

    app = get_asgi_application()
    server_state: dict[str, Any] = {}
    conversation = LifespanConversation(app, state=server_state)
    assert (await conversation.startup())["type"] == "lifespan.startup.complete"
    assert server_state == EXPECTED
    await conversation.shutdown()


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
def test_the_command_lists_receiver_keys_against_the_receiver() -> None:
    out = StringIO()
    call_command("lifespan", stdout=out)
    rows = out.getvalue().splitlines()
    assert re.fullmatch(
        r"tests\.serving\.test_one_state\.writes_into_the_scope "
        r"\(asgi_startup receiver\)\s+-\s+-\s+from_scope",
        rows[2],
    ), rows
    assert re.fullmatch(
        r"tests\.serving\.test_one_state\.writes_into_the_state "
        r"\(asgi_startup receiver\)\s+-\s+-\s+from_state",
        rows[3],
    ), rows
