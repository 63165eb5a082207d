"""LIFESPAN_STATE_TYPE: the state checked against a TypedDict or Protocol after startup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def check_state_type(state: Mapping[str, Any], owners: Mapping[str, str]) -> None:
    """Raise TypeError, naming the key and the context that yielded it, on a mismatch.

    ``owners`` maps each key to the name of the context (or receiver) that set it.
    """
    return None
