"""override_state() and overrides=: a resource replaced by a fake for one test, its real context still run."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import SimpleTestCase, override_settings

from django_lifespan_ctx import LifespanStartupError, lifespan
from django_lifespan_ctx.testing import (
    LifespanAsyncClient,
    LifespanClient,
    LifespanTestMixin,
    lifespan_for_test,
    lifespan_in_thread,
    override_state,
)
from tests import contexts
from tests.shipping_apps.mailer.resources import CLIENT, MailClient

MAIL = ["tests.shipping_apps.mailer.resources.mail_client"]
REAL = ["enter mail_client", "exit mail_client"]


class FakeMail(MailClient):
    def ping(self) -> bool:
        return False


FAKE = FakeMail()


@pytest.fixture(autouse=True)
def mail_site() -> Any:
    with override_settings(LIFESPAN_CONTEXTS=MAIL, ROOT_URLCONF="tests.sites.keys_urls"):
        yield


async def test_lifespan_holds_the_fake_while_the_real_context_is_entered_and_exited() -> None:
    with override_state(CLIENT, FAKE):
        async with lifespan() as state:
            assert state[CLIENT] is FAKE
            assert contexts.EVENTS == ["enter mail_client"]
    assert contexts.EVENTS == REAL


async def test_outside_the_block_the_real_value_is_back() -> None:
    with override_state(CLIENT, FAKE):
        pass
    async with lifespan() as state:
        assert type(state[CLIENT]) is MailClient


async def test_a_string_key_is_overridden_and_a_key_nobody_yields_is_added() -> None:
    with override_state({"alpha": "fake alpha"}, beta="fake beta"):
        async with lifespan(contexts=[contexts.alpha]) as state:
            assert state["alpha"] == "fake alpha" and state["beta"] == "fake beta"
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


async def test_without_the_real_context_the_test_asks_for_no_contexts() -> None:
    async with lifespan_for_test(contexts=[], overrides={CLIENT: FAKE}) as state:
        assert state[CLIENT] is FAKE
    assert contexts.EVENTS == []


async def test_lifespan_for_test_and_the_async_client() -> None:
    async with lifespan_for_test(overrides={CLIENT: FAKE}) as state:
        assert state[CLIENT] is FAKE
        response = await LifespanAsyncClient(state).get("/async/")
        assert response.content == b"FakeMail False"
    assert contexts.EVENTS == REAL


def test_lifespan_in_thread_and_the_sync_client() -> None:
    with lifespan_in_thread(overrides={CLIENT: FAKE}) as state:
        assert state[CLIENT] is FAKE
        assert LifespanClient(state).get("/sync/").content == b"FakeMail False"
    assert contexts.EVENTS == REAL


def test_the_clients_see_a_block_opened_over_a_state_made_before_it() -> None:
    with lifespan_in_thread() as state:
        client = LifespanClient(state)
        assert client.get("/sync/").content == b"MailClient True"
        with override_state(CLIENT, FAKE):
            assert client.get("/sync/").content == b"FakeMail False"
        assert client.get("/sync/").content == b"MailClient True"


async def test_a_given_state_gets_the_fake_too() -> None:
    async with lifespan_for_test(state={CLIENT: MailClient()}, overrides={CLIENT: FAKE}) as state:
        assert state[CLIENT] is FAKE


async def test_a_fake_of_the_wrong_type_is_refused_naming_the_key() -> None:
    refused = r"override_state\(\) in the test gave StateKey\('client'.* = str.*check_state_type=False"
    with pytest.raises(TypeError, match=refused), override_state({CLIENT: "not a client"}):
        pass  # pragma: no cover
    with pytest.raises(TypeError, match="which is not tests.shipping_apps.mailer.resources.MailClient"):
        async with lifespan_for_test(overrides={CLIENT: "not a client"}):
            pass  # pragma: no cover
    assert contexts.EVENTS == []  # Refused before anything was entered.


async def test_check_state_type_false_lets_any_fake_in() -> None:
    async with lifespan_for_test(overrides={CLIENT: "a stand-in"}, check_state_type=False) as state:
        assert state[CLIENT] == "a stand-in"
    # A wrong fake on purpose: the mapping form, which type checkers leave alone.
    with override_state({CLIENT: "a stand-in"}, check_state_type=False):
        async with lifespan(contexts=[]) as state:
            assert state[CLIENT] == "a stand-in"


async def test_a_real_context_of_the_wrong_type_still_fails_beside_a_fake_of_another_key() -> None:
    # The check skips only the overridden key: what the contexts yield is checked as ever.
    with pytest.raises(LifespanStartupError, match="yielded StateKey"):
        async with lifespan_for_test(contexts=[wrong_mail], overrides={"alpha": 1}):
            pass  # pragma: no cover


def wrong_mail() -> Any:
    from tests.config.test_state_keys import yielding

    return yielding({CLIENT: 42}, "wrong_mail")()


@pytest.mark.lifespan(overrides={CLIENT: FAKE})
async def test_the_pytest_marker(lifespan_client: LifespanAsyncClient) -> None:
    response = await lifespan_client.get("/async/")
    assert response.content == b"FakeMail False"


@pytest.mark.lifespan(overrides={CLIENT: FAKE})
def test_the_pytest_marker_with_the_sync_client(lifespan_sync_client: LifespanClient) -> None:
    assert lifespan_sync_client.get("/sync/").content == b"FakeMail False"
    assert contexts.EVENTS == ["enter mail_client"]


@override_settings(LIFESPAN_CONTEXTS=MAIL, ROOT_URLCONF="tests.sites.keys_urls")
class MixinTests(LifespanTestMixin, SimpleTestCase):
    lifespan_overrides = {CLIENT: FAKE}

    def test_sync(self) -> None:
        assert self.lifespan_state[CLIENT] is FAKE
        assert self.client.get("/sync/").content == b"FakeMail False"
        assert contexts.EVENTS == ["enter mail_client"]

    async def test_async(self) -> None:
        response = await self.async_client.get("/async/")
        assert response.content == b"FakeMail False"


async def test_a_given_state_is_checked_too_with_the_same_opt_out() -> None:
    with pytest.raises(TypeError, match=r"the test's state=\{\.\.\.\} gave StateKey\('client'"):
        async with lifespan_for_test(state={CLIENT: "not a client"}):
            pass  # pragma: no cover
    async with lifespan_for_test(state={CLIENT: "a stand-in"}, check_state_type=False) as state:
        assert state[CLIENT] == "a stand-in"


def test_the_state_keeps_exact_strings_as_keys_so_attribute_reads_keep_their_fast_path() -> None:
    with lifespan_in_thread(overrides={"extra": 1}) as state:
        assert [type(key) for key in state] == [str, str]
        assert state[CLIENT] is state[str(CLIENT)]
