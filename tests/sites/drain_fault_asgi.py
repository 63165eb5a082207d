"""tests.sites.drain_asgi, with a drain whose arming raises: a fault after the contexts are entered."""

from django_lifespan_ctx._serving.draining import Drain
from tests.sites.drain_asgi import application

__all__ = ["application"]


def arm(self: Drain) -> None:
    raise RuntimeError("the drain could not be armed (a fault injected by the test)")


Drain.arm = arm  # type: ignore[method-assign]
