"""A reusable app with a typed key named "client", as billing has: the two must not collide."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from django_lifespan_ctx import StateKey
from tests import contexts


class MailClient:
    healthy = True

    def ping(self) -> bool:
        return self.healthy


CLIENT = StateKey("client", MailClient, check=MailClient.ping)


@asynccontextmanager
async def mail_client() -> AsyncIterator[dict[str, MailClient]]:
    contexts.record("enter mail_client")
    try:
        yield {CLIENT: MailClient()}
    finally:
        contexts.record("exit mail_client")
