"""A server with a critical job that fails, then retries slowly, and a crash-looping service."""

from django_lifespan_ctx.contexts import background, every
from tests.sites.server_settings import *

ROOT_URLCONF = "tests.sites.ops_urls"
LIFESPAN_SHUTDOWN_TIMEOUT = 5
LIFESPAN_CONTEXTS = [
    every(0.2, "tests.services_targets.slow_to_recover", name="import-feed", critical=True),
    background("tests.services_targets.crash_at_once", name="crash-loop", backoff=(0.05, 0.4)),
]
