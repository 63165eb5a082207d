# mysite/tests.py
import httpx
from django.test import SimpleTestCase

from django_lifespan_ctx.testing import LifespanTestMixin


def catalogue_answers(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"title": "Dune"})


FAKE_CATALOGUE = httpx.AsyncClient(
    base_url="http://catalogue.test", transport=httpx.MockTransport(catalogue_answers)
)


class TitleTests(LifespanTestMixin, SimpleTestCase):
    # One line: the service layer, both views and the threads reach the fake instead.
    lifespan_overrides = {"catalogue": FAKE_CATALOGUE}

    async def test_the_async_view(self) -> None:
        response = await self.async_client.get("/async/books/978-1/")
        self.assertEqual(response.json(), {"title": "Dune"})

    async def test_the_sync_view(self) -> None:
        # Through the async client, so async_to_sync finds the test's loop (see above).
        response = await self.async_client.get("/books/978-2/")
        self.assertEqual(response.json(), {"title": "Dune"})

    async def test_the_threads(self) -> None:
        response = await self.async_client.get("/titles/?isbn=1&isbn=2")
        self.assertEqual(response.json(), {"from_a_pool": ["Dune", "Dune"], "from_sync_work": "Dune"})
