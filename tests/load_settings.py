from tests.server_settings import *  # noqa: F403

LIFESPAN_CONTEXTS = ["tests.contexts.httpx_client"]
