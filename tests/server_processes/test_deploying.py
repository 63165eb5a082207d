"""Every command on docs/deploying.md, run on a free port in the project the page pastes together."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.test_deploying_page import paste_the_page
from tests.servers import REPO, ServerProcess

PAGE = REPO / "docs" / "deploying.md"
BIN = Path(sys.executable).parent
STARTED = r"^\[(\d+)\] INFO django_lifespan_ctx: Lifespan startup complete"
STOPPED = r"^\[(\d+)\] INFO django_lifespan_ctx: Lifespan shutdown complete"
# The line each server logs once it accepts connections, after its lifespan startup.
LISTENING = {
    "uvicorn": "Application startup complete",
    "gunicorn": STARTED,
    "hypercorn": "Running on http://127.0.0.1",
    "granian": r"Started worker-\d+",
    "daphne": "Listening on TCP address",
    "python": "Starting ASGI development server",
}


@dataclass(frozen=True)
class Documented:
    section: str
    command: str
    stop_with_sigterm: bool

    def __str__(self) -> str:
        return self.command.split()[0] if "=" not in self.command.split()[0] else self.command.split()[1]


def documented_commands() -> list[Documented]:
    found = []
    for section in re.split(r"^## ", PAGE.read_text(), flags=re.MULTILINE)[1:]:
        title = section.splitlines()[0]
        stop = re.search(r"\*\*Stop it:\*\* (\S+)", section)
        for block in re.findall(r"^```sh\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL):
            for line in block.splitlines():
                if line.strip() and not line.startswith("#"):
                    assert stop is not None, f"{title}: no 'Stop it:' line"
                    found.append(Documented(title, line.strip(), stop.group(1).startswith("`kill")))
    return found


COMMANDS = documented_commands()


def test_the_page_documents_every_server() -> None:
    programs = [str(command) for command in COMMANDS]
    assert programs == [
        "uvicorn",
        "gunicorn",
        "gunicorn",
        "hypercorn",
        "granian",
        "daphne",
        "python",
        "uvicorn",
    ]


class CommandProcess(ServerProcess):
    """A documented command line, as a shell would run it in the project's directory."""

    def __init__(self, command: str, cwd: Path) -> None:
        words = shlex.split(command.replace("8000", "{port}"))
        assignments = {}
        while "=" in words[0]:
            name, value = words.pop(0).split("=", 1)
            assignments[name] = value
        super().__init__(words, settings="mysite.settings", cwd=cwd)
        self.env.update(assignments)
        self.env["PATH"] = f"{BIN}{os.pathsep}{self.env.get('PATH', '')}"

    def command(self) -> list[str]:
        return self.argv  # The page's command line as it stands, not `python -m`.


@pytest.fixture(scope="module")
def pasted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return paste_the_page(tmp_path_factory.mktemp("pasted"))


def workers(command: str) -> int:
    found = re.search(r"(?:-w|--workers) (\d+)", command)
    return int(found.group(1)) if found else 1


@pytest.mark.parametrize("documented", COMMANDS, ids=[f"{c.section}: {c}" for c in COMMANDS])
def test_each_documented_command_serves_stops_and_logs_once_per_worker(
    documented: Documented, pasted: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(pasted, project, ignore=shutil.ignore_patterns("__pycache__"))
    count = workers(documented.command)
    lazy = str(documented) == "daphne"
    with CommandProcess(documented.command, project) as server:
        if not lazy:
            server.wait_for(STARTED, count=count)
        server.wait_for(LISTENING[str(documented)])
        response = server.get("/")
        if documented.stop_with_sigterm:
            code = server.stop(signal.SIGTERM)
        else:
            code = server.stop(signal.SIGINT, whole_group=True)  # Ctrl+C in a terminal.
    output = server.output
    started = re.findall(STARTED, output, flags=re.MULTILINE)
    stopped = re.findall(STOPPED, output, flags=re.MULTILINE)
    assert response.status_code == 200, output
    # Exactly once per worker process, each worker entering and exiting its own.
    assert len(started) == len(set(started)) == count, output
    assert sorted(stopped) == sorted(started), output
    assert str(response.json()["worker_pid"]) in started
    assert code == 0, output
