from tests.server_settings import *  # noqa: F403

LIFESPAN_LAZY_STARTUP = True
