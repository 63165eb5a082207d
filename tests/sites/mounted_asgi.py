"""An asgi.py that routes by path: Starlette, FastAPI and MCP apps beside Django.

The server sends its lifespan events to `application` alone; each other app's
lifespan runs as an entry of LIFESPAN_CONTEXTS (tests.sites.mounted_settings).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from django_lifespan_ctx.asgi import get_asgi_application
from tests.contexts import record


@asynccontextmanager
async def starlette_lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
    record("enter starlette")
    yield {"starlette_greeting": "hello from Starlette"}
    record("exit starlette")


async def starlette_view(request: Request) -> JSONResponse:
    return JSONResponse({"greeting": request.state.starlette_greeting})


starlette_app = Starlette(routes=[Route("/starlette/", starlette_view)], lifespan=starlette_lifespan)


@asynccontextmanager
async def fastapi_lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
    record("enter fastapi")
    yield {"fastapi_greeting": "hello from FastAPI"}
    record("exit fastapi")


fastapi_app = FastAPI(lifespan=fastapi_lifespan)


@fastapi_app.get("/fastapi/")
async def fastapi_view(request: Request) -> dict[str, Any]:
    return {"greeting": request.state.fastapi_greeting, "keys": sorted(vars(request.state)["_state"])}


mcp_server = MCPServer("mounted")


@mcp_server.tool()
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


# It refuses requests until its lifespan has started its session manager.
mcp_app = mcp_server.streamable_http_app(json_response=True, stateless_http=True)

# --8<-- [start:dispatch]
django_app = get_asgi_application()

ROUTES: list[tuple[str, Any]] = [
    ("/starlette/", starlette_app),
    ("/fastapi/", fastapi_app),
    ("/mcp", mcp_app),
]


async def application(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] in ("http", "websocket"):
        for prefix, app in ROUTES:
            if scope["path"].startswith(prefix):
                await app(scope, receive, send)
                return
    await django_app(scope, receive, send)


# --8<-- [end:dispatch]
