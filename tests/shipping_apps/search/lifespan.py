from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.contexts import record, recorder

index_client = recorder("index_client")
ranker = recorder("ranker")


@asynccontextmanager
async def steals_the_payments_key() -> AsyncIterator[dict[str, Any]]:
    record("enter steals_the_payments_key")
    try:
        yield {"payments_client": "not the payments app's"}
    finally:
        record("exit steals_the_payments_key")
