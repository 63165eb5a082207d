# reviews/keys.py
from django_lifespan_ctx import StateKey


class ReviewsClient:
    """A client for a reviews service (here, one that makes its answers up)."""

    def __init__(self) -> None:
        self.closed = False

    def stars(self, title: str) -> int:
        return len(title) % 5 + 1

    def ping(self) -> bool:
        return not self.closed


# Declared once, by the app that owns the resource. readyz/ runs its check.
REVIEWS_CLIENT = StateKey("client", ReviewsClient, check=ReviewsClient.ping)
