"""StateKey: typed keys that apps declare, checked at startup, listed with their app, each with its check."""

from __future__ import annotations

import asyncio
import logging
import pickle
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from django_lifespan_ctx import (
    LifespanStartupError,
    State,
    StateKey,
    current_state,
    lifespan,
    start_in_thread,
)
from django_lifespan_ctx.asgi import get_asgi_application
from tests import contexts
from tests.asgi_driver import LifespanConversation
from tests.config.test_app_contexts import installing
from tests.ops.test_probes import probe
from tests.shipping_apps.billing import resources as billing
from tests.shipping_apps.mailer import resources as mailer

MAILER = "tests.shipping_apps.mailer"
BILLING = "tests.shipping_apps.billing"


def yielding(values: dict[str, Any], name: str) -> Any:
    @asynccontextmanager
    async def context() -> AsyncIterator[dict[str, Any]]:
        contexts.record(f"enter {name}")
        try:
            yield values
        finally:
            contexts.record(f"exit {name}")

    context.__qualname__ = name
    return context


def test_a_key_is_the_string_of_its_module_and_name_and_keeps_its_identity_through_pickle() -> None:
    assert str(mailer.CLIENT) == "tests.shipping_apps.mailer.resources:client"
    assert mailer.CLIENT != billing.CLIENT
    assert (mailer.CLIENT.name, mailer.CLIENT.type) == ("client", mailer.MailClient)
    assert pickle.loads(pickle.dumps(mailer.CLIENT)) is mailer.CLIENT
    state = State({mailer.CLIENT: mailer.MailClient()})
    assert isinstance(pickle.loads(pickle.dumps(state))[mailer.CLIENT], mailer.MailClient)


async def test_two_apps_keys_of_the_same_name_both_start_and_each_app_reads_its_own() -> None:
    with installing(MAILER, BILLING):
        async with lifespan() as state:
            assert isinstance(state[mailer.CLIENT], mailer.MailClient)
            assert isinstance(state[billing.CLIENT], billing.BillingClient)
            assert "app='mailer'" in repr(mailer.CLIENT) and "app='billing'" in repr(billing.CLIENT)
    assert contexts.EVENTS == [
        "enter mail_client",
        "enter billing_client",
        "exit billing_client",
        "exit mail_client",
    ]


def test_a_process_lifespan_in_a_thread_reads_the_typed_key_from_any_thread() -> None:
    handle = start_in_thread(contexts=[mailer.mail_client])
    try:
        found: list[object] = []
        reader = threading.Thread(target=lambda: found.append(current_state()[mailer.CLIENT]))
        reader.start()
        reader.join(5)
        assert found == [handle.state[mailer.CLIENT]] and isinstance(found[0], mailer.MailClient)
        assert handle.state.get(mailer.CLIENT) is found[0]
    finally:
        handle.stop()


async def test_a_missing_typed_key_names_it_and_its_app() -> None:
    with installing(MAILER):
        async with lifespan(contexts=[]) as state:
            with pytest.raises(KeyError, match=r"StateKey\('client', .*MailClient, app='mailer'\) is not in"):
                state[mailer.CLIENT]


async def test_two_contexts_yielding_the_same_string_key_still_fail() -> None:
    plan = [yielding({"client": 1}, "first"), yielding({"client": 2}, "second")]
    with pytest.raises(LifespanStartupError, match="which .*first.* already set. Rename one"):
        async with lifespan(contexts=plan):
            pass  # pragma: no cover
    assert contexts.EVENTS == ["enter first", "enter second", "exit second", "exit first"]


async def test_a_value_of_the_wrong_type_fails_startup_naming_the_key_its_app_and_the_context() -> None:
    with installing(MAILER), pytest.raises(LifespanStartupError) as caught:
        async with lifespan(contexts=[yielding({mailer.CLIENT: "a string"}, "stringly")]):
            pass  # pragma: no cover
    message = str(caught.value)
    assert "'tests.config.test_state_keys.stringly' yielded StateKey('client'" in message
    assert "app='mailer'" in message
    assert "= str, which is not tests.shipping_apps.mailer.resources.MailClient" in message
    # The context was entered, so it is exited: nothing leaks.
    assert contexts.EVENTS == ["enter stringly", "exit stringly"]


