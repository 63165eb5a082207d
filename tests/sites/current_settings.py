"""Settings for the current_state() tests under a real server."""

from tests.sites.server_settings import *

ROOT_URLCONF = "tests.sites.current_urls"
LIFESPAN_CONTEXTS = ["tests.contexts.alpha", "tests.contexts.resource"]
