"""A server whose critical background service keeps failing, next to a healthy periodic job."""

from django_lifespan_ctx.contexts import background, every
from tests.sites.server_settings import *

ROOT_URLCONF = "tests.sites.ops_urls"
LIFESPAN_SHUTDOWN_TIMEOUT = 5
LIFESPAN_CONTEXTS = [
    "tests.services_targets.queue",
    background("tests.services_targets.broken_consumer", name="consumer", restart="never", critical=True),
    every(0.2, "tests.services_targets.heartbeat", name="heartbeat"),
]
