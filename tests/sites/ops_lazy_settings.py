from tests.sites.ops_settings import *

LIFESPAN_LAZY_STARTUP = True
