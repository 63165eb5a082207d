"""docs/operations.md's probe sections, run: the Kubernetes spec and the probe settings under uvicorn."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import yaml

from tests import servers
from tests.servers import ServerProcess

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLE = DOCS / "examples" / "operations"
POD = "10.1.2.3:8000"
TOKEN = "docs-probe-token-0123456789"


def spec_paths() -> dict[str, str]:
    (container,) = yaml.safe_load((EXAMPLE / "kubernetes.yaml").read_text())["containers"]
    kinds = ("livenessProbe", "readinessProbe", "startupProbe")
    return {kind: container[kind]["httpGet"]["path"] for kind in kinds}


def test_the_page_includes_what_this_file_runs() -> None:
    page = (DOCS / "operations.md").read_text()
    # The page's project (tests/docs/test_operations_page.py pastes and serves it) and this spec.
    assert '--8<-- "docs/examples/operations-page/mysite/settings_probes.py"' in page
    assert '--8<-- "docs/examples/operations/kubernetes.yaml"' in page
    assert '--8<-- "docs/examples/operations-page/mysite/urls.py"' in page
    # The spec's paths are where the page's include mounts the probes: at the root.
    urls = (DOCS / "examples" / "operations-page" / "mysite" / "urls.py").read_text()
    assert re.search(r'path\("", include\("django_lifespan_ctx.urls"\)\)', urls)
    assert "from django.urls import include, path" in urls
    assert set(spec_paths().values()) == {"/livez/", "/readyz/"}


def test_the_spec_works_with_a_strict_allowed_hosts_and_the_details_follow_the_settings(
    tmp_path: Path,
) -> None:
    argv = servers.uvicorn("tests.sites.server_asgi:application")
    server = ServerProcess(argv, settings="opsdemo.probe_settings", extra_path=[EXAMPLE])
    server.env.update(TMPDIR=str(tmp_path), PROBE_TOKEN=TOKEN)

    def get(path: str, **headers: str) -> httpx.Response:
        with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
            return client.get(path, headers={"Host": POD, **headers})

    with server:
        server.wait_for("Uvicorn running on")
        kubelet = {kind: get(path) for kind, path in spec_paths().items()}
        other = get("/anything-else/")
        proxied = get("/readyz/", **{"X-Forwarded-For": "203.0.113.9"})
        token = get("/readyz/", **{"X-Forwarded-For": "203.0.113.9", "Authorization": f"Bearer {TOKEN}"})
        server.stop()
    assert {kind: r.status_code for kind, r in kubelet.items()} == dict.fromkeys(kubelet, 200), server.output
    # The kubelet comes from the pod network (here loopback, in the allowed networks): details.
    assert kubelet["readinessProbe"].json()["lifespan"] == "started"
    assert other.status_code == 400  # ALLOWED_HOSTS still holds for every other URL.
    assert proxied.json() == {"status": "ready"}
    assert token.json()["contexts"][0]["name"] == "opsdemo.lifespan.http_client"
