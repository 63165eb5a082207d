# mysite/consumers.py
import asyncio

from channels.generic.websocket import AsyncWebsocketConsumer

from django_lifespan_ctx import wait_for_drain


class LiveUpdates(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()
        self.drain_watch = asyncio.create_task(self.close_when_draining())

    async def close_when_draining(self):
        await wait_for_drain()
        await self.send(text_data="draining: reconnect elsewhere")
        # A normal closure: daphne's WebSocket library refuses "going away" (1001).
        await self.close()

    async def disconnect(self, code):
        self.drain_watch.cancel()
