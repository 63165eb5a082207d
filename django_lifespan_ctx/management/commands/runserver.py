"""``manage.py runserver`` with the lifespan: the project's ASGI application on uvicorn.

It wins over Django's when ``django_lifespan_ctx`` is listed in INSTALLED_APPS
before ``django.contrib.staticfiles`` (the first app's command wins, as with daphne).
Without the runserver extra (uvicorn) it still serves: Django's own development
server, static files included, with one warning that the lifespan needs the extra.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandParser
from django.core.management.commands.runserver import Command as DjangoRunserver
from django.db import connections
from django.utils import autoreload
from django.utils.module_loading import import_string

from django_lifespan_ctx._runserver import reloading

PORT_ERRORS = {
    errno.EACCES: "You don't have permission to access that port.",
    errno.EADDRINUSE: "That port is already in use.",
    errno.EADDRNOTAVAIL: "That IP address can't be assigned to.",
}


WITHOUT_THE_EXTRA = (
    "manage.py runserver is serving with Django's own development server, without the "
    "lifespan: its contexts are not entered and request.state is missing. It needs uvicorn: "
    "pip install 'django-lifespan-ctx[runserver]'."
)


def load_engine() -> Any:
    """The uvicorn server (_runserver/server.py), or None without uvicorn (the runserver extra)."""
    try:
        from django_lifespan_ctx._runserver import server as engine
    except ImportError as exc:
        if exc.name != "uvicorn":
            raise
        return None
    return engine


def project_application() -> Any:
    """ASGI_APPLICATION when set (a dotted path), else our get_asgi_application()."""
    dotted = getattr(settings, "ASGI_APPLICATION", None)
    if dotted:
        return import_string(dotted)
    from django_lifespan_ctx.asgi import get_asgi_application

    return get_asgi_application()


def serves_static_files(options: dict[str, Any]) -> bool:
    """As staticfiles' runserver decides: installed, not --nostatic, and DEBUG or --insecure."""
    return (
        apps.is_installed("django.contrib.staticfiles")
        and options["use_static_handler"]
        and (settings.DEBUG or options["insecure_serving"])
    )


class Command(DjangoRunserver):
    # Set by Django's handle() from the addrport argument and --ipv6.
    addr: str
    port: str
    use_ipv6: bool
    _raw_ipv6: bool

    help = (
        "Starts a development server that runs the lifespan contexts: the project's ASGI "
        "application on uvicorn, with Django's autoreloader. Serves static files as "
        "staticfiles' runserver does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--nostatic",
            action="store_false",
            dest="use_static_handler",
            help="Tells Django to NOT automatically serve static files at STATIC_URL.",
        )
        parser.add_argument(
            "--insecure",
            action="store_true",
            dest="insecure_serving",
            help="Allows serving static files even if DEBUG is False.",
        )

    def run(self, **options: Any) -> None:
        self.engine = load_engine()
        if self.engine is None:
            # Once, from the process that serves: not from the reloader's parent too.
            if not options["use_reloader"] or os.environ.get(autoreload.DJANGO_AUTORELOAD_ENV) == "true":
                self.stderr.write(self.style.WARNING(f"WARNING: {WITHOUT_THE_EXTRA}"))
            super().run(**options)
            return
        serving = _Serving(self, options)
        code = reloading.run(serving, use_reloader=options["use_reloader"])
        if code:
            sys.exit(code)

    def get_application(self, options: dict[str, Any]) -> Any:
        application = project_application()
        if serves_static_files(options):
            from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

            return ASGIStaticFilesHandler(application)
        return application

    def get_handler(self, *args: Any, **options: Any) -> Any:
        """Django's own server, without the extra: static files served as staticfiles' runserver does."""
        handler = super().get_handler(*args, **options)
        if serves_static_files(options):
            from django.contrib.staticfiles.handlers import StaticFilesHandler

            return StaticFilesHandler(handler)
        return handler

    def prepare(self, options: dict[str, Any]) -> tuple[Any, socket.socket]:
        """What Django's inner_run does before it serves: checks, the app, the socket."""
        # An error that Django's setup hit in this process is raised here, so
        # the reloader shows it and waits for the fix.
        autoreload.raise_last_exception()
        if not options["skip_checks"]:
            self.stdout.write("Performing system checks...\n\n")
            self.check(display_num_errors=True)
        self.check_migrations()
        for connection in connections.all(initialized_only=True):
            connection.close()
        application = self.get_application(options)
        try:
            sock = self.engine.bind(self.addr, int(self.port), ipv6=self.use_ipv6)
        except OSError as exc:
            self.stderr.write(f"Error: {PORT_ERRORS.get(exc.errno or 0, exc)}")
            # Not a failure a code change can fix: end the process tree.
            sys.exit(1)
        return application, sock

    def banner(self) -> None:
        quit_command = "CTRL-BREAK" if sys.platform == "win32" else "CONTROL-C"
        addr = f"[{self.addr}]" if self._raw_ipv6 else "0.0.0.0" if self.addr == "0" else self.addr
        now = datetime.now().strftime("%B %d, %Y - %X")
        self.stdout.write(
            f"{now}\n"
            f"Django version {self.get_version()}, using settings {settings.SETTINGS_MODULE!r}\n"
            f"Starting ASGI development server (uvicorn {self.engine.VERSION}, lifespan on) "
            f"at {self.protocol}://{addr}:{self.port}/\n"
            f"Quit the server with {quit_command}."
        )
        if os.environ.get("DJANGO_RUNSERVER_HIDE_WARNING") != "true":
            self.stdout.write(
                self.style.WARNING(
                    "WARNING: This is a development server. Do not use it in a production "
                    "setting. See docs/deploying.md for production ASGI servers."
                )
            )
        self.stdout.flush()


class _Serving:
    """One serve in this process: prepare, then run the engine until stopped."""

    def __init__(self, command: Command, options: dict[str, Any]) -> None:
        self.command = command
        self.options = options
        self.engine = command.engine.Engine(on_started=command.banner)

    def serve(self) -> bool:
        application, sock = self.command.prepare(self.options)
        return bool(self.engine.serve(application, sock))

    def stop(self) -> None:
        self.engine.stop()
