"""What the layers above hand the engine: it reads no settings and looks nothing up itself.

The serving layer builds the one ``Setup`` (``_serving/setup.py``) from the settings,
the state type and the ``current_state()`` lookups, and passes it to every runner
and host. So the engine can be read, and tested, without Django settings in mind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django_lifespan_ctx._engine.plan import Plan
from django_lifespan_ctx._engine.state import State


class Configured(NamedTuple):
    """One startup's configuration, read when that startup begins."""

    plan: Plan
    startup_timeout: float | None
    shutdown_timeout: float | None
    # Raises with a teaching message when the state breaks the project's promise.
    check_state: Callable[[Mapping[str, Any], Mapping[str, str]], None]


@dataclass(frozen=True)
class Setup:
    # The checked plan and limits for ``contexts`` (None: the project's own);
    # raises LifespanConfigurationError when the configuration fails its checks.
    configure: Callable[[Sequence[Any] | None], Configured]
    # How long stopping a thread-hosted lifespan gives work still in flight.
    shutdown_timeout: Callable[[], float | None]
    # Make ``state`` what current_state() returns in this context, and undo it.
    enter_hosted: Callable[[State], Any]
    leave_hosted: Callable[[Any], None]
    # What a context yielded, as the state takes it (the context's name is given):
    # typed keys' values checked against their types, a test's fakes in their place.
    yielded: Callable[[dict[str, Any], str], dict[str, Any]]
    # Once every context and receiver has run: keys the state gains that nobody
    # yielded (a test's fakes), recorded as owned in the owners mapping.
    after_startup: Callable[[dict[str, Any], dict[str, str]], None]
    # How listings and the startup log show a key (a typed key with its app).
    key_label: Callable[[str], str]
