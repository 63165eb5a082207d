# mysite/views.py
from django.http import HttpResponse, StreamingHttpResponse

from django_lifespan_ctx import wait_for_drain


async def index(request):
    return HttpResponse("ok")


async def events(request):
    # Server-Sent Events: the stream stays open until the server begins draining,
    # then sends one last event, and the client reconnects to another server.
    async def stream():
        yield "event: hello\ndata: connected\n\n"
        await wait_for_drain()
        yield "event: draining\ndata: reconnect elsewhere\n\n"

    return StreamingHttpResponse(stream(), content_type="text/event-stream")
