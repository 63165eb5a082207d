from __future__ import annotations

import threading

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from django_lifespan_ctx import current_state, state_from_scope


def keys_from_sync_code() -> list[str]:
    return [*sorted(current_state()), threading.current_thread().name]


class CurrentStateConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.accept()
        current_state()["written_by_consumer"] = True
        scope_state = state_from_scope(self.scope)
        sync_keys = await sync_to_async(keys_from_sync_code)()
        await self.send_json(
            {
                "keys": sorted(scope_state),
                "write_seen_in_scope_state": "written_by_consumer" in scope_state,
                "resource": repr(current_state()["resource"]),
                "from_sync_code": sync_keys,
            }
        )
        await self.close()
