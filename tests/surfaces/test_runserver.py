"""`manage.py runserver` with the lifespan: real processes, then the same code in this one."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.core.management.commands.runserver import Command as DjangoRunserver
from django.test import override_settings
from django.utils import autoreload

import django_lifespan_ctx._runserver
from django_lifespan_ctx._runserver import reloading
from tests import contexts
from tests.runserver_helpers import (
    BANNER,
    Announcing,
    change,
    copy_site,
    interrupt_this_process,
    log_lines,
    manage_runserver,
)
from tests.servers import REPO, free_port

# The in-process runs check migrations, as runserver does, against the test database.
pytestmark = pytest.mark.django_db

# -- a real `manage.py runserver` process tree --------------------------------


def test_enters_serves_reloads_in_a_new_process_and_exits_on_ctrl_c(tmp_path: Path) -> None:
    site, log = copy_site(tmp_path), tmp_path / "lifespan.log"
    with manage_runserver(site, "127.0.0.1:{port}", log=log) as server:
        server.wait_for(BANNER)
        first = server.get("/state/").json()
        assert first["keys"] == ["greeting"]
        assert log_lines(log) == [f"enter {first['pid']}"]

        change(site / "site_contexts.py", lambda seconds: _reloaded(server, seconds))
        server.wait_for(BANNER, count=2)
        second = server.get("/state/").json()

        code = server.stop(signal.SIGINT, whole_group=True)
    output = server.output
    assert second["keys"] == ["greeting"] and second["pid"] != first["pid"]
    # The old process exited its contexts before the new one entered them.
    assert log_lines(log) == [
        f"enter {first['pid']}",
        f"exit {first['pid']}",
        f"enter {second['pid']}",
        f"exit {second['pid']}",
    ]
    assert output.count("Lifespan shutdown complete") == 2, output
    assert "Watching for file changes with StatReloader" in output
    assert code == 0, output


def _reloaded(server: object, seconds: float) -> bool:
    try:
        server.wait_for(r"site_contexts\.py changed, reloading", timeout=seconds)  # type: ignore[attr-defined]
    except AssertionError:
        return False
    return True


def test_a_startup_failure_waits_for_the_fix_without_spinning(tmp_path: Path) -> None:
    site, log = copy_site(tmp_path), tmp_path / "lifespan.log"
    settings = site / "site_settings.py"
    working = settings.read_text()
    settings.write_text(
        working.replace('["site_contexts.logged"]', '["site_contexts.logged", "site_contexts.broken"]')
    )
    with manage_runserver(site, "127.0.0.1:{port}", log=log) as server:
        server.wait_for(re.escape(reloading.WAITING))
        failed = server.output
        settings.write_text(working)
        change(settings, lambda seconds: _banner(server, seconds))
        assert server.get("/state/").json()["keys"] == ["greeting"]
        code = server.stop(signal.SIGINT, whole_group=True)
    output = server.output
    assert (
        "Lifespan startup failed while entering 'site_contexts.broken': RuntimeError: the database is down"
        in failed
    )
    assert BANNER not in failed
    # One failed start, then one good start after the fix: no restarts in between.
    assert output.count("Performing system checks") == 2, output
    events = [line.rsplit(" ", 1)[0] for line in log_lines(log)]
    assert events == ["enter", "enter broken", "exit", "enter", "exit"], events
    assert code == 0, output


def _banner(server: object, seconds: float) -> bool:
    try:
        server.wait_for(BANNER, timeout=seconds)  # type: ignore[attr-defined]
    except AssertionError:
        return False
    return True


def test_sigint_to_the_parent_alone_is_passed_on_and_the_child_exits_its_contexts(tmp_path: Path) -> None:
    site, log = copy_site(tmp_path), tmp_path / "lifespan.log"
    with manage_runserver(site, "127.0.0.1:{port}", log=log) as server:
        server.wait_for(BANNER)
        pid = server.get("/state/").json()["pid"]
        code = server.stop(signal.SIGINT)  # As `kill -INT <pid>`: the parent only.
    assert log_lines(log) == [f"enter {pid}", f"exit {pid}"]
    assert code == 0, server.output


def test_noreload_serves_static_files_and_stops_on_sigterm(tmp_path: Path) -> None:
    site, log = copy_site(tmp_path), tmp_path / "lifespan.log"
    with manage_runserver(site, "--noreload", "127.0.0.1:{port}", log=log) as server:
        server.wait_for(BANNER)
        css = server.get("/static/site.css")
        pid = server.get("/state/").json()["pid"]
        code = server.stop(signal.SIGTERM)
    assert css.status_code == 200 and css.text == "body { color: teal; }\n"
    assert pid == server.process.pid  # type: ignore[union-attr]  # No reloader: one process.
    assert log_lines(log) == [f"enter {pid}", f"exit {pid}"]
    assert code == 0, server.output


def test_staticfiles_listed_first_keeps_djangos_wsgi_runserver_and_the_view_gets_the_hint(
    tmp_path: Path,
) -> None:
    site, log = copy_site(tmp_path), tmp_path / "lifespan.log"
    settings = site / "site_settings.py"
    settings.write_text(
        settings.read_text().replace(
            '["django_lifespan_ctx", "django.contrib.staticfiles"]',
            '["django.contrib.staticfiles", "django_lifespan_ctx"]',
        )
    )
    with manage_runserver(site, "--noreload", "127.0.0.1:{port}", log=log) as server:
        server.wait_for("Starting (WSGI )?development server at")  # Django 6.1 names the protocol.
        page = server.get("/state/")
        server.stop(signal.SIGINT)
    assert page.status_code == 500
    assert "served by Django&#x27;s WSGI handler" in page.text
    assert "before &#x27;django.contrib.staticfiles&#x27;" in page.text
    assert log_lines(log) == []


def test_without_the_app_installed_a_view_typed_with_our_request_gets_the_hint(tmp_path: Path) -> None:
    site, log = copy_site(tmp_path), tmp_path / "lifespan.log"
    settings = site / "site_settings.py"
    settings.write_text(
        settings.read_text().replace(
            '["django_lifespan_ctx", "django.contrib.staticfiles"]', '["django.contrib.staticfiles"]'
        )
    )
    urls = site / "site_urls.py"  # As a typed view imports it: our app's ready() never runs.
    urls.write_text("from django_lifespan_ctx import LifespanHttpRequest  # noqa: F401\n" + urls.read_text())
    with manage_runserver(site, "--noreload", "127.0.0.1:{port}", log=log) as server:
        server.wait_for("Starting (WSGI )?development server at")
        page = server.get("/state/")
        server.stop(signal.SIGINT)
    assert page.status_code == 500
    assert "served by Django&#x27;s WSGI handler" in page.text, page.text[:2000]
    assert "list &#x27;django_lifespan_ctx&#x27; in INSTALLED_APPS" in page.text


# -- the same command in this process, in the main thread ----------------------


@pytest.fixture
def served() -> tuple[int, Announcing]:
    """A port and a stdout that announces the banner; the test runs the command."""
    return free_port(), Announcing(BANNER)


def _after_banner(stdout: Announcing, port: int, paths: list[str], results: list[httpx.Response]) -> None:
    def client() -> None:
        try:
            if stdout.seen.wait(30):
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=10) as http:
                    results.extend(http.get(path) for path in paths)
        finally:
            interrupt_this_process()

    threading.Thread(target=client, daemon=True).start()


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha"], DEBUG=True)
def test_in_process_noreload_serves_the_state_and_exits_on_sigint(served: tuple[int, Announcing]) -> None:
    port, stdout = served
    responses: list[httpx.Response] = []
    _after_banner(stdout, port, ["/state/"], responses)
    call_command("runserver", f"127.0.0.1:{port}", "--noreload", stdout=stdout)
    assert responses[0].json()["keys"] == ["alpha"]
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]
    assert f"at http://127.0.0.1:{port}/" in stdout.getvalue()
    assert "WARNING: This is a development server." in stdout.getvalue()


@override_settings(
    LIFESPAN_CONTEXTS=["tests.contexts.alpha"],
    INSTALLED_APPS=["django_lifespan_ctx", "django.contrib.staticfiles"],
    STATIC_URL="static/",
    STATICFILES_DIRS=[Path(__file__).parents[1] / "runserver_site" / "static_src"],
    DEBUG=False,
)
@pytest.mark.parametrize(("flags", "status"), [(["--insecure"], 200), (["--insecure", "--nostatic"], 404)])
def test_in_process_static_files_follow_insecure_and_nostatic(
    served: tuple[int, Announcing], flags: list[str], status: int
) -> None:
    port, stdout = served
    responses: list[httpx.Response] = []
    _after_banner(stdout, port, ["/static/site.css"], responses)
    call_command("runserver", f"127.0.0.1:{port}", "--noreload", *flags, stdout=stdout, skip_checks=True)
    assert responses[0].status_code == status


@override_settings(
    LIFESPAN_CONTEXTS=["tests.contexts.alpha"], ASGI_APPLICATION="tests.sites.runserver_asgi.application"
)
def test_in_process_serves_asgi_application_when_set_on_ipv6(served: tuple[int, Announcing]) -> None:
    port, stdout = served
    responses: list[httpx.Response] = []

    def client() -> None:
        try:
            if stdout.seen.wait(30):
                responses.append(httpx.get(f"http://[::1]:{port}/state/", trust_env=False, timeout=10))
        finally:
            interrupt_this_process()

    threading.Thread(target=client, daemon=True).start()
    call_command("runserver", str(port), "--ipv6", "--noreload", stdout=stdout, skip_checks=True)
    assert responses[0].headers["x-served-by"] == "ASGI_APPLICATION"
    assert responses[0].json()["keys"] == ["alpha"]
    assert f"at http://[::1]:{port}/" in stdout.getvalue()


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha"])
def test_in_process_reload_exits_the_contexts_then_the_process_code_asks_for_a_restart(
    served: tuple[int, Announcing], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, stdout = served
    # A module the reloader watches, as it watches every imported module's file.
    watched = tmp_path / "watched_module_for_reload.py"
    watched.write_text("")
    _watch_only(monkeypatch, watched)
    monkeypatch.setenv("RUN_MAIN", "true")  # As in the reloader's child process.
    done = threading.Event()

    def edit() -> None:
        if stdout.seen.wait(30):
            change(watched, done.wait)

    threading.Thread(target=edit, daemon=True).start()
    try:
        with pytest.raises(SystemExit) as exit:
            call_command("runserver", f"127.0.0.1:{port}", stdout=stdout, skip_checks=True)
    finally:
        done.set()
    assert exit.value.code == reloading.RESTART
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha", "tests.contexts.fails_on_enter"])
def test_in_process_a_failed_startup_waits_then_ctrl_c_ends_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUN_MAIN", "true")
    _watch_only(monkeypatch, tmp_path / "unchanged.py")
    waiting = Announcing(reloading.WAITING)
    monkeypatch.setattr(sys, "stderr", waiting)

    def interrupt() -> None:
        waiting.seen.wait(30)
        interrupt_this_process()

    threading.Thread(target=interrupt, daemon=True).start()
    call_command("runserver", f"127.0.0.1:{free_port()}", skip_checks=True)
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]
    assert reloading.WAITING in waiting.getvalue()


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha", "tests.contexts.fails_on_enter"])
def test_in_process_noreload_startup_failure_exits_with_an_error() -> None:
    with pytest.raises(SystemExit) as exit:
        call_command("runserver", f"127.0.0.1:{free_port()}", "--noreload", skip_checks=True)
    assert exit.value.code == 1
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]


def test_in_process_a_port_in_use_is_reported_and_exits(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exit:
            call_command("runserver", f"127.0.0.1:{port}", "--noreload", skip_checks=True)
    assert exit.value.code == 1
    assert "Error: That port is already in use." in capsys.readouterr().err
    assert contexts.EVENTS == []


def test_without_uvicorn_the_command_serves_with_djangos_server_and_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    monkeypatch.delitem(sys.modules, "django_lifespan_ctx._runserver.server", raising=False)
    monkeypatch.delattr(django_lifespan_ctx._runserver, "server", raising=False)
    served: list[dict[str, object]] = []
    monkeypatch.setattr(DjangoRunserver, "inner_run", lambda self, *args, **options: served.append(options))
    stderr = io.StringIO()
    call_command("runserver", "--noreload", stderr=stderr)
    assert len(served) == 1  # Django's own server ran.
    assert stderr.getvalue().count("pip install 'django-lifespan-ctx[runserver]'") == 1


def _without_uvicorn(tmp_path: Path) -> Path:
    """A directory that, first on the path, hides uvicorn as if it were not installed."""
    shadow = tmp_path / "no_uvicorn"
    shadow.mkdir()
    # Python imports sitecustomize at startup: find_spec() then finds no uvicorn, and importing it fails.
    (shadow / "sitecustomize.py").write_text("import sys\n\nsys.modules['uvicorn'] = None\n")
    return shadow


def test_without_the_extra_a_real_runserver_serves_static_files_and_warns_once(tmp_path: Path) -> None:
    site, log = copy_site(tmp_path), tmp_path / "lifespan.log"
    server = manage_runserver(site, "127.0.0.1:{port}", log=log)
    server.env["PYTHONPATH"] = f"{_without_uvicorn(tmp_path)}{os.pathsep}{server.env['PYTHONPATH']}"
    with server:
        server.wait_for("Starting (WSGI )?development server at")  # Django 6.1 names the protocol.
        css = server.get("/static/site.css")
        page = server.get("/state/")
        server.stop(signal.SIGINT)
    assert css.status_code == 200 and css.text == "body { color: teal; }\n"
    assert page.status_code == 500 and "served by Django&#x27;s WSGI handler" in page.text
    # Once, from the serving process, not from the reloader's parent too.
    assert server.output.count("WARNING: manage.py runserver is serving with Django's own") == 1, (
        server.output
    )
    assert "django_lifespan_ctx.W030" in server.output  # The system checks runserver runs say it too.
    assert log_lines(log) == []


def _check(site: Path, *, uvicorn: bool, tmp_path: Path) -> str:
    path = [str(site), str(REPO)]
    if not uvicorn:
        path.insert(0, str(_without_uvicorn(tmp_path)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "DJANGO_SETTINGS_MODULE": "site_settings"}
    done = subprocess.run(
        [sys.executable, "-m", "manage", "check"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout + done.stderr


def _staticfiles_first(site: Path) -> None:
    settings = site / "site_settings.py"
    settings.write_text(
        settings.read_text().replace(
            '["django_lifespan_ctx", "django.contrib.staticfiles"]',
            '["django.contrib.staticfiles", "django_lifespan_ctx"]',
        )
    )


def test_check_warns_when_staticfiles_comes_first_and_the_extra_is_installed(tmp_path: Path) -> None:
    site = copy_site(tmp_path)
    assert "W031" not in _check(site, uvicorn=True, tmp_path=tmp_path)
    _staticfiles_first(site)
    output = _check(site, uvicorn=True, tmp_path=tmp_path)
    assert "django_lifespan_ctx.W031" in output
    assert "List 'django_lifespan_ctx' before 'django.contrib.staticfiles'" in output
    # Without the extra, staticfiles' runserver is the one that serves anyway: nothing to fix.
    assert "W031" not in _check(site, uvicorn=False, tmp_path=tmp_path)


def test_check_warns_when_our_runserver_lacks_the_extra(tmp_path: Path) -> None:
    site = copy_site(tmp_path)
    assert "W030" not in _check(site, uvicorn=True, tmp_path=tmp_path)
    output = _check(site, uvicorn=False, tmp_path=tmp_path)
    assert "django_lifespan_ctx.W030" in output
    assert "pip install 'django-lifespan-ctx[runserver]'" in output


def test_the_parent_restarts_on_3_and_returns_any_other_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    # Each run appends what RUN_MAIN said; the first exits 3 (restart), the second 7.
    script = (
        "import os, pathlib, sys; p = pathlib.Path(sys.argv[1]); "
        "runs = (p.read_text() if p.exists() else '') + os.environ['RUN_MAIN'] + ' '; "
        "p.write_text(runs); sys.exit(3 if len(runs.split()) < 2 else 7)"
    )
    monkeypatch.setattr(autoreload, "get_child_arguments", lambda: [sys.executable, "-c", script, str(runs)])
    assert reloading.run(_NeverServed(), use_reloader=True) == 7
    assert runs.read_text().split() == ["true", "true"]


def test_the_parent_passes_a_signal_on_and_waits_for_the_child() -> None:
    waits_for_sigint = (
        "import signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}); "
        "print('ready', flush=True); signal.sigwait({signal.SIGINT}); sys.exit(5)"
    )
    child = subprocess.Popen([sys.executable, "-c", waits_for_sigint], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "ready\n"

    def interrupt_once_passing_on() -> None:
        # No event marks the handler's installation: look for it.
        while getattr(signal.getsignal(signal.SIGINT), "__name__", "") != "pass_on":
            time.sleep(0.01)
        interrupt_this_process()

    threading.Thread(target=interrupt_once_passing_on, daemon=True).start()
    assert reloading.wait_for_child(child) == 5  # type: ignore[arg-type]
    child.stdout.close()


def _watch_only(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """In this process the reloader would watch every module, which others edit: watch one file."""
    path.touch()
    monkeypatch.setattr(autoreload, "iter_all_python_module_files", lambda: frozenset({path}))


class _NeverServed:
    def serve(self) -> bool:  # pragma: no cover - the parent never serves
        raise AssertionError

    def stop(self) -> None:  # pragma: no cover
        raise AssertionError


@override_settings(LIFESPAN_CONTEXTS=["tests.no_such_module.context"])
def test_in_process_a_failing_system_check_is_shown_and_noreload_exits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit:
        call_command("runserver", f"127.0.0.1:{free_port()}", "--noreload", skip_checks=False)
    assert exit.value.code == 1
    shown = capsys.readouterr().err
    assert "SystemCheckError" in shown and "django_lifespan_ctx.E003" in shown
    assert contexts.EVENTS == []  # The checks failed first: nothing was entered.


def test_a_stop_before_the_serve_starts_nothing() -> None:
    from django_lifespan_ctx.contrib.runserver import Engine, bind

    engine = Engine(on_started=lambda: None)
    engine.stop()
    sock = bind("127.0.0.1", 0, ipv6=False)
    assert engine.serve(object(), sock) is True
    assert sock.fileno() == -1  # Closed all the same.


def test_our_info_lines_are_routed_unless_the_project_routes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    from django_lifespan_ctx.contrib.runserver import log_config

    ours = logging.getLogger("django_lifespan_ctx")
    monkeypatch.setattr(ours, "handlers", [])
    monkeypatch.setattr(ours, "propagate", False)
    assert log_config()["loggers"]["django_lifespan_ctx"]["level"] == "INFO"
    monkeypatch.setattr(ours, "handlers", [logging.NullHandler()])
    assert "django_lifespan_ctx" not in log_config()["loggers"]
