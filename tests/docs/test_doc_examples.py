"""The example files the docs include, imported and run."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from django_lifespan_ctx._config.sources import build_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(autouse=True)
def examples_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))


def test_a_reusable_app_ships_its_context_before_the_settings() -> None:
    installed = [*settings.INSTALLED_APPS, "thumbnails"]
    with override_settings(INSTALLED_APPS=installed, LIFESPAN_CONTEXTS=["tests.contexts.alpha"]):
        steps = build_plan()
    assert [step.name for step in steps] == ["thumbnails.lifespan.image_pool", "tests.contexts.alpha"]  # type: ignore[union-attr]
    assert steps[0].origin == "app 'thumbnails' lifespan_contexts[0]"


async def test_the_registered_pool_opens_and_closes() -> None:
    from thumbnails.lifespan import image_pool

    async with image_pool() as state:
        assert state["image_pool"].submit(sum, [1, 2]).result() == 3


@override_settings(LIFESPAN_CONTEXTS=["tests.docs.test_doc_examples.catalogue_of_two"])
async def test_the_script_counts_books_through_lifespan() -> None:
    from count_books import count_books

    assert await count_books() == 2


from contextlib import contextmanager  # noqa: E402


@contextmanager
def catalogue_of_two():  # type: ignore[no-untyped-def]
    yield {"catalogue": [{"id": 1}, {"id": 2}]}


async def test_the_migrated_manager_runs_with_only_its_annotation_changed() -> None:
    from migrating.lifespan import HTTPX_CLIENT, httpx_lifespan_manager

    from django_lifespan_ctx import lifespan

    source = (EXAMPLES / "migrating" / "lifespan.py").read_text()
    assert "django_asgi_lifespan" not in source
    async with lifespan(contexts=[httpx_lifespan_manager]) as state:
        client = state[HTTPX_CLIENT]
        assert not client.is_closed
    assert client.is_closed


def test_the_migration_page_describes_the_old_annotation_as_it_is() -> None:
    from collections.abc import AsyncGenerator, MutableMapping
    from typing import Any

    types = pytest.importorskip("django_asgi_lifespan.types", reason="django-asgi-lifespan (bench extra)")
    assert types.LifespanManager == AsyncGenerator[MutableMapping[str, Any], None]
    page = (EXAMPLES.parent / "migrating.md").read_text()
    assert "`AsyncGenerator[MutableMapping[str, Any], None]`" in page
    assert "from django_asgi_lifespan.types import LifespanManager" in page
