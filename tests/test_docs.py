"""The settings reference and the code must agree on names and check ids."""

from __future__ import annotations

import re
from pathlib import Path

from django_lifespan_ctx import checks, conf, registry

DOCS = Path(__file__).resolve().parent.parent / "docs"
PACKAGE = Path(registry.__file__).resolve().parent


def ids_in_code() -> set[str]:
    source = "\n".join(path.read_text() for path in PACKAGE.glob("*.py"))
    return {f"{checks.PREFIX}.{found}" for found in re.findall(r'"(E\d{3})"', source)}


def test_every_check_id_is_documented_and_every_documented_id_exists() -> None:
    documented = set(re.findall(r"django_lifespan_ctx\.E\d{3}", (DOCS / "settings.md").read_text()))
    assert documented == ids_in_code()


def test_every_setting_is_documented() -> None:
    in_code = {name for name in vars(conf.Settings) if name.startswith("LIFESPAN_")}
    table = (DOCS / "settings.md").read_text().split("## System checks")[0]
    assert set(re.findall(r"\| `(LIFESPAN_\w+)`", table)) == in_code
