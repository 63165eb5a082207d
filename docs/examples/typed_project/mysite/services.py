# mysite/services.py
import logging

from django_lifespan_ctx import State

logger = logging.getLogger(__name__)


async def check_api(state: State) -> None:
    response = await state.http_client.get("/health/")
    logger.info("The API answered %s", response.status_code)
