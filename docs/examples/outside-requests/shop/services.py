# shop/services.py
from django_lifespan_ctx import current_state


async def fetch_book(book_id):
    # No request passed down: the state of whatever runs this code, wherever it runs.
    client = current_state()["api_client"]
    response = await client.get(f"/books/{book_id}/")
    response.raise_for_status()
    return response.json()
