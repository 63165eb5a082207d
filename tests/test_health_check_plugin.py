"""The django-health-check plugins, served by the real package's view through our handler."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

from django_lifespan_ctx import readiness
from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.contrib.health_check import Lifespan, LifespanCheck
from tests import ops_contexts
from tests.asgi_driver import LifespanConversation
from tests.test_probes import probe

SETTINGS = {
    "ROOT_URLCONF": "tests.ops_health_urls",
    "LIFESPAN_CONTEXTS": [ops_contexts.database],
    "LIFESPAN_HEALTH_CHECKS": {
        "pool": "tests.ops_contexts.pool_open",
        "flag": "tests.ops_contexts.no_unhealthy_flag",
    },
}


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    readiness.tracker.reset()
    monkeypatch.setenv("LIFESPAN_TEST_UNHEALTHY", str(tmp_path / "unhealthy"))
    with override_settings(**SETTINGS):
        clear_url_caches()
        yield tmp_path / "unhealthy"
    clear_url_caches()
    readiness.tracker.reset()


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
    readiness.tracker.step_started("startup", "context", "myapp.broker", "LIFESPAN_CONTEXTS[1]")
    readiness.tracker.step_finished(
        "startup", "context", "myapp.broker", "LIFESPAN_CONTEXTS[1]", OSError(), ()
    )
    readiness.tracker.phase_finished("startup", OSError())
    result = await Lifespan().get_result()
    assert str(result.error) == "Unavailable: lifespan failed; failed: myapp.broker"
    assert (await LifespanCheck(name="pool").get_result()).error is not None  # No state: no pool.


def test_importing_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "health_check.base", None)
    monkeypatch.delitem(sys.modules, "django_lifespan_ctx.contrib.health_check")
    with pytest.raises(ImportError, match=r"django-lifespan-ctx\[health\]"):
        importlib.import_module("django_lifespan_ctx.contrib.health_check")
