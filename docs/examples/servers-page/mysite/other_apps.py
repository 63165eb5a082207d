# mysite/other_apps.py
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@asynccontextmanager
async def starlette_lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
    print("Starlette app started")
    yield {"starlette_greeting": "hello from Starlette"}
    print("Starlette app stopped")


async def starlette_view(request: Request) -> JSONResponse:
    return JSONResponse({"greeting": request.state.starlette_greeting})


starlette_app = Starlette(routes=[Route("/starlette/", starlette_view)], lifespan=starlette_lifespan)


@asynccontextmanager
async def fastapi_lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
    print("FastAPI app started")
    yield {"fastapi_greeting": "hello from FastAPI"}
    print("FastAPI app stopped")


fastapi_app = FastAPI(lifespan=fastapi_lifespan)


@fastapi_app.get("/fastapi/")
async def fastapi_view(request: Request) -> dict[str, str]:
    return {"greeting": request.state.fastapi_greeting}


mcp_server = MCPServer("mysite")


@mcp_server.tool()
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


# It refuses every request until its lifespan has started its session manager.
mcp_app = mcp_server.streamable_http_app(json_response=True, stateless_http=True)
