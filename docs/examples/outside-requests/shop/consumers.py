# shop/consumers.py
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .services import fetch_book


class BookConsumer(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content):
        # Under CurrentStateMiddleware, current_state() is this connection's state.
        await self.send_json(await fetch_book(content["book_id"]))
