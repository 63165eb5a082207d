"""make matrix: every nox session of noxfile.py, a few at a time, each printed whole once it ends.

A session spends most of its time waiting (building its environment, real
processes in the pair proofs, deadlines in the tests): about 58 s of CPU in
150 s. So two cores run four at once, in two waves, without pytest-xdist
inside them (noxfile.py). Exits non-zero, naming them, if any session failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

AT_ONCE = int(os.environ.get("MATRIX_AT_ONCE", "4"))


def sessions() -> list[str]:
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "--list-sessions", "--json"], capture_output=True, text=True, check=True
    )
    return [session["session"] for session in json.loads(listed.stdout)]


def run(session: str) -> tuple[str, int, float, str]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "nox", "--session", session],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return session, done.returncode, time.monotonic() - began, done.stdout


def main() -> int:
    failed = []
    with ThreadPoolExecutor(AT_ONCE) as pool:
        for session, code, seconds, output in pool.map(run, sessions()):
            print(f"===== {session}: {'passed' if code == 0 else 'FAILED'} in {seconds:.0f} s", flush=True)
            print(output, flush=True)
            if code:
                failed.append(session)
    if failed:
        print("Failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
