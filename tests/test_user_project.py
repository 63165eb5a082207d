"""A user's project, made in a temporary directory, tested the two ways users test.

It proves the testing helpers from the outside: only public names, a real
settings module, real runners in subprocesses.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FILES = {
    "manage.py": """
        import os, sys
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
        from django.core.management import execute_from_command_line
        execute_from_command_line(sys.argv)
    """,
    "shop/__init__.py": "",
    "shop/settings.py": """
        import os
        SECRET_KEY = "user-project"
        INSTALLED_APPS = ["django_lifespan_ctx", "books"]
        ROOT_URLCONF = "shop.urls"
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
        LIFESPAN_CONTEXTS = ["books.lifespan.books_client"]
        if os.environ.get("BREAK_A_CONTEXT"):
            LIFESPAN_CONTEXTS.append("books.lifespan.search_index")
    """,
    "shop/urls.py": """
        from django.urls import path
        from books.views import count, client_kind
        urlpatterns = [path("count/", count), path("kind/", client_kind)]
    """,
    "books/__init__.py": "",
    "books/lifespan.py": """
        from contextlib import asynccontextmanager
        import httpx

        @asynccontextmanager
        async def books_client():
            # Never contacted by the tests: they replace it, or only look at it.
            async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as client:
                yield {"books_client": client}

        @asynccontextmanager
        async def search_index():
            raise ConnectionError("search index unreachable")
            yield
    """,
    "books/views.py": """
        from django.http import JsonResponse

        async def count(request):
            response = await request.state.books_client.get("/books/")
            return JsonResponse({"count": len(response.json())})

        def client_kind(request):
            client = request.state["books_client"]
            return JsonResponse({"kind": type(client).__name__, "closed": client.is_closed})
    """,
    "books/fakes.py": """
        from contextlib import asynccontextmanager
        import httpx

        def fake_api(request):
            return httpx.Response(200, json=[{"title": "A"}, {"title": "B"}])

        @asynccontextmanager
        async def fake_books_client():
            transport = httpx.MockTransport(fake_api)
            async with httpx.AsyncClient(base_url="http://books.test", transport=transport) as client:
                yield {"books_client": client}
    """,
    # Django's test runner: the mixin, a method swapped with override_settings, the decorator.
    "books/tests.py": """
        from django.test import SimpleTestCase, override_settings
        from django_lifespan_ctx.testing import LifespanTestMixin, with_lifespan

        class RealContexts(LifespanTestMixin, SimpleTestCase):
            async def test_the_real_client_is_open(self):
                response = await self.async_client.get("/kind/")
                self.assertEqual(response.json(), {"kind": "AsyncClient", "closed": False})

            def test_sync_client_and_sync_view(self):
                self.assertEqual(self.client.get("/kind/").json()["kind"], "AsyncClient")

            @override_settings(LIFESPAN_CONTEXTS=["books.fakes.fake_books_client"])
            async def test_swapped_with_override_settings(self):
                response = await self.async_client.get("/count/")
                self.assertEqual(response.json(), {"count": 2})

        class Replacements(SimpleTestCase):
            @with_lifespan(contexts=["books.fakes.fake_books_client"])
            async def test_given_contexts(self):
                response = await self.async_client.get("/count/")
                self.assertEqual(response.json(), {"count": 2})
    """,
    "pytest.ini": """
        [pytest]
        DJANGO_SETTINGS_MODULE = shop.settings
        asyncio_mode = strict
        python_files = test_*.py
    """,
    # pytest: pytest-asyncio in strict mode, and anyio's plugin, with the same fixtures.
    "test_books.py": """
        import pytest
        from books.fakes import fake_books_client

        @pytest.mark.asyncio
        async def test_real_contexts_with_pytest_asyncio(lifespan_client):
            response = await lifespan_client.get("/kind/")
            assert response.json() == {"kind": "AsyncClient", "closed": False}

        @pytest.mark.asyncio
        @pytest.mark.lifespan(contexts=[fake_books_client])
        async def test_replacement_with_pytest_asyncio(lifespan_client, lifespan_state):
            assert "books_client" in lifespan_state
            response = await lifespan_client.get("/count/")
            assert response.json() == {"count": 2}

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.anyio
        @pytest.mark.lifespan(contexts=[fake_books_client])
        async def test_replacement_with_anyio(lifespan_client):
            response = await lifespan_client.get("/count/")
            assert response.json() == {"count": 2}

        def test_sync(lifespan_sync_client):
            assert lifespan_sync_client.get("/kind/").json()["kind"] == "AsyncClient"
    """,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("user_project")
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def run(project: Path, *command: str, broken: bool = False) -> subprocess.CompletedProcess[str]:
    # A clean environment: nothing of this test run's own pytest or Django set-up.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    env["PYTHONPATH"] = str(project)
    if broken:
        env["BREAK_A_CONTEXT"] = "1"
    return subprocess.run(
        [sys.executable, *command], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


def test_pytest_style_passes_with_real_contexts_and_replacements(project: Path) -> None:
    result = run(project, "-m", "pytest", "-p", "no:cacheprovider", "test_books.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_django_runner_style_passes_with_real_contexts_and_replacements(project: Path) -> None:
    result = run(project, "manage.py", "test", "books", "-v", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ran 4 tests" in result.stderr and "OK" in result.stderr


def test_a_broken_context_fails_pytest_with_the_message(project: Path) -> None:
    result = run(project, "-m", "pytest", "-p", "no:cacheprovider", "test_books.py", "-k", "real_contexts", broken=True)
    assert result.returncode == 1, result.stdout
    assert (
        "LifespanStartupError: Lifespan startup failed while entering "
        "'books.lifespan.search_index': ConnectionError: search index unreachable"
    ) in result.stdout


def test_a_broken_context_fails_manage_py_test_with_the_message(project: Path) -> None:
    result = run(project, "manage.py", "test", "books.tests.RealContexts", broken=True)
    assert result.returncode == 1, result.stderr
    assert "'books.lifespan.search_index': ConnectionError: search index unreachable" in result.stderr
    # The test that swaps in its own contexts does not include the broken one.
    assert "Ran 3 tests" in result.stderr and "FAILED (errors=2)" in result.stderr
