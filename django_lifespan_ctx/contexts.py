"""Ready-made entries for LIFESPAN_CONTEXTS."""

from __future__ import annotations

from .mounted import asgi_lifespan
from .run_once import run_once
from .services import background, every

__all__ = ["asgi_lifespan", "background", "every", "run_once"]
