"""'Did you mean ...?' for a dotted path that does not import, from the names that do exist."""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from types import ModuleType


def did_you_mean(path: str) -> str | None:
    """The nearest dotted path that exists, when one part of ``path`` is misspelled; None otherwise.

    Only imports modules a prefix of ``path`` names (the ones the failed import
    tried anyway), so it cannot reach code the project does not already load.
    """
    parts = path.split(".")
    module: ModuleType | None = None
    depth = 0
    for depth in range(len(parts) - 1, 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:depth]))
            break
        except Exception:
            continue
    if module is None:
        return None
    wanted = parts[depth]
    names = [name for name in _names_in(module) if not name.startswith("_")]
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.7)
    if not close or close[0] == wanted:
        return None
    return ".".join([*parts[:depth], close[0], *parts[depth + 1 :]])


def _names_in(module: ModuleType) -> list[str]:
    names = list(vars(module))
    search_path = getattr(module, "__path__", None)
    if search_path is not None:
        # A package's submodules that are not imported yet are names too.
        names += [info.name for info in pkgutil.iter_modules(search_path)]
    return names
