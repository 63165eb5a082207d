from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def timeout_problem(name: str, value: Any) -> str | None:
    """Why a timeout setting is invalid, or None when it is fine."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0):
        return None
    return f"{name} is {value!r}; it must be a positive number of seconds, or None."


def positive_problem(name: str, value: Any) -> str | None:
    """Why a setting that must be a positive number of seconds is invalid."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return None
    return f"{name} is {value!r}; it must be a positive number of seconds."


# An hour: far beyond any orchestrator's grace period (Kubernetes' default is 30 s).
MAX_DRAIN_SECONDS = 3600


def drain_problem(value: Any) -> str | None:
    """Why LIFESPAN_DRAIN_SECONDS is invalid: it must be a finite number of seconds, 0 to an hour."""
    # Compared as it is, never through float(): 10**400 would overflow, and NaN compares false.
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_DRAIN_SECONDS:
        return None
    # A huge int's repr is unreadable, and past 4300 digits Python refuses to write it.
    shown = (
        "an integer of more than 15 digits"
        if isinstance(value, int) and abs(value) >= 10**15
        else repr(value)
    )
    return (
        f"LIFESPAN_DRAIN_SECONDS is {shown}; it must be a finite number of seconds, from 0 "
        f"(no draining) to {MAX_DRAIN_SECONDS} (an hour)."
    )


# The stop signals a drain can hold: what servers stop on.
DRAINABLE_SIGNALS = ("SIGTERM", "SIGINT")


def drain_signals_problem(value: Any) -> str | None:
    """Why LIFESPAN_DRAIN_SIGNALS is invalid: it must list "SIGTERM", "SIGINT" or both."""
    names: list[object] = list(cast("list[object]", value)) if isinstance(value, (list, tuple)) else []
    if names and all(isinstance(name, str) and name in DRAINABLE_SIGNALS for name in names):
        return None
    return (
        f"LIFESPAN_DRAIN_SIGNALS is {value!r}; it must be a list of the stop signals that drain: "
        '"SIGTERM", "SIGINT" or both.'
    )


def boolean_problem(name: str, value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    return f"{name} is {value!r}; it must be True or False."


# Loopback and the private ranges: the kubelet, a sidecar, `kubectl port-forward`, an
# operator on the node. Not the internet. LIFESPAN_PROBE_DETAILS's default.
PRIVATE_NETWORKS = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
)


class Settings:
    """Reads our settings on every access, so override_settings just works."""

    @property
    def LIFESPAN_CONTEXTS(self) -> Any:
        return getattr(settings, "LIFESPAN_CONTEXTS", [])

    @property
    def LIFESPAN_DRAIN_SECONDS(self) -> float:
        value = self.raw("LIFESPAN_DRAIN_SECONDS", 0)
        problem = drain_problem(value)
        if problem:
            raise ImproperlyConfigured(problem)
        return float(value)

    @property
    def LIFESPAN_DRAIN_SIGNALS(self) -> tuple[str, ...]:
        value = self.raw("LIFESPAN_DRAIN_SIGNALS", ["SIGTERM"])
        problem = drain_signals_problem(value)
        if problem:
            raise ImproperlyConfigured(problem)
        return tuple(value)

    @property
    def LIFESPAN_EXCLUDE_APPS(self) -> Any:
        # Labels; checks.excluded_apps_problems() says what is wrong with another value.
        return self.raw("LIFESPAN_EXCLUDE_APPS", [])

    @property
    def LIFESPAN_STARTUP_TIMEOUT(self) -> float | None:
        return self._timeout("LIFESPAN_STARTUP_TIMEOUT")

    @property
    def LIFESPAN_SHUTDOWN_TIMEOUT(self) -> float | None:
        return self._timeout("LIFESPAN_SHUTDOWN_TIMEOUT")

    @property
    def LIFESPAN_LAZY_STARTUP(self) -> bool:
        value = self.raw("LIFESPAN_LAZY_STARTUP", False)
        problem = boolean_problem("LIFESPAN_LAZY_STARTUP", value)
        if problem:
            raise ImproperlyConfigured(problem)
        return bool(value)

    @property
    def LIFESPAN_HEALTH_CHECKS(self) -> Any:
        return self.raw("LIFESPAN_HEALTH_CHECKS", {})

    @property
    def LIFESPAN_HEALTH_TIMEOUT(self) -> float:
        return self._positive("LIFESPAN_HEALTH_TIMEOUT", 5.0)

    @property
    def LIFESPAN_OPENTELEMETRY(self) -> bool:
        value = self.raw("LIFESPAN_OPENTELEMETRY", False)
        problem = boolean_problem("LIFESPAN_OPENTELEMETRY", value)
        if problem:
            raise ImproperlyConfigured(problem)
        return bool(value)

    @property
    def LIFESPAN_RUN_ONCE_INTERVAL(self) -> float:
        return self._positive("LIFESPAN_RUN_ONCE_INTERVAL", 5.0)

    @property
    def LIFESPAN_RUN_ONCE_LOCK_DIR(self) -> str | None:
        value = self.raw("LIFESPAN_RUN_ONCE_LOCK_DIR", None)
        return None if value is None else str(value)

    @property
    def LIFESPAN_STATE_TYPE(self) -> Any:
        # A dotted path, or None; statetype.load_state_type() says what is wrong with it.
        return self.raw("LIFESPAN_STATE_TYPE", None)

    @property
    def LIFESPAN_PROBE_DETAILS(self) -> Any:
        # Networks; probe_details.details_problem() says what is wrong with another value.
        return self.raw("LIFESPAN_PROBE_DETAILS", PRIVATE_NETWORKS)

    @property
    def LIFESPAN_PROBE_TOKEN(self) -> Any:
        # None or a secret; probe_details.token_problem() says what is wrong with another value.
        return self.raw("LIFESPAN_PROBE_TOKEN", None)

    def _positive(self, name: str, default: float) -> float:
        value = self.raw(name, default)
        problem = positive_problem(name, value)
        if problem:
            raise ImproperlyConfigured(problem)
        return float(value)

    def raw(self, name: str, default: Any = None) -> Any:
        return getattr(settings, name, default)

    def _timeout(self, name: str) -> float | None:
        value = self.raw(name)
        problem = timeout_problem(name, value)
        if problem:
            raise ImproperlyConfigured(problem)
        return None if value is None else float(value)


conf = Settings()
