"""The sample site, served by real uvicorn as `make demo` serves it."""

from __future__ import annotations

from pathlib import Path

from tests import servers
from tests.servers import ServerProcess

SITE = Path(__file__).resolve().parent


def test_the_sample_site_serves_books_through_the_lifespan_client() -> None:
    argv = servers.uvicorn("sample_site.asgi:application", "--lifespan", "on")
    server = ServerProcess(argv, settings="sample_site.settings", cwd=SITE)
    server.env["BOOKS_API_URL"] = f"http://127.0.0.1:{server.port}/api/"
    with server:
        server.wait_for("Uvicorn running on")
        home = server.get("/")
        ready = server.get("/readyz/")
        book = server.get("/books/2/")
        missing = server.get("/books/99/")
        signals = server.get("/signals/")
        visits = [server.get("/visits/") for _ in range(2)]
        code = server.stop()
    assert home.status_code == 200
    for key, kind in [
        ("catalogue", "builtins.list"),
        ("httpx_client", "httpx.AsyncClient"),
        ("cover_cache", "builtins.dict"),
        ("books_api", "library.api.BooksAPI"),
    ]:
        assert f"<code>{key}</code></td><td><code>{kind}</code>" in home.text
    assert 'href="/books/2/"' in home.text
    # The background service filled the cache before the first request, and readyz/ lists it.
    assert '<p id="featured">Featured: <a href="/books/1/">' in home.text
    assert ready.status_code == 200, ready.text
    # The visits app's typed key carries its own check: readyz/ runs it, no setting lists it.
    assert ready.json()["checks"]["visit_counter (app visits)"]["result"] == "pass"
    (featured,) = ready.json()["services"]
    assert (featured["name"], featured["kind"], featured["status"]) == ("featured-book", "every", "running")
    assert "every(5, 'featured-book') stopped." in server.output
    assert book.status_code == 200 and "Fluent Python" in book.text and "cover-2.png" in book.text
    assert missing.status_code == 404
    assert "holds an <code>AsyncClient</code> (closed: False)" in signals.text
    # The visits app ships its context in its AppConfig: opened first, closed last, counting between.
    assert [page.status_code for page in visits] == [200, 200]
    assert "served 1 times" in visits[0].text and "served 2 times" in visits[1].text
    opened = server.output.index("visits.lifespan: visit counter opened")
    closed = server.output.index("visits.lifespan: visit counter closed after 2 visits")
    assert opened < server.output.index("Entered 'library.lifespan.catalogue'")
    assert server.output.index("Exited 'library.lifespan.catalogue'") < closed
    assert "Lifespan shutdown complete" in server.output
    assert code == 0, server.output
