"""A docs page's blocks, done as a reader does them: the shell lines run, the files pasted.

The page tests' one way to build and run a pasted project: `start_project` (the install
block's lines, then the file blocks), `run_in` (a documented command line, from a user's
shell, its output kept) and `manage_py_check`. The quickstart's test is where this began
(copy_into, as_argv and user_env are its).
"""

from __future__ import annotations

import ast
import shlex
import subprocess
import sys
from pathlib import Path

from tests.docs.test_quickstart import as_argv, copy_into, user_env


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
    cwd = where
    for line in install.splitlines():
        words = shlex.split(line)
        if words[:2] == ["pip", "install"]:
            continue
        if words[0] == "cd":
            cwd = cwd / words[1]
        elif words[:2] == ["mkdir", "-p"]:
            (cwd / words[2]).mkdir(parents=True)
        else:
            subprocess.run(as_argv(line), cwd=cwd, env=user_env(), check=True, timeout=60)
    for block in files:
        copy_into(cwd, block)
    return cwd


def point_setting_at_stand_in(project: Path, shown: str, stand_in: str) -> None:
    """Where the page's reader has the real API, the test has the stand-in: a line added to the settings.

    `shown` is the page's own line (checked to be there); `stand_in` the line that overrides it.
    """
    settings = project / "mysite" / "settings.py"
    assert shown in settings.read_text()
    settings.write_text(settings.read_text() + f"\n{stand_in}\n")


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
    return {"django-lifespan-ctx" if name in ("django", "django_lifespan_ctx") else name for name in found}


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
