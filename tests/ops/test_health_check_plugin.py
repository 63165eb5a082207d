"""The django-health-check plugins, served by the real package's view through our handler."""

from __future__ import annotations

import html
import importlib
import re
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from django.template import TemplateDoesNotExist
from django.test import AsyncClient, override_settings
from django.urls import clear_url_caches

from django_lifespan_ctx._engine.observers import Step
from django_lifespan_ctx._engine.process import reset_process
from django_lifespan_ctx._ops import readiness
from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.contrib.health_check import Lifespan, LifespanCheck
from tests import ops_contexts, servers
from tests.asgi_driver import LifespanConversation
from tests.ops.test_probes import probe
from tests.servers import REPO, ServerProcess

OPERATIONS = REPO / "docs" / "examples" / "operations"
APP_TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

SETTINGS = {
    "ROOT_URLCONF": "tests.sites.ops_health_urls",
    "LIFESPAN_CONTEXTS": [ops_contexts.database],
    "LIFESPAN_HEALTH_CHECKS": {
        "pool": "tests.ops_contexts.pool_open",
        "flag": "tests.ops_contexts.no_unhealthy_flag",
    },
}


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    reset_process()
    monkeypatch.setenv("LIFESPAN_TEST_UNHEALTHY", str(tmp_path / "unhealthy"))
    with override_settings(**SETTINGS):
        clear_url_caches()
        yield tmp_path / "unhealthy"
    clear_url_caches()
    reset_process()


async def test_the_plugins_follow_the_lifespan_and_the_declared_checks(
    fresh: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = get_asgi_application()
    status, before = await probe(app, "/ht/", b"format=json")
    assert status == 500
    assert before["Lifespan()"] == "Unavailable: lifespan not started"

    conversation = LifespanConversation(app, state={})
    await conversation.startup()
    status, ready = await probe(app, "/ht/", b"format=json")
    assert (status, ready) == (
        200,
        {"Lifespan()": "OK", "LifespanCheck(name='pool')": "OK", "LifespanCheck(name='flag')": "OK"},
    )

    fresh.touch()  # noqa: ASYNC240
    status, failing = await probe(app, "/ht/", b"format=json")
    assert status == 500
    assert failing["LifespanCheck(name='flag')"] == "Unavailable: ConnectionError"
    assert "hunter2" not in repr(failing)

    await conversation.shutdown()
    status, after = await probe(app, "/ht/", b"format=json")
    assert after["Lifespan()"] == "Unavailable: lifespan stopped"


async def test_a_failed_context_is_named() -> None:
    readiness.tracker.phase_started("startup")
    broker = Step("startup", "context", "myapp.broker", "LIFESPAN_CONTEXTS[1]")
    readiness.tracker.step_started(broker)
    readiness.tracker.step_finished(replace(broker, error=OSError()))
    readiness.tracker.phase_finished("startup", OSError())
    result = await Lifespan().get_result()
    assert str(result.error) == "Unavailable: lifespan failed; failed: myapp.broker"
    assert (await LifespanCheck(name="pool").get_result()).error is not None  # No state: no pool.


def test_importing_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "health_check.base", None)
    monkeypatch.delitem(sys.modules, "django_lifespan_ctx.contrib.health_check")
    with pytest.raises(ImportError, match=r"django-lifespan-ctx\[health\]"):
        importlib.import_module("django_lifespan_ctx.contrib.health_check")


def html_rows(page: str) -> dict[str, str]:
    """Service -> status, as django-health-check's HTML view lists them."""
    cells = re.findall(
        r'<td data-label="Service">(.*?)</td>\s*<td data-label="Status"[^>]*>(.*?)</td>', page, re.DOTALL
    )
    return {html.unescape(service): re.sub(r"<[^>]+>", "", status).strip() for service, status in cells}


def test_the_html_view_lists_the_lifespan_under_a_real_server(tmp_path: Path) -> None:
    """docs/operations.md's settings: health_check installed, so its HTML view renders."""
    argv = servers.uvicorn("opsdemo.asgi:application")
    server = ServerProcess(argv, settings="opsdemo.health_check_settings", extra_path=[OPERATIONS])
    server.env["TMPDIR"] = str(tmp_path)  # Where the demo scheduler's file lock goes.
    with server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        with httpx.Client(base_url=server.url, trust_env=False, timeout=10) as client:
            page = client.get("/ht/", headers={"Accept": "text/html"})
        code = server.stop(signal.SIGINT)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert html_rows(page.text) == {
        "Lifespan()": "OK",
        "LifespanCheck(name='http')": "OK",
        "LifespanCheck(name='fine')": "OK",
        "Database(alias='default')": "OK",
    }
    assert code == 0, server.output


async def test_the_html_view_needs_health_check_in_installed_apps() -> None:
    apps = ["django.contrib.contenttypes", "django.contrib.auth", "django_lifespan_ctx"]
    with (
        override_settings(TEMPLATES=APP_TEMPLATES, INSTALLED_APPS=apps),
        pytest.raises(TemplateDoesNotExist, match="health_check/index.html"),
    ):
        await AsyncClient().get("/ht/", headers={"Accept": "text/html"})
    with override_settings(TEMPLATES=APP_TEMPLATES, INSTALLED_APPS=[*apps, "health_check"]):
        page = await AsyncClient().get("/ht/", headers={"Accept": "text/html"})
    # Before any lifespan has started in this process, as the plugin reports it.
    assert html_rows(page.content.decode())["Lifespan()"] == "Unavailable: lifespan not started"
