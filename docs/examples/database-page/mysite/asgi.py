# mysite/asgi.py: replace the whole file
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from django_lifespan_ctx.asgi import get_asgi_application

application = get_asgi_application()
