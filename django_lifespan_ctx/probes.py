"""The livez/ and readyz/ views: is this process serving, and is it ready."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from . import draining
from ._engine.plan import Entry, inspect_plan
from .health import CheckResult, run_checks
from .readiness import ContextStatus, ServiceStatus, tracker
from .run_once import holders
from .run_once_locks import this_process
from .state import State


def probe(view: Any) -> Any:
    # Marked so that the handler can answer probes without waiting for a lazy startup.
    view.lifespan_probe = True
    return view


@probe
@never_cache
async def livez(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive", "process": this_process()})


@probe
@never_cache
async def readyz(request: HttpRequest) -> JsonResponse:
    if draining.is_draining():
        # At once, without running the checks: the load balancer must see it now.
        return JsonResponse(_draining(), status=503)
    if tracker.ready:
        results = await run_checks(State(dict(getattr(request, "state", {}))))
    else:
        results = []  # Nothing to check against until startup completes.
    # A critical service that is not running makes the process not ready, as a failing check does.
    ready = tracker.ready and all(result.passed for result in results) and not tracker.critical_services_down
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
