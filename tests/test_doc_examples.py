"""The example files the docs include, imported and run."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from django_lifespan_ctx._engine import plan
from django_lifespan_ctx._engine.plan import build_plan

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


@pytest.fixture(autouse=True)
def examples_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))


def test_a_reusable_app_registers_its_context_after_the_settings() -> None:
    import thumbnails
    from thumbnails.apps import ThumbnailsConfig

    ThumbnailsConfig("thumbnails", thumbnails).ready()
    with override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha"]):
        names = [step.name for step in build_plan()]  # type: ignore[union-attr]
    assert names == ["tests.contexts.alpha", "thumbnails.lifespan.image_pool"]
    assert plan.registered_contexts == ["thumbnails.lifespan.image_pool"]


async def test_the_registered_pool_opens_and_closes() -> None:
    from thumbnails.lifespan import image_pool

    async with image_pool() as state:
        assert state["image_pool"].submit(sum, [1, 2]).result() == 3


@override_settings(LIFESPAN_CONTEXTS=["tests.test_doc_examples.catalogue_of_two"])
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
