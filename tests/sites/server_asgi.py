from django_lifespan_ctx.asgi import get_asgi_application

application = get_asgi_application()
