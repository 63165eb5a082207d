"""pytest fixtures, registered through the pytest11 entry point.

The async fixture is defined twice, once for pytest-asyncio and once for
anyio's plugin, and [`lifespan_state`][django_lifespan_ctx.pytest_plugin.lifespan_state] picks the
one whose event loop runs
the test: resources bound to a loop must never cross loops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from django_lifespan_ctx._engine.state import State
    from django_lifespan_ctx.testing import LifespanAsyncClient, LifespanClient


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "lifespan(contexts=None, state=None, check_state_type=True, overrides=None): replace the "
        "project's lifespan contexts, or give the state outright, for the lifespan fixtures of this "
        "test; check_state_type=False leaves LIFESPAN_STATE_TYPE unchecked for it; overrides={KEY: "
        "fake} puts fakes in place of those keys' values while the real contexts still run.",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("lifespan")
    return dict(marker.kwargs) if marker else {}


async def _run_lifespan(request: pytest.FixtureRequest) -> AsyncIterator[State]:
    from django_lifespan_ctx.testing import lifespan_for_test

    async with lifespan_for_test(**_options(request)) as state:
        yield state


@pytest.fixture
async def _lifespan_state_anyio(request: pytest.FixtureRequest) -> AsyncIterator[State]:
    async for state in _run_lifespan(request):
        yield state


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - anyio's plugin alone
    has_pytest_asyncio = False
else:
    has_pytest_asyncio = True

    @pytest_asyncio.fixture
    async def _lifespan_state_asyncio(request: pytest.FixtureRequest) -> AsyncIterator[State]:
        async for state in _run_lifespan(request):
            yield state


@pytest.fixture
def lifespan_state(request: pytest.FixtureRequest) -> Any:
    """The project's lifespan, entered around the test; its State."""
    if "anyio_backend" in request.fixturenames:
        return request.getfixturevalue("_lifespan_state_anyio")
    if has_pytest_asyncio:
        return request.getfixturevalue("_lifespan_state_asyncio")
    raise pytest.UsageError(  # pragma: no cover
        "lifespan_state runs in the test's event loop: install pytest-asyncio, "
        "or mark the test for anyio's pytest plugin (@pytest.mark.anyio)."
    )


@pytest.fixture
def lifespan_client(lifespan_state: State) -> LifespanAsyncClient:
    """An AsyncClient whose requests see the lifespan state as request.state."""
    from django_lifespan_ctx.testing import LifespanAsyncClient

    return LifespanAsyncClient(lifespan_state)


@pytest.fixture
def lifespan_sync_client(request: pytest.FixtureRequest) -> Iterator[LifespanClient]:
    """For sync tests: a Client over the lifespan run on a loop in its own thread."""
    from django_lifespan_ctx.testing import LifespanClient, lifespan_in_thread

    with lifespan_in_thread(**_options(request)) as state:
        yield LifespanClient(state)
