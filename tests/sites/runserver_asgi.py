"""An ASGI_APPLICATION that marks its responses, around our handler."""

from typing import Any

from django_lifespan_ctx.asgi import get_asgi_application

django_application = get_asgi_application()


async def application(scope: Any, receive: Any, send: Any) -> None:
    async def marked(message: Any) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (b"x-served-by", b"ASGI_APPLICATION")]
        await send(message)

    await django_application(scope, receive, marked)
