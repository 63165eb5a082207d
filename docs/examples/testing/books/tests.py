# books/tests.py: replace the whole file
from django.test import SimpleTestCase, override_settings

from django_lifespan_ctx.testing import LifespanTestMixin, with_lifespan


class RealContexts(LifespanTestMixin, SimpleTestCase):
    async def test_the_real_client_is_open(self):
        response = await self.async_client.get("/kind/")
        self.assertEqual(response.json(), {"kind": "AsyncClient", "closed": False})

    def test_sync_client_and_sync_view(self):
        self.assertEqual(self.client.get("/kind/").json()["kind"], "AsyncClient")

    @override_settings(LIFESPAN_CONTEXTS=["books.fakes.fake_books_client"])
    async def test_swapped_with_override_settings(self):
        response = await self.async_client.get("/count/")
        self.assertEqual(response.json(), {"count": 2})


class Replacements(SimpleTestCase):
    @with_lifespan(contexts=["books.fakes.fake_books_client"])
    async def test_given_contexts(self):
        response = await self.async_client.get("/count/")
        self.assertEqual(response.json(), {"count": 2})
