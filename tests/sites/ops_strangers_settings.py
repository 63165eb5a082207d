"""The probe-host project, with no network allowed the details and a token that is."""

from tests.sites.ops_hosts_settings import *

LIFESPAN_CONTEXTS = ["tests.ops_contexts.database"]
LIFESPAN_PROBE_DETAILS: list[str] = []
LIFESPAN_PROBE_TOKEN = "s3cret-probe-token-for-tests"
