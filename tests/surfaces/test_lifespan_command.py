from __future__ import annotations

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lifespan_ctx import register_context
from django_lifespan_ctx.signals import asgi_startup
from tests import contexts
from tests.lifecycle_contexts import LOG_ENV, read_log
from tests.servers import REPO, ServerProcess


def run(*args: str) -> str:
    out = StringIO()
    call_command("lifespan", *args, stdout=out)
    return out.getvalue()


@override_settings(
    LIFESPAN_CONTEXTS=["tests.contexts.alpha", ("tests.contexts.beta", contexts.yields_nothing)]
)
def test_it_runs_startup_and_shutdown_once_and_reports_each_context() -> None:
    async def receiver(**kwargs: Any) -> None:
        contexts.record("startup signal")

    asgi_startup.connect(receiver)
    output = run()
    assert contexts.EVENTS[0] == "enter alpha"
    assert set(contexts.EVENTS[1:3]) == {"enter beta", "enter yields_nothing"}
    assert contexts.EVENTS[3] == "startup signal"
    assert set(contexts.EVENTS[4:6]) == {"exit beta", "exit yields_nothing"}
    assert contexts.EVENTS[6:] == ["exit alpha"]
    lines = output.splitlines()
    assert re.fullmatch(r"context\s+startup\s+shutdown\s+state keys", lines[0])
    assert re.fullmatch(r"tests\.contexts\.alpha\s+[\d.]+ ms\s+[\d.]+ ms\s+alpha", lines[1])
    assert re.fullmatch(r"tests\.contexts\.beta\s+[\d.]+ ms\s+[\d.]+ ms\s+beta", lines[2])
    assert re.fullmatch(r"tests\.contexts\.yields_nothing\s+[\d.]+ ms\s+[\d.]+ ms\s+-", lines[3])
    assert lines[4] == "Startup and shutdown succeeded (3 contexts)."


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_enter, contexts.beta])
def test_a_startup_failure_exits_non_zero_naming_it() -> None:
    with pytest.raises(
        CommandError, match="while entering 'tests.contexts.fails_on_enter': RuntimeError: boom on enter"
    ):
        run()
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_exit])
def test_a_shutdown_failure_exits_non_zero_naming_it() -> None:
    with pytest.raises(
        CommandError, match="exiting 'tests.contexts.fails_on_exit': RuntimeError: boom on exit"
    ):
        run()
    assert contexts.EVENTS[-1] == "exit alpha"


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.nope"])
def test_a_configuration_error_exits_non_zero_naming_the_entry() -> None:
    with pytest.raises(
        CommandError, match=r"LIFESPAN_CONTEXTS\[0\] 'tests.contexts.nope' could not be imported"
    ):
        run()


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha", (contexts.beta, "tests.contexts.gamma")])
@pytest.mark.filterwarnings("ignore:register_context:DeprecationWarning")
def test_list_prints_the_plan_without_running_anything() -> None:
    register_context(contexts.resource)
    lines = run("--list").splitlines()
    assert [line.split() for line in lines] == [
        ["#", "context", "from"],
        ["1", "tests.contexts.alpha", "LIFESPAN_CONTEXTS[0]"],
        ["2", "group", "of", "2,", "entered", "together:", "LIFESPAN_CONTEXTS[1]"],
        ["2a", "tests.contexts.beta", "LIFESPAN_CONTEXTS[1][0]"],
        ["2b", "tests.contexts.gamma", "LIFESPAN_CONTEXTS[1][1]"],
        ["3", "tests.contexts.resource", "register_context()"],
    ]
    assert contexts.EVENTS == []


def test_list_says_when_there_is_nothing_to_run() -> None:
    assert run("--list").startswith("No lifespan contexts")
    assert run().startswith("No lifespan contexts ran.")


def test_from_the_shell_it_is_a_deploy_smoke_test() -> None:
    # As a deploy pipeline runs it: a process, an exit code, a message on stderr.
    command = [sys.executable, "-m", "django", "lifespan", "--settings", "tests.sites.failing_settings"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "not reached" in result.stdout
    assert (
        "CommandError: Lifespan startup failed while entering 'tests.contexts.fails_on_enter'"
        in result.stderr
    )


class ManagePy(ServerProcess):
    def command(self) -> list[str]:
        return [sys.executable, *self.argv]  # A script, as users run it.


def test_a_real_manage_py_lifespan_ends_though_a_service_swallows_its_cancellation(tmp_path: Path) -> None:
    # asyncio.run()'s close used to wait for the abandoned service for ever.
    command = ManagePy([str(REPO / "tests" / "command_app" / "manage.py"), "lifespan"], settings=None)
    command.env.update(
        {"DJANGO_SETTINGS_MODULE": "tests.sites.stubborn_service_settings", LOG_ENV: str(tmp_path / "log")}
    )
    with command:
        code = command.wait_for_exit(60)
    output = command.output
    assert code == 1, output
    assert "CommandError: Lifespan shutdown failed: exiting \"background('stubborn')\"" in output, output
    assert "Closing the event loop without waiting any longer for the task left over" in output, output
    [events] = read_log(tmp_path / "log").values()
    contexts_only = [event for event in events if "service" not in event]
    assert contexts_only == ["enter logged", "enter http_client", "exit http_client", "exit logged"], output
