# mysite/under_fastapi.py
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

from fastapi import FastAPI

from django_lifespan_ctx import lifespan
from django_lifespan_ctx.asgi import get_asgi_application

django_app = get_asgi_application()

app = FastAPI(lifespan=lambda app: lifespan())
app.mount("/legacy", django_app)
