"""Every example on docs/operations.md, run: the demo project under uvicorn, and its plugin URLs."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import override_settings
from django.urls import clear_url_caches

from django_lifespan_ctx._engine.process import reset_process
from django_lifespan_ctx.asgi import get_asgi_application
from tests import servers
from tests.asgi_driver import LifespanConversation
from tests.ops.test_probes import probe
from tests.servers import ServerProcess

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "operations"


def probe_paths() -> set[str]:
    (container,) = yaml.safe_load((EXAMPLE / "kubernetes.yaml").read_text())["containers"]
    kinds = ("livenessProbe", "readinessProbe", "startupProbe")
    assert all(container[kind]["httpGet"]["port"] == container["ports"][0]["containerPort"] for kind in kinds)
    return {container[kind]["httpGet"]["path"] for kind in kinds}


def test_the_demo_project_answers_the_kubernetes_probes_and_traces_its_lifespan(tmp_path: Path) -> None:
    argv = servers.uvicorn("opsdemo.asgi:application")
    server = ServerProcess(argv, settings="opsdemo.settings", extra_path=[EXAMPLE])
    server.env["TMPDIR"] = str(tmp_path)  # Where the scheduler's file lock goes.
    with server:
        server.wait_for("Uvicorn running on")
        answers = {path: server.get(path) for path in sorted(probe_paths())}
        code = server.stop(signal.SIGINT)
    assert set(answers) == {"/livez/", "/readyz/"}
    assert {path: r.status_code for path, r in answers.items()} == {"/livez/": 200, "/readyz/": 200}
    ready = answers["/readyz/"].json()
    assert {name: c["result"] for name, c in ready["checks"].items()} == {"http": "pass", "fine": "pass"}
    (scheduler,) = ready["run_once"]
    assert scheduler["held_here"] and scheduler["context"] == "opsdemo.lifespan.scheduler"
    assert "uses a file lock" in server.output  # The demo runs on SQLite.
    spans = [json.loads(line) for line in server.output.splitlines() if line.startswith('{"name"')]
    by_name = {span["name"]: span for span in spans}
    startup, shutdown = by_name["lifespan startup"], by_name["lifespan shutdown"]
    assert startup["parent_id"] is None and shutdown["parent_id"] is None
    enter = by_name["enter opsdemo.lifespan.http_client"]
    assert enter["parent_id"] == startup["context"]["span_id"]
    assert enter["attributes"]["lifespan.keys"] == ["http"]
    # The requests' traces are their own: no lifespan span is their parent or shares their trace.
    requests = [span for span in spans if span["name"].startswith("GET")]
    assert len({span["context"]["trace_id"] for span in requests}) == 2
    lifespan_traces = {startup["context"]["trace_id"], shutdown["context"]["trace_id"]}
    assert not lifespan_traces & {span["context"]["trace_id"] for span in requests}
    assert sum(span["parent_id"] is None for span in requests) == 2
    assert code == 0, server.output


@pytest.fixture
def opsdemo(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import opsdemo.settings as demo  # type: ignore[import-not-found]

    settings = {
        "ROOT_URLCONF": "opsdemo.health_check_urls",
        "LIFESPAN_CONTEXTS": demo.LIFESPAN_CONTEXTS,
        "LIFESPAN_HEALTH_CHECKS": demo.LIFESPAN_HEALTH_CHECKS,
        "LIFESPAN_RUN_ONCE_INTERVAL": demo.LIFESPAN_RUN_ONCE_INTERVAL,
    }
    reset_process()
    with override_settings(**settings):
        clear_url_caches()
        yield settings
    clear_url_caches()
    for name in [name for name in sys.modules if name.startswith("opsdemo")]:
        del sys.modules[name]


@pytest.mark.django_db
async def test_the_health_check_plugin_example(opsdemo: dict[str, Any], tmp_path: Path) -> None:
    app = get_asgi_application()
    conversation = LifespanConversation(app, state={})
    with override_settings(LIFESPAN_RUN_ONCE_LOCK_DIR=str(tmp_path)):
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        status, body = await probe(app, "/ht/", b"format=json")
        await conversation.shutdown()
    assert status == 200, body
    assert set(body) == {
        "Lifespan()",
        "LifespanCheck(name='http')",
        "LifespanCheck(name='fine')",
        "Database(alias='default')",
    }
