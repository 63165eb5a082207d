# test_catalog.py
import pytest
from catalog.models import Genre, ServerRun

from django_lifespan_ctx import lifespan


@pytest.fixture
def genres(transactional_db):
    # transactional_db, not db: the contexts run in other threads, on other
    # connections, and only see rows that are committed.
    Genre.objects.bulk_create([Genre(name="Poetry"), Genre(name="Fiction")])


async def test_the_view_lists_the_genres_read_at_startup(genres, lifespan_client):
    response = await lifespan_client.get("/genres/")
    assert response.json()["genres"] == ["Fiction", "Poetry"]


def test_a_sync_test_sees_them_too(genres, lifespan_sync_client):
    assert lifespan_sync_client.get("/genres/").json()["genres"] == ["Fiction", "Poetry"]


@pytest.mark.django_db(transaction=True)
async def test_a_server_run_is_recorded_from_start_to_stop():
    async with lifespan() as state:
        run = await ServerRun.objects.aget()
        assert run.pk == state["server_run"].pk and run.stopped_at is None
    await run.arefresh_from_db()
    assert run.stopped_at is not None
