"""docs/operations.md, pasted as a reader pastes it into a fresh project, served by uvicorn.

The blocks come from the rendered page, in order, each applied as its first line says
(tests.pasted_project.copy_into); then uvicorn serves the project as the page shows,
with a kubelet's Host header on the probes, a proxy's header and the token, the
django-health-check view, and the spans the page's telemetry prints.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx

from tests import servers
from tests.pasted_project import (
    command_block,
    file_blocks,
    manage_py_check,
    served_as_a_user_runs_it,
    start_project,
    user_env,
)
from tests.rendered_docs import code_blocks, render

BLOCKS = code_blocks(render("operations.md"))
FILES = file_blocks(BLOCKS)
INSTALL = command_block(BLOCKS, "pip install")
(UVICORN,) = command_block(BLOCKS, "uvicorn ").splitlines()
POD = "10.1.2.3:8000"
TOKEN = "docs-probe-token-0123456789"


def test_the_pasted_project_serves_probes_health_check_and_spans(tmp_path: Path) -> None:
    project = start_project(tmp_path, INSTALL, FILES)
    assert "no issues" in manage_py_check(project)
    argv = servers.documented(UVICORN)
    # TMPDIR: where the scheduler's file lock goes (SQLite).
    env = {**user_env(), "PROBE_TOKEN": TOKEN, "TMPDIR": str(tmp_path)}
    server = served_as_a_user_runs_it(argv, project, env)

    def get(path: str, host: str = POD, **headers: str) -> httpx.Response:
        with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
            return client.get(path, headers={"Host": host, **headers})

    with server:
        server.wait_for("Uvicorn running on")
        live, ready, other = get("/livez/"), get("/readyz/"), get("/anything-else/")
        proxied = get("/readyz/", **{"X-Forwarded-For": "203.0.113.9"})
        token = get("/readyz/", **{"X-Forwarded-For": "203.0.113.9", "Authorization": f"Bearer {TOKEN}"})
        plugin = get("/ht/?format=json", host="shop.example.com")
        code = server.stop(signal.SIGINT)
    assert (live.status_code, ready.status_code) == (200, 200), server.output
    body = ready.json()
    assert {name: c["result"] for name, c in body["checks"].items()} == {"http": "pass", "fine": "pass"}
    (scheduler,) = body["run_once"]
    assert scheduler["held_here"] and scheduler["context"] == "mysite.lifespan.scheduler"
    assert other.status_code == 400  # ALLOWED_HOSTS still holds for every other URL.
    assert proxied.json() == {"status": "ready"}
    assert token.json()["contexts"][0]["name"] == "mysite.lifespan.http_client"
    assert plugin.status_code == 200, plugin.text
    assert "Lifespan" in plugin.text
    spans = [json.loads(line) for line in server.output.splitlines() if line.startswith('{"name"')]
    names = {span["name"] for span in spans}
    assert {"lifespan startup", "lifespan shutdown", "enter mysite.lifespan.http_client"} <= names
    assert code == 0, server.output
