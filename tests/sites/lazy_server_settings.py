from tests.sites.server_settings import *

LIFESPAN_LAZY_STARTUP = True
