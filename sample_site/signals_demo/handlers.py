"""The raw-signal style: receivers keep a client on the AppConfig."""

from typing import Any, Protocol

import httpx


class HTTPXAppConfig(Protocol):
    httpx_client: httpx.AsyncClient


class ASGILifespanSignalHandler:
    app_config: HTTPXAppConfig

    def __init__(self, app_config: HTTPXAppConfig):
        self.app_config = app_config

    async def startup(self, **_: Any) -> None:
        self.app_config.httpx_client = httpx.AsyncClient()

    async def shutdown(self, **_: Any) -> None:
        await self.app_config.httpx_client.aclose()
