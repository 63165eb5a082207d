# mysite/asgi.py: replace the whole file
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from django_lifespan_ctx.asgi import get_asgi_application

django_application = get_asgi_application()  # First: it sets Django up.

# Imported once Django is set up: the consumer's imports may need the apps loaded.
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402
from shop.consumers import BookConsumer  # noqa: E402

from django_lifespan_ctx import CurrentStateMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "lifespan": django_application,  # Channels passes the lifespan on to ours.
        "http": django_application,
        # Channels routes consumers past our handler: the middleware makes
        # current_state() the consumer scope's state.
        "websocket": CurrentStateMiddleware(URLRouter([path("ws/books/", BookConsumer.as_asgi())])),
    }
)
