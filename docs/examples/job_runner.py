"""A sync job runner (RQ, a scheduler, a plain loop) that shares the project's async client."""

from django_lifespan_ctx import current_state, start_in_thread


async def page_size(url: str) -> int:
    # Runs on the lifespan's loop, where the client was opened.
    response = await current_state().httpx_client.get(url)
    return len(response.content)


def run_jobs(urls: list[str]) -> list[int]:
    # Enters LIFESPAN_CONTEXTS once; exits them when the block ends.
    with start_in_thread() as lifespan:
        return [lifespan.run(page_size(url)) for url in urls]
