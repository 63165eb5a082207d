# books/test_overrides.py
import httpx
import pytest
from books.fakes import fake_api
from django.test import SimpleTestCase

from django_lifespan_ctx import lifespan
from django_lifespan_ctx.testing import LifespanTestMixin, override_state

# The real client's class on a mock transport: it never reaches the API.
FAKE = httpx.AsyncClient(base_url="http://books.test", transport=httpx.MockTransport(fake_api))


@pytest.mark.asyncio
@pytest.mark.lifespan(overrides={"books_client": FAKE})
async def test_the_marker(lifespan_client, lifespan_state):
    assert lifespan_state["books_client"] is FAKE
    response = await lifespan_client.get("/count/")
    assert response.json() == {"count": 2}


@pytest.mark.asyncio
async def test_a_block_around_part_of_a_test(lifespan_client):
    # The client's requests see the fake even over a lifespan started before the block.
    with override_state(books_client=FAKE):
        response = await lifespan_client.get("/count/")
    assert response.json() == {"count": 2}


@pytest.mark.asyncio
async def test_around_lifespan_itself():
    with override_state(books_client=FAKE):
        async with lifespan() as state:
            assert state["books_client"] is FAKE


class WithTheMixin(LifespanTestMixin, SimpleTestCase):
    lifespan_overrides = {"books_client": FAKE}

    async def test_count(self):
        response = await self.async_client.get("/count/")
        self.assertEqual(response.json(), {"count": 2})
