"""docs/examples/typed_state.py, served: a TypedDict state read by item, checked at startup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from django_lifespan_ctx.asgi import get_asgi_application
from tests.asgi_driver import LifespanConversation, get

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
pytestmark = pytest.mark.urls("typed_state")


@pytest.fixture(autouse=True)
def examples_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))


@override_settings(LIFESPAN_CONTEXTS=["typed_state.books"], LIFESPAN_STATE_TYPE="typed_state.ProjectState")
async def test_the_typeddict_example_starts_checked_and_serves() -> None:
    app = get_asgi_application()
    server_state: dict[str, Any] = {}
    conversation = LifespanConversation(app, state=server_state)
    assert await conversation.startup() == {"type": "lifespan.startup.complete"}
    status, body = await get(app, "/books/", state=server_state.copy())
    _, again = await get(app, "/books/", state=server_state.copy())
    await conversation.shutdown()
    assert status == 200 and body == {"books": ["Dune", "Emma"], "visits": 1}
    assert again["visits"] == 2  # The dict is shared; the state around it is per request.
