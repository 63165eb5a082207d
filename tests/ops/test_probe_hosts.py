"""Probes answer a kubelet whatever its Host, and give their details only to callers the settings allow."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.test import override_settings

from django_lifespan_ctx._engine.process import reset_process
from django_lifespan_ctx._ops import probe_paths, probes
from django_lifespan_ctx._ops.checks import check_operations
from django_lifespan_ctx.handler import LifespanASGIHandler
from tests import ops_contexts, servers
from tests.asgi_driver import LifespanConversation, http_scope, request
from tests.servers import ServerProcess

POD = "10.1.2.3:8000"  # What a kubelet's httpGet probe sends as Host.
TOKEN = "s3cret-probe-token-for-tests"
STRICT = {
    "ROOT_URLCONF": "tests.sites.ops_urls",
    "ALLOWED_HOSTS": ["www.example.com"],
    "MIDDLEWARE": [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ],
    "LIFESPAN_CONTEXTS": [ops_contexts.database],
}


@pytest.fixture(autouse=True)
def fresh_tracker() -> Iterator[None]:
    reset_process()
    yield
    reset_process()


async def get(
    app: Any,
    path: str,
    *,
    host: str = POD,
    client: tuple[str, int] | None = ("10.1.0.1", 40000),
    **headers: str,
) -> tuple[int, dict[str, Any], bytes]:
    scope = http_scope(path, None)
    scope["headers"] = [(b"host", host.encode())] + [
        (name.replace("_", "-").lower().encode(), value.encode()) for name, value in headers.items()
    ]
    scope["client"] = client
    status, body = await request(app, scope)
    try:
        decoded: dict[str, Any] = json.loads(body)
    except ValueError:
        decoded = {}
    return status, decoded, body


# -- item 1: whatever the Host, in process ---------------------------------


async def test_probe_paths_are_read_from_the_urlconf_and_follow_it() -> None:
    with override_settings(ROOT_URLCONF="tests.sites.ops_urls"):
        assert probe_paths.probe_paths() == {"/livez/": probes.livez, "/readyz/": probes.readyz}
        assert probe_paths.probe_view({"path": "/app/readyz/", "root_path": "/app"}) is probes.readyz
        assert probe_paths.probe_view({"path": "/state/", "root_path": ""}) is None
    with override_settings(ROOT_URLCONF="tests.sites.ops_hosts_urls"):
        assert probe_paths.probe_paths() == {
            "/ops/health/livez/": probes.livez,
            "/ops/health/readyz/": probes.readyz,
        }


async def test_a_pod_ip_host_reaches_the_probes_and_nothing_else() -> None:
    with override_settings(**STRICT):
        app = LifespanASGIHandler()  # Inside: the handler loads MIDDLEWARE when it is made.
        conversation = LifespanConversation(app, state={})
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        live = await get(app, "/livez/")
        ready = await get(app, "/readyz/")
        other = await get(app, "/state/")
        allowed = await get(app, "/state/", host="www.example.com")
        await conversation.shutdown()
    assert (live[0], live[1]["status"]) == (200, "alive")
    assert (ready[0], ready[1]["status"]) == (200, "ready")
    assert other[0] == 400
    assert allowed[0] == 200


# -- item 1: a real uvicorn, Django's default middleware, ALLOWED_HOSTS = ["www.example.com"]


def uvicorn(app: str, tmp_path: Path, settings: str = "tests.sites.ops_hosts_settings") -> ServerProcess:
    argv = servers.uvicorn(app)
    server = ServerProcess(argv, settings=settings)
    server.env["LIFESPAN_TEST_UNHEALTHY"] = str(tmp_path / "unhealthy")
    return server


def send(server: ServerProcess, path: str, host: str = POD, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
        return client.get(path, headers={"Host": host, **headers})


def test_uvicorn_answers_a_kubelet_host_on_the_probes_only(tmp_path: Path) -> None:
    with uvicorn("tests.sites.server_asgi:application", tmp_path) as server:
        server.wait_for("Uvicorn running on")
        live = send(server, "/livez/")
        ready = send(server, "/readyz/")
        (tmp_path / "unhealthy").touch()
        unready = send(server, "/readyz/")
        (tmp_path / "unhealthy").unlink()
        other = send(server, "/state/")
        allowed = send(server, "/state/", host="www.example.com")
        code = server.stop()
    assert (live.status_code, live.json()["status"]) == (200, "alive"), live.text
    assert (ready.status_code, ready.json()["status"]) == (200, "ready"), ready.text
    assert (unready.status_code, unready.json()["status"]) == (503, "not ready"), unready.text
    assert ready.headers["Cache-Control"].startswith("max-age=0")  # never_cache still applies.
    assert other.status_code == 400 and "Bad Request (400)" in other.text  # DisallowedHost.
    assert allowed.status_code == 200, allowed.text
    assert code == 0, server.output


def test_through_the_middleware_the_same_probe_is_refused(tmp_path: Path) -> None:
    # The bug, as a kubelet met it: readyz/ through CommonMiddleware answers 400 (here
    # under Django's own handler, which serves every path through the middleware).
    with uvicorn("tests.sites.django_own_asgi:application", tmp_path) as server:
        server.wait_for("Uvicorn running on")
        ready = send(server, "/readyz/")
        server.stop()
    assert ready.status_code == 400 and "Bad Request (400)" in ready.text


# -- item 2: the details, by caller ----------------------------------------


@pytest.mark.parametrize(
    ("client", "details"),
    [
        (("127.0.0.1", 1), True),
        (("127.8.9.10", 1), True),
        (("10.244.3.7", 1), True),
        (("172.16.0.1", 1), True),
        (("172.31.255.254", 1), True),
        (("172.32.0.1", 1), False),
        (("192.168.1.20", 1), True),
        (("8.8.8.8", 1), False),
        (("::1", 1), True),
        (("fd12:3456::1", 1), True),
        (("2001:db8::1", 1), False),
        (("::ffff:10.0.0.1", 1), True),  # A dual-stack socket's IPv4 caller.
        (("::ffff:8.8.8.8", 1), False),
        (None, False),  # A Unix socket: no address, no way to tell.
    ],
)
async def test_the_default_networks_are_loopback_and_private(
    client: tuple[str, int] | None, details: bool
) -> None:
    with override_settings(**STRICT):
        app = LifespanASGIHandler()
        conversation = LifespanConversation(app, state={})
        await conversation.startup()
        ready = await get(app, "/readyz/", client=client)
        live = await get(app, "/livez/", client=client)
        await conversation.shutdown()
    assert ready[0] == 200 and live[0] == 200
    if details:
        assert ready[1]["lifespan"] == "started" and "process" in live[1]
    else:
        assert ready[1] == {"status": "ready"} and live[1] == {"status": "alive"}
        assert b"database" not in ready[2] and b"ops_contexts" not in ready[2]


@pytest.mark.parametrize(
    ("headers", "details"),
    [
        ({"Authorization": f"Bearer {TOKEN}"}, True),
        ({"Authorization": f"bearer {TOKEN}"}, True),
        ({"Authorization": f"Bearer {TOKEN}x"}, False),
        ({"Authorization": TOKEN}, False),
        ({"Authorization": f"Basic {TOKEN}"}, False),
        ({"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "8.8.8.8"}, True),
        ({}, False),
    ],
)
async def test_a_token_gives_the_details_from_anywhere(headers: dict[str, str], details: bool) -> None:
    settings = {**STRICT, "LIFESPAN_PROBE_TOKEN": TOKEN}
    with override_settings(**settings):
        app = LifespanASGIHandler()
        conversation = LifespanConversation(app, state={})
        await conversation.startup()
        status, body, _ = await get(app, "/readyz/", client=("8.8.8.8", 1), **headers)
        await conversation.shutdown()
    assert status == 200
    assert ("contexts" in body) is details
    assert body["status"] == "ready"


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
async def test_a_request_through_a_proxy_is_a_strangers_whatever_its_address(header: str) -> None:
    with override_settings(**STRICT):
        app = LifespanASGIHandler()
        conversation = LifespanConversation(app, state={})
        await conversation.startup()
        status, body, _ = await get(app, "/readyz/", client=("10.0.0.5", 1), **{header: "10.0.0.9"})
        await conversation.shutdown()
    assert (status, body) == (200, {"status": "ready"})


async def test_strangers_get_the_same_http_status_before_startup_and_while_a_check_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = tmp_path / "unhealthy"
    monkeypatch.setenv("LIFESPAN_TEST_UNHEALTHY", str(flag))
    settings = {**STRICT, "LIFESPAN_HEALTH_CHECKS": {"flag": "tests.ops_contexts.no_unhealthy_flag"}}
    with override_settings(**settings):
        app = LifespanASGIHandler()
        before = await get(app, "/readyz/", client=("8.8.8.8", 1))
        conversation = LifespanConversation(app, state={})
        await conversation.startup()
        flag.touch()
        failing = await get(app, "/readyz/", client=("8.8.8.8", 1))
        inside = await get(app, "/readyz/", client=("10.0.0.1", 1))
        await conversation.shutdown()
    assert (before[0], before[1]) == (503, {"status": "not ready"})
    assert (failing[0], failing[1]) == (503, {"status": "not ready"})
    assert b"ConnectionError" not in failing[2]
    assert (inside[0], inside[1]["checks"]["flag"]["error"]) == (503, "ConnectionError")


@override_settings(**STRICT, LIFESPAN_PROBE_DETAILS=["0.0.0.0/0", "::/0"])
async def test_the_old_behaviour_is_one_setting_away() -> None:
    app = LifespanASGIHandler()
    conversation = LifespanConversation(app, state={})
    await conversation.startup()
    status, body, _ = await get(app, "/readyz/", client=("8.8.8.8", 1))
    await conversation.shutdown()
    assert (status, body["lifespan"]) == (200, "started")


@override_settings(**STRICT)
async def test_an_invalid_setting_closes_the_details_and_startup_refuses_it_as_check_does() -> None:
    app = LifespanASGIHandler()
    conversation = LifespanConversation(app, state={})
    await conversation.startup()
    # Made invalid after startup (a settings override): the probe gives the status alone.
    with override_settings(LIFESPAN_PROBE_DETAILS="10.0.0.0/8"):
        status, body, _ = await get(app, "/readyz/", client=("10.0.0.1", 1))
    await conversation.shutdown()
    assert (status, body) == (200, {"status": "ready"})
    # Invalid at startup: refused, with the id `manage.py check` reports.
    with override_settings(LIFESPAN_PROBE_DETAILS="10.0.0.0/8"):
        refused = LifespanConversation(LifespanASGIHandler(), state={})
        reply = await refused.startup()
        await refused.finish()
    assert reply["type"] == "lifespan.startup.failed"
    assert "django_lifespan_ctx.E045" in reply["message"]


def test_uvicorn_gives_a_stranger_the_status_and_a_token_holder_the_details(tmp_path: Path) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 (--forwarded-allow-ips' default) and
    # reports the client it names: 10.9.9.9, a private address. The header still marks
    # the request as proxied, so it gets the status alone.
    with uvicorn(
        "tests.sites.server_asgi:application", tmp_path, "tests.sites.ops_strangers_settings"
    ) as server:
        server.wait_for("Uvicorn running on")
        loopback = send(server, "/readyz/")
        proxied = send(server, "/readyz/", **{"X-Forwarded-For": "10.9.9.9"})
        token = send(server, "/readyz/", Authorization=f"Bearer {TOKEN}")
        live = send(server, "/livez/")
        server.stop()
    assert (loopback.status_code, loopback.json()) == (200, {"status": "ready"}), loopback.text
    assert (proxied.status_code, proxied.json()) == (200, {"status": "ready"}), proxied.text
    assert (token.status_code, token.json()["lifespan"]) == (200, "started"), token.text
    assert token.json()["contexts"][0]["name"] == "tests.ops_contexts.database"
    assert (live.status_code, live.json()) == (200, {"status": "alive"})


# -- system checks ---------------------------------------------------------


def ids(**settings: Any) -> list[str]:
    with override_settings(**settings):
        return [message.id or "" for message in check_operations()]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"LIFESPAN_PROBE_DETAILS": ["10.0.0.0/8", "192.168.1.7", "fd00::/8"]}, []),
        ({"LIFESPAN_PROBE_DETAILS": []}, []),
        ({"LIFESPAN_PROBE_DETAILS": "10.0.0.0/8"}, ["django_lifespan_ctx.E045"]),
        ({"LIFESPAN_PROBE_DETAILS": ["10.0.0.0/33"]}, ["django_lifespan_ctx.E045"]),
        ({"LIFESPAN_PROBE_DETAILS": ["localhost"]}, ["django_lifespan_ctx.E045"]),
        ({"LIFESPAN_PROBE_DETAILS": [10]}, ["django_lifespan_ctx.E045"]),
        ({"LIFESPAN_PROBE_TOKEN": TOKEN}, []),
        ({"LIFESPAN_PROBE_TOKEN": "short"}, ["django_lifespan_ctx.E046"]),
        ({"LIFESPAN_PROBE_TOKEN": ""}, ["django_lifespan_ctx.E046"]),
        ({"LIFESPAN_PROBE_TOKEN": f" {TOKEN}\n"}, ["django_lifespan_ctx.E046"]),
        ({"LIFESPAN_PROBE_TOKEN": 1234567890123456789}, ["django_lifespan_ctx.E046"]),
    ],
)
def test_each_bad_probe_setting_has_its_id(settings: dict[str, Any], expected: list[str]) -> None:
    assert ids(**settings) == expected


def test_the_token_check_never_shows_the_token() -> None:
    with override_settings(LIFESPAN_PROBE_TOKEN="short"):
        (message,) = check_operations()
    assert "short" not in message.msg and "5 characters" in message.msg


def test_the_probe_checks_are_registered() -> None:
    from django.core.management.base import SystemCheckError

    with (
        override_settings(LIFESPAN_PROBE_DETAILS="10.0.0.0/8"),
        pytest.raises(SystemCheckError, match="E045"),
    ):
        call_command("check")
