"""The livez/ and readyz/ views: is this process serving, and is it ready.

The handler serves them ahead of the middleware (``answer``), so that a kubelet's
``Host: <pod IP>`` gets an answer without ALLOWED_HOSTS being widened for any other
URL. Only callers that LIFESPAN_PROBE_DETAILS or LIFESPAN_PROBE_TOKEN allow get the
details; everyone else gets the status alone.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from django_lifespan_ctx._config.probe_details import details_allowed
from django_lifespan_ctx._config.sources import inspect_plan
from django_lifespan_ctx._engine.plan import Entry
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._ops.health import CheckResult, run_checks
from django_lifespan_ctx._ops.probe_paths import ProbeView, probe
from django_lifespan_ctx._ops.readiness import ContextStatus, ServiceStatus, tracker
from django_lifespan_ctx._ops.run_once import holders
from django_lifespan_ctx._ops.run_once_locks import this_process
from django_lifespan_ctx._serving import draining

logger = logging.getLogger("django_lifespan_ctx")


async def answer(handler: ASGIHandler, view: ProbeView, scope: Any, receive: Any, send: Any) -> None:
    """Serve a probe without the middleware: none of it can refuse its Host, redirect it
    (SECURE_SSL_REDIRECT, a login), or see it. A kubelet counts a redirect as success,
    so a probe that went through them could report ready when it is not."""
    try:
        body = await handler.read_body(receive)
    except RequestAborted:
        return
    try:
        request, response = handler.create_request(scope, body)
        if request is not None:
            try:
                response = await view(request)
            except Exception:
                logger.exception("The probe %s failed", scope["path"])
                response = JsonResponse({"status": "error"}, status=500)
        assert response is not None
        # Not closed: close() sends request_finished, whose receivers (closing database
        # connections) are for requests; a probe sends no request_started either.
        await handler.send_response(response, send)
    finally:
        body.close()


@probe
@never_cache
async def livez(request: HttpRequest) -> JsonResponse:
    if not details_allowed(request.META):
        return JsonResponse({"status": "alive"})
    return JsonResponse({"status": "alive", "process": this_process()})


@probe
@never_cache
async def readyz(request: HttpRequest) -> JsonResponse:
    details = details_allowed(request.META)
    if draining.is_draining():
        # At once, without running the checks: the load balancer must see it now.
        return JsonResponse(_draining() if details else {"status": "draining"}, status=503)
    if tracker.ready:
        results = await run_checks(State(dict(getattr(request, "state", {}))))
    else:
        results = []  # Nothing to check against until startup completes.
    # A critical service that is not running makes the process not ready, as a failing check does.
    ready = tracker.ready and all(result.passed for result in results) and not tracker.critical_services_down
    if not details:
        return JsonResponse({"status": "ready" if ready else "not ready"}, status=200 if ready else 503)
    verbose = settings.DEBUG and "verbose" in request.GET
    body = {
        "status": "ready" if ready else "not ready",
        "lifespan": tracker.status,
        "since": tracker.since.isoformat() if tracker.since else None,
        "process": this_process(),
        "contexts": [_context(status) for status in _contexts()],
        "checks": {result.name: _check(result, verbose) for result in results},
        "run_once": [holder.describe() for holder in holders],
        "services": [_service(status) for status in tracker.services.values()],
    }
    return JsonResponse(body, status=200 if ready else 503)


def _draining() -> dict[str, Any]:
    return {
        "status": "draining",
        "lifespan": tracker.status,
        "process": this_process(),
        "in_flight": draining.in_flight(),
        "drain_seconds_left": round(draining.seconds_left(), 3),
    }


def _contexts() -> list[ContextStatus]:
    # The plan lists what has not started yet; the tracker knows the rest.
    plan, _ = inspect_plan()
    planned = [m for step in plan for m in (step.members if not isinstance(step, Entry) else (step,))]
    seen = dict(tracker.contexts)
    statuses = [seen.pop(entry.name, ContextStatus(entry.name, entry.origin)) for entry in planned]
    return statuses + list(seen.values())


def _context(status: ContextStatus) -> dict[str, Any]:
    entered_at = status.entered_at.isoformat() if status.entered_at else None
    return {"name": status.name, "origin": status.origin, "state": status.state, "entered_at": entered_at}


def _service(status: ServiceStatus) -> dict[str, Any]:
    last_failure = status.last_failure_at.isoformat() if status.last_failure_at else None
    return {
        "name": status.name,
        "kind": status.kind,
        "status": status.state,
        "critical": status.critical,
        "restarts": status.restarts,
        "last_failure_at": last_failure,
        "last_error": status.last_error,
    }


def _check(result: CheckResult, verbose: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "result": "pass" if result.passed else "fail",
        "checked_at": result.checked_at,
        "seconds": round(result.seconds, 6),
    }
    if result.error is not None:
        # Error text can hold hostnames, or worse: only on request, and only under DEBUG.
        kind = type(result.error).__name__
        body["error"] = f"{kind}: {result.error}" if verbose else kind
    return body
