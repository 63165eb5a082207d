from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from django_lifespan_ctx import state_from_scope


# --8<-- [start:consumer]
class StateConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.accept()
        state = state_from_scope(self.scope)
        await self.send_json(
            {
                "keys": sorted(state),
                "resource": repr(state["resource"]),
                "resource_id": id(state["resource"]),
            }
        )
        await self.close()


# --8<-- [end:consumer]
