# library/handlers.py
import logging

import httpx

logger = logging.getLogger(__name__)


class ASGILifespanSignalHandler:
    def __init__(self, app_config):
        self.app_config = app_config

    async def startup(self, state, **kwargs):
        self.app_config.httpx_client = httpx.AsyncClient()
        # Optional: a key added to the state is on every request's request.state.
        state["httpx_client"] = self.app_config.httpx_client
        logger.info("Opened the library's httpx client")

    async def shutdown(self, **kwargs):
        await self.app_config.httpx_client.aclose()
        logger.info("Closed the library's httpx client")
