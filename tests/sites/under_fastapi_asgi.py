"""Django mounted under FastAPI: FastAPI's lifespan runs ours."""

# --8<-- [start:mount]
from fastapi import FastAPI

from django_lifespan_ctx import lifespan
from django_lifespan_ctx.asgi import get_asgi_application

django_app = get_asgi_application()

app = FastAPI(lifespan=lambda app: lifespan())
app.mount("/legacy", django_app)
# --8<-- [end:mount]
