# mysite/settings.py: add at the end
# daphne sends no lifespan events: the first request enters the contexts.
LIFESPAN_LAZY_STARTUP = True
