from __future__ import annotations

import asyncio
import sys
from types import TracebackType

if sys.version_info >= (3, 11):
    Deadline = asyncio.Timeout

    def deadline(seconds: float | None) -> asyncio.Timeout:
        return asyncio.timeout(seconds)

else:  # pragma: no cover - Python 3.10 has no asyncio.timeout

    class Deadline:
        """The part of asyncio.timeout (3.11) that we use: cancel, then TimeoutError."""

        def __init__(self, seconds: float | None) -> None:
            self._seconds = seconds
            self._expired = False
            self._handle: asyncio.TimerHandle | None = None

        def expired(self) -> bool:
            return self._expired

        def _expire(self, task: asyncio.Task[object]) -> None:
            self._expired = True
            task.cancel()

        async def __aenter__(self) -> Deadline:
            if self._seconds is not None:
                task = asyncio.current_task()
                assert task is not None
                loop = asyncio.get_running_loop()
                self._handle = loop.call_later(self._seconds, self._expire, task)
            return self

        async def __aexit__(
            self,
            kind: type[BaseException] | None,
            error: BaseException | None,
            traceback: TracebackType | None,
        ) -> None:
            if self._handle is not None:
                self._handle.cancel()
            if kind is asyncio.CancelledError and self._expired:
                raise TimeoutError from error

    def deadline(seconds: float | None) -> Deadline:
        return Deadline(seconds)
