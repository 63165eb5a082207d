# conftest.py
import pytest
from asgiref.sync import sync_to_async
from django.db import connections


@pytest.fixture(autouse=True)
async def close_async_orm_connections():
    # An async test's ORM calls run in asgiref's shared thread, whose connection
    # nothing closes: PostgreSQL would then refuse to drop the test database.
    yield
    await sync_to_async(connections.close_all)()
