"""The visits app's own test: its counter replaced by a fake, its real context still entered and exited."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import SimpleTestCase, override_settings
from django.urls import path
from visits.keys import VISIT_COUNTER, VisitCounter
from visits.views import visits

from django_lifespan_ctx.testing import LifespanTestMixin, lifespan_in_thread

urlpatterns = [path("visits/", visits)]


class AlreadyCounting(VisitCounter):
    def __init__(self) -> None:
        super().__init__()
        self.counts["/visits/"] = 41


@override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "visits"], ROOT_URLCONF=__name__)
class VisitsPageTests(LifespanTestMixin, SimpleTestCase):
    lifespan_overrides = {VISIT_COUNTER: AlreadyCounting()}

    async def test_the_page_counts_on_the_fake(self) -> None:
        response = await self.async_client.get("/visits/")
        assert "served 42 times" in response.content.decode()
        assert isinstance(self.lifespan_state[VISIT_COUNTER], AlreadyCounting)


@override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "visits"])
def test_the_real_context_is_entered_and_exited_around_the_fake(caplog: pytest.LogCaptureFixture) -> None:
    fake = {VISIT_COUNTER: AlreadyCounting()}
    with caplog.at_level(logging.INFO, "visits.lifespan"), lifespan_in_thread(overrides=fake) as state:
        assert state[VISIT_COUNTER].total() == 41
    assert [record.getMessage() for record in caplog.records] == [
        "visit counter opened",
        "visit counter closed after 0 visits",
    ]
