"""What a drain test's server serves: plain requests, a Server-Sent Events stream, a consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from tests.lifecycle_contexts import note


async def work(request: HttpRequest) -> HttpResponse:
    note(f"served {request.GET.get('n', '-')}")
    return HttpResponse("ok")


# --8<-- [start:sse]
from django_lifespan_ctx import wait_for_drain  # noqa: E402


async def events(request: HttpRequest) -> StreamingHttpResponse:
    async def stream() -> AsyncIterator[str]:
        yield "event: hello\ndata: connected\n\n"
        # Until the server begins draining, then one last event: the client
        # reconnects elsewhere before this server stops.
        await wait_for_drain()
        yield "event: draining\ndata: reconnect elsewhere\n\n"

    return StreamingHttpResponse(stream(), content_type="text/event-stream")


# --8<-- [end:sse]
