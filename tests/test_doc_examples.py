"""The example files the docs include, imported and run."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from django_lifespan_ctx import registry
from django_lifespan_ctx.registry import build_plan

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
    assert registry._registered == ["thumbnails.lifespan.image_pool"]


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
