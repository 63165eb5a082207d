# shop/tests.py
from django.test import SimpleTestCase
from shop.state import ShopState

from django_lifespan_ctx import start_in_thread
from django_lifespan_ctx.testing import LifespanTestMixin, lifespan_for_test


class GivenState(LifespanTestMixin[ShopState], SimpleTestCase):
    lifespan_given_state = {"catalogue": ["Dune"], "visits": 0}

    def test_catalogue(self) -> None:
        self.assertEqual(self.lifespan_state.catalogue, ["Dune"])


class OtherWays(SimpleTestCase):
    async def test_lifespan_for_test(self) -> None:
        async with lifespan_for_test(ShopState, state={"catalogue": ["Dune"], "visits": 0}) as state:
            self.assertEqual(state.catalogue, ["Dune"])

    def test_the_real_contexts_in_a_thread(self) -> None:
        # As a script does: the project's LIFESPAN_CONTEXTS, entered in a thread of their own.
        with start_in_thread(ShopState) as running:
            self.assertEqual(running.state.catalogue, ["Dune", "Emma"])
