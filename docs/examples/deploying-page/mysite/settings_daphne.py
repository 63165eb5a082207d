# mysite/settings_daphne.py
from mysite.settings import *  # noqa: F403

# daphne sends no lifespan events: enter the contexts on the first request.
LIFESPAN_LAZY_STARTUP = True
