from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_lifespan_ctx import registry, state
from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup
from tests import contexts


@pytest.fixture(autouse=True)
def clean_slate() -> Iterator[None]:
    """Each test starts with no recorded events, receivers or registrations."""
    contexts.EVENTS.clear()
    contexts.TASKS.clear()
    registered = list(registry._registered)
    startup_receivers = list(asgi_startup.receivers)
    shutdown_receivers = list(asgi_shutdown.receivers)
    yield
    state.set_process_state({})
    registry._registered[:] = registered
    asgi_startup.receivers[:] = startup_receivers
    asgi_shutdown.receivers[:] = shutdown_receivers
    asgi_startup.sender_receivers_cache.clear()
    asgi_shutdown.sender_receivers_cache.clear()
