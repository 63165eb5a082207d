# mysite/consumers.py
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from django_lifespan_ctx import state_from_scope


class StateConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.accept()
        state = state_from_scope(self.scope)  # The same State that views get as request.state.
        await self.send_json({"keys": sorted(state)})
        await self.close()
