"""A Channels project whose consumers read current_state(), under our handler's lifespan."""

# --8<-- [start:router]
from django_lifespan_ctx.asgi import get_asgi_application

django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from django_lifespan_ctx import CurrentStateMiddleware  # noqa: E402
from tests.sites.current_consumers import CurrentStateConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "lifespan": django_application,
        "http": django_application,
        # Channels routes consumers past our handler: the middleware makes
        # current_state() the consumer scope's state.
        "websocket": CurrentStateMiddleware(URLRouter([path("ws/current/", CurrentStateConsumer.as_asgi())])),
    }
)
# --8<-- [end:router]
