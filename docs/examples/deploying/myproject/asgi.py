import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")

from django_lifespan_ctx.asgi import get_asgi_application

application = get_asgi_application()
