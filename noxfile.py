"""The support matrix: every Python and Django pair we promise, run with the whole suite.

Interpreters come from pyenv: PYENV_VERSION=3.11.7:3.12.1:3.13.0:3.10.13 makes
python3.10 ... python3.13 resolve (.ci/run sets it).
"""

from __future__ import annotations

import os

import nox

# uv (from the dev extra) installs each session's environment in seconds, not minutes;
# plain venv and pip where it is missing.
nox.options.default_venv_backend = "uv|venv"
nox.options.reuse_existing_virtualenvs = True

DJANGO = {"5.2": "Django>=5.2,<6.0", "6.0": "Django>=6.0,<6.1", "6.1": "Django>=6.1,<6.2"}
# Django 6 needs Python 3.12 or newer.
MATRIX = [
    (python, django)
    for python in ("3.10", "3.11", "3.12", "3.13")
    for django in DJANGO
    if django == "5.2" or python >= "3.12"
]


@nox.session(name="tests")
@nox.parametrize(("python", "django"), MATRIX, ids=[f"py{p}-django{d}" for p, d in MATRIX])
def tests(session: nox.Session, django: str) -> None:
    session.install("-e", ".[dev]", DJANGO[django])
    session.run(
        "python", "-c", "import django, sys; print('Django', django.get_version(), 'on', sys.version)"
    )
    # The packaging test, the grid of every server x every startup failure and the
    # whole-process integration proofs run once, in the main run (make test): they
    # prove the package, the servers and the integrations, not the Python x Django pair.
    # So does every other test where it starts a real process, unless its module proves
    # the pair (tests/conftest.py: PAIR_MODULES).
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        # xdist workers per session: none by default. A session spends ~40% of its time on the
        # CPU (58 s of 150 s, py3.12-django6.0), and two workers cost 16 s more of it: on two
        # cores, more sessions at once (.ci/matrix.py) beat workers inside each.
        "-n",
        os.environ.get("MATRIX_TEST_WORKERS", "0"),
        "--dist",
        "loadscope",
        "-m",
        "not packaging and not server_grid and not integration",
        *session.posargs,
        env={"LIFESPAN_TESTS_REAL_PROCESSES": "once"},
    )
