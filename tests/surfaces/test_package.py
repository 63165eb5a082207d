"""The distribution users install: built, installed into a fresh venv, imported."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.servers import REPO

pytestmark = pytest.mark.packaging


def test_the_wheel_installs_into_a_fresh_venv_with_its_type_marker(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)], check=True, capture_output=True
    )
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    assert sdist.name.startswith("django_lifespan_ctx-")

    names = zipfile.ZipFile(wheel).namelist()
    assert "django_lifespan_ctx/py.typed" in names
    assert "django_lifespan_ctx/management/commands/lifespan.py" in names
    assert "django_lifespan_ctx/_engine/runner.py" in names
    assert not any(name.startswith(("tests/", "sample_site/", "docs/")) for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "django_lifespan_ctx.pytest_plugin" in zipfile.ZipFile(wheel).read(entry_points).decode()

    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    probe = (
        "import importlib.resources, django_lifespan_ctx, django_lifespan_ctx.asgi;"
        "print(importlib.resources.files('django_lifespan_ctx').joinpath('py.typed').is_file());"
        "print(sorted(django_lifespan_ctx.__all__))"
    )
    result = subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path)
    typed, public = result.stdout.splitlines()
    assert typed == "True"
    assert "lifespan" in public and "register_context" in public and "State" in public
