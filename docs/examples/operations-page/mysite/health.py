# mysite/health.py
from django_lifespan_ctx import State


async def http_client_open(state: State) -> bool:
    return not state.http.is_closed


def always_fine(state: State) -> None:
    """Sync checks run in a thread; raising or returning False fails them."""
