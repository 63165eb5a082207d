"""A Channels consumer that closes its WebSocket politely when the server begins draining."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

# --8<-- [start:consumer]
from django_lifespan_ctx import wait_for_drain


class LiveUpdates(AsyncWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.accept()
        self.drain_watch = asyncio.create_task(self.close_when_draining())

    async def close_when_draining(self) -> None:
        await wait_for_drain()
        await self.send(text_data="draining: reconnect elsewhere")
        # A normal closure: daphne's WebSocket library refuses "going away" (1001).
        await self.close()

    async def disconnect(self, code: Any) -> None:
        self.drain_watch.cancel()


# --8<-- [end:consumer]
