"""Which requests are probes: the paths of the views marked as probes, found in ROOT_URLCONF.

Apart from the probes themselves (probes.py) so that the handler can ask, on every
request, without importing what answering one needs: the health checks, readiness,
run_once's holders and the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

ProbeView = Callable[[HttpRequest], Coroutine[Any, Any, HttpResponseBase]]


def probe(view: Any) -> Any:
    # Marked so that the handler answers probes ahead of the middleware, and without
    # waiting for a lazy startup.
    view.lifespan_probe = True
    return view


# Path (as the server reports it, without root_path) -> view, for ROOT_URLCONF.
_probe_paths: dict[str, ProbeView] | None = None


def probe_paths() -> dict[str, ProbeView]:
    """The probe views by the exact path they are mounted at, read once from ROOT_URLCONF.

    Only what path() mounts without converters, under include()s that have none
    either: a probe under i18n_patterns() or a regex is served through the middleware.
    """
    global _probe_paths
    if _probe_paths is None:
        try:
            # Walking imports every include()d URLconf: any of them may be broken.
            found = dict(_walk(get_resolver().url_patterns, "/"))
        except Exception:
            # Not kept: Django's handling reports a broken URLconf; the next request retries.
            return {}
        _probe_paths = found
    return _probe_paths


def _walk(patterns: Any, prefix: str) -> Any:
    for pattern in patterns:
        route = pattern.pattern
        if not isinstance(route, RoutePattern) or route.converters:
            continue
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(route))
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "lifespan_probe", False):
            yield prefix + str(route), pattern.callback


def _forget_paths(*, setting: str, **kwargs: Any) -> None:
    global _probe_paths
    if setting == "ROOT_URLCONF":
        _probe_paths = None


setting_changed.connect(_forget_paths)


def probe_view(scope: Any) -> ProbeView | None:
    """The probe view this HTTP request is for, or None: one dict lookup per request."""
    path: str = scope["path"]
    root = scope.get("root_path")
    if root and path.startswith(root):
        path = path[len(root) :]
    return probe_paths().get(path)
