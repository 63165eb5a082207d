# books/test_views.py
import pytest
from books.fakes import fake_books_client


@pytest.mark.asyncio
async def test_real_contexts_with_pytest_asyncio(lifespan_client):
    response = await lifespan_client.get("/kind/")
    assert response.json() == {"kind": "AsyncClient", "closed": False}


@pytest.mark.asyncio
@pytest.mark.lifespan(contexts=[fake_books_client])
async def test_replacement_with_pytest_asyncio(lifespan_client, lifespan_state):
    assert "books_client" in lifespan_state
    response = await lifespan_client.get("/count/")
    assert response.json() == {"count": 2}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.lifespan(contexts=[fake_books_client])
async def test_replacement_with_anyio(lifespan_client):
    response = await lifespan_client.get("/count/")
    assert response.json() == {"count": 2}


def test_sync(lifespan_sync_client):
    assert lifespan_sync_client.get("/kind/").json()["kind"] == "AsyncClient"
