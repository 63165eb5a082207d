"""The server behind ``manage.py runserver``: uvicorn, with the lifespan on.

Install it with ``pip install 'django-lifespan-ctx[runserver]'``. The command
uses it for you; import it to run the same server from code of your own.
"""

from __future__ import annotations

from django_lifespan_ctx._runserver.server import GRACE_SECONDS, Engine, bind, log_config

__all__ = ["GRACE_SECONDS", "Engine", "bind", "log_config"]
