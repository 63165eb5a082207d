# shop/views.py
from django.http import JsonResponse

from django_lifespan_ctx import LifespanHttpRequest, current_state

from .state import ShopState


async def state_keys(request: LifespanHttpRequest[ShopState]) -> JsonResponse:
    state = request.state
    return JsonResponse(
        {
            "keys": sorted(state),  # Iteration, from StateMapping.
            "size": len(state),
            "has_catalogue": "catalogue" in state,
            "first": state.catalogue[0],  # Attribute access, from ShopState.
            "titles": catalogue_size(),
        }
    )


def catalogue_size() -> int:
    # Anywhere a lifespan runs: a request, a command, a worker, a test.
    return len(current_state(ShopState).catalogue)
