"""Run mypy and pyright over the negative cases; exit non-zero unless both reject exactly the marked lines."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CASES = sorted(path for path in HERE.glob("*.py") if not path.name.startswith("_"))
CHECKERS = {
    "mypy": (
        [sys.executable, "-m", "mypy", "--no-incremental"],
        re.compile(r"^(?P<file>[^:\s]+\.py):(?P<line>\d+): error"),
    ),
    "pyright": (
        [sys.executable, "-m", "pyright"],
        re.compile(r"^\s*(?P<file>/\S+\.py):(?P<line>\d+):\d+ - error"),
    ),
}


def marked(path: Path) -> set[tuple[str, int]]:
    lines = path.read_text().splitlines()
    return {(path.name, number) for number, line in enumerate(lines, 1) if line.endswith("# error")}


def reported(checker: str) -> tuple[int, set[tuple[str, int]], str]:
    argv, pattern = CHECKERS[checker]
    done = subprocess.run([*argv, *map(str, CASES)], cwd=ROOT, capture_output=True, text=True)
    output = done.stdout + done.stderr
    found = {
        (Path(match["file"]).name, int(match["line"]))
        for match in map(pattern.match, output.splitlines())
        if match
    }
    return done.returncode, found, output


def main() -> int:
    expected = set().union(*map(marked, CASES))
    failed = False
    for checker in CHECKERS:
        returncode, found, output = reported(checker)
        if returncode != 0 and found == expected:
            print(f"{checker}: rejects the {len(expected)} marked reads, and nothing else: as it should.")
            continue
        failed = True
        print(f"{checker}: exit {returncode}; expected errors on {sorted(expected)}, got {sorted(found)}")
        print(output)
    return 1 if failed else 0


sys.exit(main())
