"""Run a real ASGI server as a subprocess on 127.0.0.1 and read what it logs."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import httpx

REPO = Path(__file__).resolve().parent.parent

# Dispositions a server must start with to stop as an operator expects.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def default_signal_dispositions() -> None:
    """Run in the child between fork and exec: undo what the test runner inherited.

    A shell starts a background job (`make test &`) with SIGINT ignored, and an
    ignored signal stays ignored across exec. Python then installs no
    KeyboardInterrupt handler, and Twisted (daphne) installs none of its own,
    so the server would never stop on SIGINT. Handlers, unlike SIG_IGN, are
    reset by exec; setting SIG_DFL here gives every server a clean start.
    """
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


# The one table of server command lines: every test runs a server through these, bound to
# 127.0.0.1 on the free port ServerProcess puts in place of {port}. Options go before the
# address and the app, where every one of these servers accepts them.
HOST = "127.0.0.1"
BIND = {
    "uvicorn": ["--host", HOST, "--port", "{port}"],
    "hypercorn": ["--bind", f"{HOST}:{{port}}"],
    "gunicorn": ["-b", f"{HOST}:{{port}}"],
    "granian": ["--host", HOST, "--port", "{port}"],
    "daphne": ["-b", HOST, "-p", "{port}"],
}
# The line each logs once it accepts connections. Not uvicorn's "Application startup complete":
# uvicorn binds after its startup, so a request sent on that line can be refused.
LISTENING = {
    "uvicorn": "Uvicorn running on",
    "hypercorn": f"Running on http://{HOST}",
    "gunicorn": f"Listening at: http://{HOST}",
    "granian": r"Started worker-\d+",
    "daphne": "Listening on TCP address",
    "runserver": "Quit the server with",
}
UVICORN_WORKER = "uvicorn_worker.UvicornWorker"


def uvicorn(app: str, *options: str) -> list[str]:
    return ["uvicorn", *options, *BIND["uvicorn"], app]


def hypercorn(app: str, *options: str) -> list[str]:
    return ["hypercorn", *options, *BIND["hypercorn"], app]


def gunicorn(app: str, *options: str, worker: str = UVICORN_WORKER) -> list[str]:
    """worker="asgi" is gunicorn's own ASGI worker; the default, uvicorn's."""
    return ["gunicorn", "-k", worker, *options, *BIND["gunicorn"], app]


def granian(app: str, *options: str) -> list[str]:
    return ["granian", "--interface", "asgi", *options, *BIND["granian"], app]


def daphne(app: str, *options: str) -> list[str]:
    return ["daphne", *options, *BIND["daphne"], app]


def runserver(*options: str) -> list[str]:
    """`manage.py runserver`, run as `python -m django` with the settings in the environment."""
    return ["django", "runserver", *options, f"{HOST}:{{port}}"]


def documented(command: str) -> list[str]:
    """A command line from the docs, as a user types it, moved onto 127.0.0.1 and a free port."""
    argv = shlex.split(command)
    return [*argv, *BIND[argv[0]]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """A server process whose output is collected line by line as it arrives."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        settings: str | None,
        cwd: Path = REPO,
        extra_path: Sequence[Path] = (),
        python_options: Sequence[str] = (),
        repo_on_path: bool = True,
        port: int | None = None,
    ) -> None:
        """settings=None leaves DJANGO_SETTINGS_MODULE unset, as in a user's shell;
        repo_on_path=False keeps this repository's tests off the server's path."""
        self.python_options = list(python_options)
        self.port = free_port() if port is None else port
        self.argv = [arg.replace("{port}", str(self.port)) for arg in argv]
        self.cwd = cwd
        path = [cwd, REPO, *extra_path] if repo_on_path else [cwd, *extra_path]
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "PYTHONPATH": os.pathsep.join(str(p) for p in path),
            "PYTHONUNBUFFERED": "1",
        }
        if settings is not None:
            self.env["DJANGO_SETTINGS_MODULE"] = settings
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._done_reading = False
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def command(self) -> list[str]:
        """What start() runs: `python -m argv...`. Override this, not start(), to run a script."""
        return [sys.executable, *self.python_options, "-m", *self.argv]

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Its own process group, as a terminal would give it.
            preexec_fn=default_signal_dispositions,
        )
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        self.process.stdout.close()
        with self._changed:
            self._done_reading = True
            self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float = 30, count: int = 1) -> re.Match[str]:
        """Block until `count` lines match, failing with the output if they never do."""
        compiled = re.compile(pattern)
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    match = compiled.search(line)
                    if match:
                        count -= 1
                        if count == 0:
                            return match
                seen = len(self.lines)
                if self._done_reading:
                    raise AssertionError(f"exited before logging {pattern!r}:\n{''.join(self.lines)}")
                if not self._changed.wait(timeout):
                    raise AssertionError(
                        f"no line matched {pattern!r} in {timeout} s:\n{''.join(self.lines)}"
                    )

    def wait_until_accepting(self, timeout: float = 30) -> None:
        """Block until the port takes connections, failing with the output if it never does.

        For servers that log nothing once they listen: uvicorn --workers binds in its
        supervisor (and says "Uvicorn running on") but listens only in each worker.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                if self.process is None or self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"nothing accepted on port {self.port}:\n{self.output}") from None
                time.sleep(0.05)  # Polling a port: no line or event says it listens.

    def wait_for_exit(self, timeout: float = 30) -> int:
        assert self.process is not None
        code = self.process.wait(timeout)
        with self._changed:
            self._changed.wait_for(lambda: self._done_reading, timeout)
        return code

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30, *, whole_group: bool = False) -> int:
        """Stop it as an operator would, and return its exit code.

        whole_group signals every process in the group, as Ctrl+C in a
        terminal does; otherwise only the main process gets the signal, as
        from systemd, Kubernetes or `kill`.
        """
        assert self.process is not None
        if self.process.poll() is None:
            if whole_group:
                os.killpg(self.process.pid, sig)
            else:
                self.process.send_signal(sig)
        return self.wait_for_exit(timeout)

    def get(self, path: str) -> httpx.Response:
        with httpx.Client(base_url=self.url, trust_env=False, timeout=10) as client:
            return client.get(path)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def events(output: str) -> list[str]:
    """The LIFESPAN-EVENT lines that tests.contexts printed, in order."""
    return re.findall(r"^LIFESPAN-EVENT\[\d+\] (.*)$", output, flags=re.MULTILINE)


def events_by_process(output: str) -> dict[int, list[str]]:
    """The same lines, per process id, for servers with several workers."""
    found: dict[int, list[str]] = {}
    for pid, event in re.findall(r"^LIFESPAN-EVENT\[(\d+)\] (.*)$", output, flags=re.MULTILINE):
        found.setdefault(int(pid), []).append(event)
    return found


SLOW_GROUP = {"slow_one", "slow_two", "with_task_group"}
SERVED_KEYS = ["alpha", "resource", "slow_one", "slow_two", "sync_value", "ticks"]


def assert_one_lifecycle(seen: list[str]) -> None:
    """tests.sites.server_settings' contexts, entered once in order and exited once in reverse."""
    sync = next(e for e in seen if e.startswith("enter sync")).removeprefix("enter sync in ")
    assert seen[0] == "enter alpha", seen
    assert {e.split()[1] for e in seen[1:4]} == SLOW_GROUP and all(
        e.startswith("enter") for e in seen[1:4]
    ), seen
    assert seen[4:8] == [
        f"enter sync in {sync}",
        "enter resource",
        "exit resource",
        f"exit sync in {sync}",
    ], seen
    assert {e.split()[1] for e in seen[8:11]} == SLOW_GROUP and all(
        e.startswith("exit") for e in seen[8:11]
    ), seen
    assert "exit with_task_group after some ticks" in seen[8:11], seen
    assert seen[11:] == ["exit alpha"], seen
