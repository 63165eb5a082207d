# reviews/tests.py
from django.test import SimpleTestCase

from django_lifespan_ctx.testing import LifespanTestMixin, override_state

from .keys import REVIEWS_CLIENT, ReviewsClient


class OneStar(ReviewsClient):
    def stars(self, title: str) -> int:
        return 1


class StarsTests(LifespanTestMixin, SimpleTestCase):
    async def test_stars(self) -> None:
        response = await self.async_client.get("/reviews/Dune/")
        self.assertEqual(response.json(), {"title": "Dune", "stars": 5, "open": True})

    def test_the_client_in_the_state(self) -> None:
        client = self.lifespan_state[REVIEWS_CLIENT]  # Typed here too.
        self.assertEqual(client.stars("Emma"), 5)

    async def test_with_a_fake(self) -> None:
        # Any fake but a ReviewsClient would be a type error here.
        with override_state(REVIEWS_CLIENT, OneStar()):
            response = await self.async_client.get("/reviews/Dune/")
        self.assertEqual(response.json()["stars"], 1)
