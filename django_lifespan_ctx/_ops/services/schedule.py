"""When a supervised service runs again: its restart policy, and the backoff between attempts."""

from __future__ import annotations

import random
from typing import Literal

Restart = Literal["always", "on-failure", "never"]
RESTART_POLICIES: tuple[Restart, ...] = ("always", "on-failure", "never")
_jitter = random.Random()


class Backoff:
    """Whether and when to restart, from the policy and the failures in a row."""

    def __init__(self, restart: Restart, backoff: tuple[float, float]) -> None:
        self.restart, self.backoff = restart, backoff
        self._failures_in_a_row = 0

    def restarts(self, error: BaseException | None) -> bool:
        return self.restart == "always" or (self.restart == "on-failure" and error is not None)

    def delay(self, error: BaseException | None, ran: float) -> float:
        """Exponential backoff, reset by a run that lasted; jittered between half the ceiling and the ceiling.

        Half the ceiling is the floor, so a long crash loop makes at most one attempt every
        backoff[1] / 2 seconds: docs/services.md states this exact rule.
        """
        low, high = self.backoff
        if ran >= high:
            self._failures_in_a_row = 0
        if error is None:
            return low
        self._failures_in_a_row += 1
        ceiling = min(high, low * 2 ** min(self._failures_in_a_row - 1, 64))
        return _jitter.uniform(max(low, ceiling / 2), ceiling)
