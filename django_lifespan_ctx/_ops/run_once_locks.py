"""The locks behind run_once(): a PostgreSQL advisory lock, or a file lock on one host."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import tempfile
from pathlib import Path
from typing import Any, Protocol


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lock_id(key: str) -> int:
    """A stable signed 64-bit number for a key: what pg_advisory_lock takes."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class Lock(Protocol):
    kind: str

    async def try_acquire(self) -> bool: ...

    async def holder(self) -> str | None: ...

    async def still_held(self) -> bool: ...

    async def release(self) -> None: ...

    async def close(self) -> None: ...


# Django's connection parameters that are Django's own, not libpq's.
DJANGO_ONLY_PARAMETERS = ("context", "cursor_factory")
HOLDER_QUERY = """
select activity.application_name
from pg_locks as lock join pg_stat_activity as activity on activity.pid = lock.pid
where lock.locktype = 'advisory' and lock.granted
  and lock.classid = %s::bigint::oid and lock.objid = %s::bigint::oid and lock.objsubid = 1
"""


class PostgresLock:
    """A session-level advisory lock, on a connection of its own held for the lifespan.

    The server releases it when the session ends for any reason, so a holder
    that dies hands it on as soon as its connection drops.
    """

    kind = "postgresql advisory lock"

    def __init__(self, key: str, parameters: dict[str, Any]) -> None:
        self.id = lock_id(key)
        unsigned = self.id & 0xFFFF_FFFF_FFFF_FFFF
        # How pg_locks shows a bigint key: high half, low half.
        self.classid, self.objid = unsigned >> 32, unsigned & 0xFFFF_FFFF
        self.parameters = {k: v for k, v in parameters.items() if k not in DJANGO_ONLY_PARAMETERS}
        # Other processes read this from pg_stat_activity to say who holds the lock.
        self.parameters["application_name"] = this_process()[:63]
        self.connection: Any = None

    async def _connection(self) -> Any:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - the suite runs with psycopg 3
            raise ImportError(
                "run_once() on PostgreSQL holds its lock on a connection of its own, "
                "which needs psycopg 3: pip install 'psycopg[binary]'."
            ) from exc

        if self.connection is None or self.connection.closed:
            self.connection = await psycopg.AsyncConnection.connect(**self.parameters, autocommit=True)
        return self.connection

    async def _value(self, query: str, *parameters: object) -> Any:
        connection = await self._connection()
        cursor = await connection.execute(query, parameters)
        row = await cursor.fetchone()
        return None if row is None else row[0]

    async def try_acquire(self) -> bool:
        return bool(await self._value("select pg_try_advisory_lock(%s)", self.id))

    async def holder(self) -> str | None:
        found = await self._value(HOLDER_QUERY, self.classid, self.objid)
        return None if found is None else str(found)

    async def still_held(self) -> bool:
        try:
            await self._value("select 1")
        except Exception:
            await self.close()
            return False
        return True

    async def release(self) -> None:
        try:
            await self._value("select pg_advisory_unlock(%s)", self.id)
        except Exception:
            await self.close()  # Ending the session releases it just the same.

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = None


class FileLock:
    """An exclusive lock on a file: every process on this host, and only this host, sees it."""

    kind = "file lock (this host only)"

    def __init__(self, key: str, directory: str | None) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", key)
        self.path = Path(directory or tempfile.gettempdir()) / f"django-lifespan-ctx-run-once-{safe}.lock"
        self.fd: int | None = None

    async def try_acquire(self) -> bool:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        os.ftruncate(fd, 0)
        os.pwrite(fd, this_process().encode(), 0)
        return True

    async def holder(self) -> str | None:
        try:
            return self.path.read_text() or None
        except FileNotFoundError:
            return None

    async def still_held(self) -> bool:
        return True  # The kernel keeps it until this process closes the file or dies.

    async def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            os.close(self.fd)  # Closing the file releases the lock.
            self.fd = None

    async def close(self) -> None:
        await self.release()
