"""The drain tests' settings, with SIGINT draining as well as SIGTERM."""

from tests.sites.drain_settings import *

# --8<-- [start:setting]
LIFESPAN_DRAIN_SIGNALS = ["SIGTERM", "SIGINT"]  # default ["SIGTERM"]: Ctrl+C stops at once
# --8<-- [end:setting]
