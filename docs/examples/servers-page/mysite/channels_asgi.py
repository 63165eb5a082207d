# mysite/asgi.py: replace the whole file
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from django_lifespan_ctx.asgi import get_asgi_application

django_application = get_asgi_application()

# Imported after get_asgi_application(), which sets Django up: consumers may import models.
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402
from mysite.consumers import StateConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "lifespan": django_application,
        "http": django_application,
        "websocket": URLRouter([path("ws/state/", StateConsumer.as_asgi())]),
    }
)
