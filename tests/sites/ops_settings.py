"""Settings for the probe tests that run a real server process."""

from tests.sites.server_settings import *

ROOT_URLCONF = "tests.sites.ops_urls"
LIFESPAN_CONTEXTS = [
    "tests.ops_contexts.database",
    ("tests.contexts.slow_one", "tests.contexts.slow_two"),
    "tests.ops_contexts.slow_start",
]
LIFESPAN_HEALTH_CHECKS = {
    "pool": "tests.ops_contexts.pool_open",
    "flag": "tests.ops_contexts.no_unhealthy_flag",
}
