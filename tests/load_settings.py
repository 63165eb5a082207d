from tests.server_settings import *

LIFESPAN_CONTEXTS = ["tests.contexts.httpx_client"]
