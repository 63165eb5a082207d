"""A reusable app with a typed key named "client", as mailer has; its check is async."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from django_lifespan_ctx import StateKey
from tests import contexts


class BillingClient:
    async def ping(self) -> bool:
        return True


async def billing_answers(client: BillingClient) -> bool:
    return await client.ping()


CLIENT = StateKey("client", BillingClient, check=billing_answers)


@asynccontextmanager
async def billing_client() -> AsyncIterator[dict[str, BillingClient]]:
    contexts.record("enter billing_client")
    try:
        yield {CLIENT: BillingClient()}
    finally:
        contexts.record("exit billing_client")
