"""A docs page's blocks, done as a reader does them: the shell lines run, the files pasted.

The page tests' one way to build and run a pasted project: `paste` (every block in the
page's order, from a user's shell; `start_project` for the install block then the files),
`run_in` (a documented command line, its output kept), `served_as_a_user_runs_it` (a
server or worker, only the project on its path) and the checks every page repeats
(`manage_py_check`, `lifespan_command_output`, the passed-run and type-checker asserts).
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import ServerProcess
from tests.stand_in import stand_in_api


def user_env() -> dict[str, str]:
    # A user's shell: nothing of this test run's Django settings or import path.
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTEST")) and k != "PYTHONPATH"
    }


def as_argv(command: str) -> list[str]:
    """A documented command, run with this interpreter (the one the package is installed in)."""
    words = shlex.split(command)
    if words[0] == "django-admin":
        return [sys.executable, "-m", "django", *words[1:]]
    if words[0] == "python":
        return [sys.executable, *words[1:]]
    raise AssertionError(f"the page runs a command this test does not know: {command!r}")


def copy_into(project: Path, block: str) -> Path:
    """Do what the block's first line says: create, replace, or add at the end."""
    header = block.splitlines()[0].removeprefix("# ")
    relative, _, how = header.partition(": ")
    target = project / relative
    if how == "add at the end":
        target.write_text(target.read_text() + "\n" + block)
    elif how == "replace the whole file":
        assert target.is_file(), f"{relative} is to be replaced, but startproject made no such file"
        target.write_text(block)
    else:
        assert how == "", f"unknown instruction {how!r} in {header!r}"
        assert not target.exists(), f"{relative} is to be created, but startproject made one already"
        target.write_text(block)
    return target


def served_as_a_user_runs_it(
    argv: list[str], project: Path, env: dict[str, str] | None = None, *, project_on_path: bool = True
) -> ServerProcess:
    """`python -m argv...` in the project, from a user's shell (or `env`): only the project on the path.

    project_on_path=False leaves PYTHONPATH unset, as a console script run in the project has it.
    """
    server = ServerProcess(argv, settings=None, cwd=project, repo_on_path=False)
    on_path = {"PYTHONPATH": str(project)} if project_on_path else {}
    server.env = {**(user_env() if env is None else env), **on_path, "PYTHONUNBUFFERED": "1"}
    return server


def headers(blocks: list[str]) -> list[str]:
    """The first line of each block: for a file block, which file and what to do with it."""
    return [block.splitlines()[0] for block in blocks]


def file_blocks(blocks: list[str]) -> list[str]:
    """The page's files and additions, in order: the blocks headed `# mysite/...`."""
    return [block for block in blocks if block.startswith("# mysite/")]


def command_block(blocks: list[str], first_words: str) -> str:
    """The one block of the page that starts with these words."""
    (block,) = [block for block in blocks if block.startswith(first_words)]
    return block


