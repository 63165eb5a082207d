"""One worker project for the Django Tasks, Dramatiq, Huey and RQ worker tests.

What a web process shares with its workers: files of its own under the test's
tmp_path, the settings module, the stand-in API the contexts' client calls, and
the contexts' own log (tests/lifecycle_contexts.py) that says what each process
entered. Each worker's test module subclasses WorkerProject with how it enqueues
and how its worker command is spelled.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.lifecycle_contexts import LOG_ENV, STAND_IN_ENV
from tests.servers import REPO, ServerProcess
from tests.stand_in import api_for_the_test

# What tests/lifecycle_contexts.py's contexts log in a process that enters them and exits them,
# and where a third context refuses to start: the two entered before it are exited.
ENTERS = ["enter logged", "enter http_client"]
EXITS = ["exit http_client", "exit logged"]
REFUSED = [*ENTERS, "enter refuses_to_start", *EXITS]


class WorkerProject:
    settings: str  # The DJANGO_SETTINGS_MODULE every process of the project runs with.
    recipe: Path | None = None  # The docs' recipe folder, put on the processes' path.

    def __init__(self, tmp_path: Path, stand_in: str, **env: str) -> None:
        self.tmp_path = tmp_path
        self.log = tmp_path / "lifecycle.log"
        self.env = {**self.files(tmp_path), LOG_ENV: str(self.log), STAND_IN_ENV: stand_in, **env}

    def files(self, tmp_path: Path) -> dict[str, str]:
        """The environment variables that name the project's own files (queues, databases)."""
        return {}

    def process(self, argv: Sequence[str], settings: str | None = None) -> ServerProcess:
        """A process of the project, `python -m argv...`, not started yet."""
        extra_path = [self.recipe] if self.recipe is not None else []
        process = ServerProcess(argv, settings=settings or self.settings, extra_path=extra_path)
        process.env.update(self.env)
        return process

    def run(self, argv: Sequence[str], settings: str | None = None, timeout: float = 120) -> str:
        """Run `python -m argv...` to its end, as a web process or an operator would; its stdout."""
        return self._run(self.process(argv, settings).command(), settings, timeout)

    def python(self, code: str, settings: str | None = None, timeout: float = 90) -> str:
        """Run `python -c code` to its end, as a web process enqueues: nothing is entered there."""
        return self._run([sys.executable, "-c", code], settings, timeout)

    def _run(self, command: list[str], settings: str | None, timeout: float) -> str:
        env = self.process([], settings).env
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


# The external API the project's contexts call, on 127.0.0.1, for one test.
stand_in = api_for_the_test
