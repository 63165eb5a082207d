"""The drain tests' settings with a LIFESPAN_DRAIN_SECONDS that no check has vetted.

A server runs no system checks, so the startup must refuse the value itself,
after the contexts were entered, and exit them on its way out.
"""

import os

from tests.sites.drain_settings import *

BAD: dict[str, float] = {"huge": 10**400, "inf": float("inf"), "nan": float("nan")}
LIFESPAN_DRAIN_SECONDS = BAD[os.environ["BAD_DRAIN"]]  # type: ignore[assignment]  # pyright: ignore[reportConstantRedefinition]
