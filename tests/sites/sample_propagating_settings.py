"""The sample site's settings without `propagate: False`: the control for the logging test."""

import copy

from tests.sites.sample_daphne_settings import *

LOGGING = copy.deepcopy(LOGGING)
LOGGING["loggers"]["django_lifespan_ctx"]["propagate"] = True
