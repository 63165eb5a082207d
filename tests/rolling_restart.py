"""A rolling restart under load, on every server and event loop the Draining table lists.

For each server: 30 keep-alive clients send requests back to back; SIGTERM
arrives; they keep sending for 1 s more, inside a 3 s drain window, while
another client polls readyz/. Every refused or reset connection and every 5xx
answer counts as a failure, and readyz/ must answer 503 within 1 s of the
signal. Too slow for every CI run (about 10 s a server), so it is its own make
target: `make rolling-restart`.

    python -m tests.rolling_restart                 # every server
    python -m tests.rolling_restart "granian"       # the rows whose name contains it
"""

from __future__ import annotations

import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.lifecycle_contexts import LOG_ENV, read_log
from tests.servers import ServerProcess
from tests.serving.test_draining import READY_LINE, SERVERS

CLIENTS = 30
SEND_AFTER_SIGNAL = 1.0
WINDOW = 3.0
NOT_READY_WITHIN = 1.0


@dataclass
class Tally:
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, failure: str | None) -> None:
        with self.lock:
            self.sent += 1
            if failure is not None:
                self.failures.append(failure)


def client(url: str, until: list[float], tally: Tally, started: threading.Barrier) -> None:
    # One keep-alive connection per client, as a load balancer's pool holds them.
    with httpx.Client(base_url=url, timeout=10, trust_env=False) as http:
        started.wait()
        while time.monotonic() < until[0]:
            try:
                status = http.get("/work/").status_code
                tally.add(None if status < 500 else f"HTTP {status}")
            except httpx.HTTPError as exc:
                tally.add(type(exc).__name__)


def poll_readyz(url: str, stop: threading.Event, seen: list[tuple[float, int | None]]) -> None:
    while not stop.is_set():
        try:
            status: int | None = httpx.get(f"{url}/readyz/", timeout=5, trust_env=False).status_code
        except httpx.HTTPError:
            status = None
        seen.append((time.monotonic(), status))
        time.sleep(0.02)


def restart(name: str) -> tuple[int, int, float | None, str]:
    """(requests sent, failures, seconds until readyz/ said 503, what went wrong)."""
    log = Path(tempfile.mkdtemp()) / "lifecycle.log"
    process = ServerProcess(SERVERS[name], settings="tests.sites.drain_settings")
    process.env.update({LOG_ENV: str(log), "DRAIN_SECONDS": str(WINDOW)})
    if name == "daphne":
        process.env["LAZY_STARTUP"] = "1"
    tally, readyz = Tally(), []
    until = [float("inf")]
    started = threading.Barrier(CLIENTS + 1)
    stop_polling = threading.Event()
    with process:
        process.wait_for(READY_LINE.get(name, r"Application startup complete|Running on|Booting worker"))
        process.get("/work/")  # Daphne's lazy startup happens here.
        process.wait_for(r"Lifespan startup complete")
        threads = [
            threading.Thread(target=client, args=(process.url, until, tally, started), daemon=True)
            for _ in range(CLIENTS)
        ]
        threads.append(
            threading.Thread(target=poll_readyz, args=(process.url, stop_polling, readyz), daemon=True)
        )
        for thread in threads:
            thread.start()
        started.wait()
        time.sleep(0.5)  # Load before the signal: the pool's connections are all open and busy.
        assert process.process is not None
        signalled = time.monotonic()
        until[0] = signalled + SEND_AFTER_SIGNAL
        process.process.send_signal(signal.SIGTERM)
        for thread in threads[:-1]:
            thread.join(30)
        stop_polling.set()
        threads[-1].join(10)
        process.wait_for_exit(WINDOW + 30)
    not_ready = [at - signalled for at, status in readyz if at > signalled and status == 503]
    problems = []
    exits = [events.count("exit logged") for events in read_log(log).values()]
    if not exits or any(count != 1 for count in exits):
        problems.append(f"contexts exited {exits} times per process")
    return tally.sent, len(tally.failures), (min(not_ready) if not_ready else None), "; ".join(problems)


def main(filters: list[str]) -> int:
    rows = [name for name in SERVERS if not filters or any(f in name for f in filters)]
    print(f"{CLIENTS} keep-alive clients, sending for {SEND_AFTER_SIGNAL} s after SIGTERM; window {WINDOW} s")
    print(f"{'server':36} {'requests':>9} {'failed':>7} {'readyz 503 after':>17}  verdict")
    bad = 0
    for name in rows:
        sent, failed, not_ready_after, problems = restart(name)
        late = not_ready_after is None or not_ready_after > NOT_READY_WITHIN
        ok = failed == 0 and not late and not problems and sent > 0
        bad += not ok
        shown = "never" if not_ready_after is None else f"{not_ready_after:.3f} s"
        verdict = "ok" if ok else f"FAILED {problems}".strip()
        print(f"{name:36} {sent:>9} {failed:>7} {shown:>17}  {verdict}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
