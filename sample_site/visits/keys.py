"""What the visits app puts in the lifespan state: one typed key, with its own health check."""

from collections import Counter

from django_lifespan_ctx import StateKey


class VisitCounter:
    """Visits per path since the server started."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.open = True

    def add(self, path: str) -> int:
        self.counts[path] += 1
        return self.counts[path]

    def total(self) -> int:
        return sum(self.counts.values())


def counter_is_open(counter: VisitCounter) -> bool:
    # readyz/ runs this for the app: the project lists nothing in LIFESPAN_HEALTH_CHECKS.
    return counter.open


# --8<-- [start:key]
VISIT_COUNTER = StateKey("visit_counter", VisitCounter, check=counter_is_open)
# --8<-- [end:key]
