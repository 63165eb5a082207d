"""A script that uses the project's lifespan outside any server."""

import asyncio

from django_lifespan_ctx import lifespan


async def count_books() -> int:
    async with lifespan() as state:
        return len(state.catalogue)


if __name__ == "__main__":
    import django

    django.setup()
    print(asyncio.run(count_books()), "books")
