# mysite/settings.py: add at the end
# Ctrl+C (SIGINT) drains too. The default, ["SIGTERM"], lets Ctrl+C stop at once.
LIFESPAN_DRAIN_SIGNALS = ["SIGTERM", "SIGINT"]
