from tests.sites.server_settings import *

LIFESPAN_CONTEXTS = ["tests.contexts.httpx_client"]