def run_in(
    project: Path, command: str, *, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """A documented command line, run in the project from a user's shell (or `env`): its outputs, kept."""
    return subprocess.run(
        as_argv(command),
        cwd=project,
        env=user_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_project(where: Path, install: str, files: list[str]) -> Path:
    """The install block's commands (pip aside: installed here already), then every file block."""
    return paste([install, *files], where, user_env(), is_file=lambda block: block in files).path


def is_python_file(block: str) -> bool:
    """A block headed by the Python file it makes or changes (`# shop/jobs.py: add at the end`)."""
    return re.match(r"# [\w/]+\.py(: |\n)", block) is not None


@dataclass
class Pasted:
    """A project made by following a page: where it is, the shell it was made from, what each
    command line printed, and the last one (a worker, a server) left for its test to run."""

    path: Path
    env: dict[str, str]
    left_to_run: str = ""
    runs: dict[str, subprocess.CompletedProcess[str]] = field(
        default_factory=dict[str, subprocess.CompletedProcess[str]]
    )

    @property
    def api(self) -> str:
        """The stand-in API's URL, where pasted_with_api made the project."""
        return self.env["SHOP_API_URL"]

    def output_of(self, words: str) -> str:
        """What the one command line with these words in it printed, stdout then stderr."""
        (done,) = [done for line, done in self.runs.items() if words in line]
        return done.stdout + done.stderr


def paste(
    blocks: list[str],
    where: Path,
    env: dict[str, str],
    *,
    is_file: Callable[[str], bool] = is_python_file,
    left_to_run: str = "",
) -> Pasted:
    """Each block in order, from a shell with `env`: a file applied as its first line says, a
    command line run as a reader runs it (pip aside, installed here already)."""
    pasted = Pasted(where, env, left_to_run)
    for block in blocks:
        if is_file(block):
            copy_into(pasted.path, block)
            continue
        for line in block.splitlines():
            words = shlex.split(line)
            if words[:2] == ["pip", "install"] or line == left_to_run:
                continue
            if words[0] == "cd":
                pasted.path = pasted.path / words[1]
            elif words[:2] == ["mkdir", "-p"]:
                (pasted.path / words[2]).mkdir(parents=True, exist_ok=True)
            else:
                done = run_in(pasted.path, line, env=env, timeout=120)
                assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
                pasted.runs[line] = done
    return pasted


def point_setting_at_stand_in(project: Path, shown: str, stand_in: str) -> None:
    """Where the page's reader has the real API, the test has the stand-in: a line added to the settings.

    `shown` is the page's own line (checked to be there); `stand_in` the line that overrides it.
    """
    settings = project / "mysite" / "settings.py"
    assert shown in settings.read_text()
    settings.write_text(settings.read_text() + f"\n{stand_in}\n")


# Import names whose distribution is named otherwise; Django comes with django-lifespan-ctx.
DISTRIBUTIONS = {
    "django": "django-lifespan-ctx",
    "django_lifespan_ctx": "django-lifespan-ctx",
    "django_tasks": "django-tasks",
}


def imported_distributions(blocks: list[str]) -> set[str]:
    """What the blocks import from outside the standard library and the project, by distribution."""
    found: set[str] = set()
    for block in blocks:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                found.add(str(node.module).split(".")[0])
    found -= set(sys.stdlib_module_names) | {"mysite"}
    return {DISTRIBUTIONS.get(name, name) for name in found}


def installed_by(install: str) -> set[str]:
    """The distributions the install block's first line names."""
    words = install.splitlines()[0].split()
    assert words[:2] == ["pip", "install"], install
    return set(words[2:])


def manage_py_check(project: Path) -> str:
    """`python manage.py check` in the project, from a user's shell; its output, once it passed."""
    result = run_in(project, "python manage.py check")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def lifespan_command_output(project: Path) -> str:
    """`python manage.py lifespan` in the project, from a user's shell; its output, once it passed."""
    result = run_in(project, "python manage.py lifespan")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def assert_pytest_passed(result: subprocess.CompletedProcess[str], passed: int) -> None:
    """A pasted project's `python -m pytest` passed this many tests, with nothing to warn about."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"{passed} passed" in result.stdout, output
    assert "Warning" not in output, output


def assert_django_tests_passed(result: subprocess.CompletedProcess[str], ran: int) -> None:
    """A pasted project's `python manage.py test` ran this many tests, and they passed."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Ran {ran} tests" in result.stderr and "\nOK" in result.stderr, result.stderr


def assert_type_checkers_pass(project: Path, timeout: float = 300) -> None:
    """mypy and pyright, as the typing page runs them in the project, find nothing."""
    mypy = run_in(project, "python -m mypy .", timeout=timeout)
    pyright = run_in(project, "python -m pyright", timeout=timeout)

    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    assert "Success: no issues found" in mypy.stdout
    assert pyright.returncode == 0, pyright.stdout + pyright.stderr
    assert "0 errors" in pyright.stdout


@contextmanager
def edited(path: Path, shown: str, instead: str) -> Generator[None]:
    """The file with the page's `shown` text (checked to be there) replaced, until the block ends."""
    written = path.read_text()
    assert shown in written, f"{shown!r} is not in {path}"
    path.write_text(written.replace(shown, instead))
    try:
        yield
    finally:
        path.write_text(written)


@contextmanager
def pasted_with_api(blocks: list[str], where: Path, left_to_run: str, **env: str) -> Generator[Pasted]:
    """The blocks pasted from a user's shell whose SHOP_API_URL (and `env`) names the stand-in API."""
    with stand_in_api() as api:
        yield paste(blocks, where, {**user_env(), "SHOP_API_URL": api, **env}, left_to_run=left_to_run)