async def test_the_startup_log_names_each_typed_keys_app(caplog: pytest.LogCaptureFixture) -> None:
    with installing(MAILER, BILLING), caplog.at_level(logging.INFO, "django_lifespan_ctx"):
        async with lifespan():
            pass
    complete = next(r.getMessage() for r in caplog.records if "startup complete" in r.getMessage())
    assert "state keys: client (app mailer), client (app billing)" in complete


def test_the_lifespan_command_names_each_typed_keys_app() -> None:
    out = StringIO()
    with installing(MAILER, BILLING):
        call_command("lifespan", stdout=out)
    table = out.getvalue()
    assert "tests.shipping_apps.mailer.resources.mail_client" in table
    assert "client (app mailer)" in table and "client (app billing)" in table


def test_the_lifespan_list_names_each_declared_typed_key_with_its_app_type_and_check() -> None:
    out = StringIO()
    with installing(MAILER, BILLING):
        call_command("lifespan", "--list", stdout=out)
    listing = out.getvalue().split("Typed state keys (StateKey), by owning app:")[1]
    rows = {line.split("  ")[0]: line.split() for line in listing.strip().splitlines()[1:]}
    assert "client (app mailer)" in rows and "client (app billing)" in rows
    assert rows["client (app billing)"][-1] == rows["client (app mailer)"][-1] == "yes"


# -- readyz/ runs each typed key's own check, with no LIFESPAN_HEALTH_CHECKS entry --


async def test_readyz_runs_the_checks_that_travel_with_the_keys() -> None:
    app = get_asgi_application()
    with installing(MAILER, BILLING, ROOT_URLCONF="tests.sites.ops_urls", LIFESPAN_HEALTH_CHECKS={}):
        conversation = LifespanConversation(app, state={})
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        try:
            status, body = await probe(app, "/readyz/")
            assert status == 200, body
            assert set(body["checks"]) == {"client (app mailer)", "client (app billing)"}
            assert all(check["result"] == "pass" for check in body["checks"].values())
            mailer.MailClient.healthy = False
            status, body = await probe(app, "/readyz/")
            assert status == 503
            assert body["checks"]["client (app mailer)"]["result"] == "fail"
            assert body["checks"]["client (app billing)"]["result"] == "pass"
        finally:
            mailer.MailClient.healthy = True
            await conversation.shutdown()


class Frozen:
    pass


released = threading.Event()


def never_answers(value: Frozen) -> bool:
    released.wait(30)  # A driver stuck mid-call; the test lets it go at the end.
    return True


FROZEN = StateKey("frozen", Frozen, check=never_answers)


async def test_a_hung_key_check_is_bounded_and_reported_still_running_on_the_next_probe() -> None:
    app = get_asgi_application()
    settings = {"ROOT_URLCONF": "tests.sites.ops_urls", "LIFESPAN_HEALTH_TIMEOUT": 0.2, "DEBUG": True}
    plan = [yielding({FROZEN: Frozen()}, "frozen")]
    with override_settings(LIFESPAN_CONTEXTS=plan, **settings):
        conversation = LifespanConversation(app, state={})
        assert (await conversation.startup())["type"] == "lifespan.startup.complete"
        try:
            status, body = await probe(app, "/readyz/", b"verbose")
            assert status == 503
            first = body["checks"]["frozen (tests.config.test_state_keys)"]
            assert "gave no answer in LIFESPAN_HEALTH_TIMEOUT (0.2 s)" in first["error"], first
            status, body = await probe(app, "/readyz/", b"verbose")
            second = body["checks"]["frozen (tests.config.test_state_keys)"]
            assert status == 503 and "is still running from an earlier probe" in second["error"], second
            hung = [t for t in threading.enumerate() if t.name.startswith("lifespan health check frozen")]
            assert len(hung) == 1 and hung[0].daemon
            # Django logs this 404 through the loop's default executor, which the check never used.
            status, _ = await asyncio.wait_for(probe_status(app, "/no-such-page/"), 5)
            assert status == 404
        finally:
            released.set()
            await conversation.shutdown()


async def probe_status(app: Any, path: str) -> tuple[int, bytes]:
    from tests.asgi_driver import http_scope, request

    return await request(app, http_scope(path, None))
