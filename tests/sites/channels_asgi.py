"""A Channels project: lifespan and HTTP go to our handler, websockets to a consumer."""

# --8<-- [start:router]
from django_lifespan_ctx.asgi import get_asgi_application

django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from tests.sites.consumers import StateConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "lifespan": django_application,
        "http": django_application,
        "websocket": URLRouter([path("ws/state/", StateConsumer.as_asgi())]),
    }
)
# --8<-- [end:router]
