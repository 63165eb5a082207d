"""The sample site, served by real uvicorn as `make demo` serves it."""

from __future__ import annotations

from pathlib import Path

from tests.servers import ServerProcess

SITE = Path(__file__).resolve().parent


def test_the_sample_site_serves_books_through_the_lifespan_client() -> None:
    argv = ["uvicorn", "sample_site.asgi:application", "--lifespan", "on", "--host", "127.0.0.1", "--port", "{port}"]
    server = ServerProcess(argv, settings="sample_site.settings", cwd=SITE)
    server.env["BOOKS_API_URL"] = f"http://127.0.0.1:{server.port}/api/"
    with server:
        server.wait_for("Uvicorn running on")
        home = server.get("/")
        book = server.get("/books/2/")
        missing = server.get("/books/99/")
        code = server.stop()
    assert home.status_code == 200
    assert "<code>httpx_client</code></td><td><code>httpx.AsyncClient</code>" in home.text
    assert 'href="/books/2/"' in home.text
    assert book.status_code == 200 and "Fluent Python" in book.text
    assert missing.status_code == 404
    assert "Lifespan shutdown complete" in server.output
    assert code == 0, server.output
