# catalog/tests.py: replace the whole file
from catalog.models import Genre
from django.test import TransactionTestCase

from django_lifespan_ctx.testing import LifespanTestMixin


class GenresTests(LifespanTestMixin, TransactionTestCase):
    # TransactionTestCase, not TestCase: rows from setUp are committed before
    # the contexts, in threads of their own, read them.
    def setUp(self):
        Genre.objects.bulk_create([Genre(name="Poetry"), Genre(name="Fiction")])

    async def test_the_view_lists_the_genres_read_at_startup(self):
        response = await self.async_client.get("/genres/")
        self.assertEqual(response.json()["genres"], ["Fiction", "Poetry"])

    def test_a_sync_test_sees_them_too(self):
        self.assertEqual(self.lifespan_state["genres"], ["Fiction", "Poetry"])
