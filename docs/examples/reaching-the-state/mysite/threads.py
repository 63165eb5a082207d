# mysite/threads.py
import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync, sync_to_async
from django.http import HttpRequest, JsonResponse

from django_lifespan_ctx import State, current_state

from .services import fetch_title


def title_in_a_thread(state: State, loop: asyncio.AbstractEventLoop, isbn: str) -> str:
    # Hand the coroutine to the loop the client belongs to, and wait here for it.
    response = asyncio.run_coroutine_threadsafe(state["catalogue"].get(f"/books/{isbn}/"), loop)
    return str(response.result(timeout=10).json()["title"])


async def titles_from_a_pool(isbns: list[str]) -> list[str]:
    # Captured in async code: a plain thread sees neither the state nor the loop.
    state, loop = current_state(), asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [loop.run_in_executor(pool, title_in_a_thread, state, loop, isbn) for isbn in isbns]
        return list(await asyncio.gather(*jobs))


def sync_work(isbn: str) -> str:
    # Started through sync_to_async, this thread knows the loop and the state,
    # as a sync view's thread does.
    return async_to_sync(fetch_title)(isbn)


async def title_from_sync_work(isbn: str) -> str:
    return await sync_to_async(sync_work, thread_sensitive=False)(isbn)


async def titles(request: HttpRequest) -> JsonResponse:
    isbns = request.GET.getlist("isbn")
    return JsonResponse(
        {
            "from_a_pool": await titles_from_a_pool(isbns),
            "from_sync_work": await title_from_sync_work(isbns[0]),
        }
    )
