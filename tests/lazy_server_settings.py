from tests.server_settings import *

LIFESPAN_LAZY_STARTUP = True
