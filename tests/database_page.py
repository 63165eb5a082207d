"""What the database page's tests say goes wrong, as a test file a reader could add to its project."""

from __future__ import annotations

# pytest-django's `db` instead of `transactional_db`: the contexts cannot read the test's rows.
PLAIN_DB_TEST = """
import pytest

from catalog.models import Genre


@pytest.fixture
def genres(db):
    Genre.objects.bulk_create([Genre(name="Poetry"), Genre(name="Fiction")])


async def test_the_contexts_read_the_rows(genres, lifespan_state):
    assert lifespan_state["genres"] == ["Fiction", "Poetry"]
"""
