"""A site whose one sync health check never returns: it must cost the server nothing."""

from tests.sites.server_settings import *

ROOT_URLCONF = "tests.sites.ops_urls"
LIFESPAN_CONTEXTS = ["tests.contexts.alpha"]
LIFESPAN_HEALTH_CHECKS = {"hung": "tests.ops_contexts.never_returns"}
LIFESPAN_HEALTH_TIMEOUT = 0.3
