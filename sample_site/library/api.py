"""A small client for the books API (the sample serves it itself, see views)."""

from typing import Any

import httpx


class BookNotFound(Exception):
    pass


class BooksAPI:
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    async def book(self, book_id: int) -> dict[str, Any]:
        response = await self.client.get(f"{self.base_url}books/{book_id}/")
        if response.status_code == 404:
            raise BookNotFound(book_id)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result
