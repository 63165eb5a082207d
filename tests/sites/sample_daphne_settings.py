"""The sample site's settings, as a daphne user would run them: contexts entered on the first request."""

from sample_site.settings import *

LIFESPAN_LAZY_STARTUP = True
