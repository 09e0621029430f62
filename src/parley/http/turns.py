"""Taking turns across server processes: an asyncio lock joined to an exclusive lock on a file."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path
from types import TracebackType


class ProcessesLock:
    """An asyncio lock that also holds an exclusive lock on a file: one holder at a time among all processes.

    The file is opened for each turn and closed after it (closing lets the lock go), so no descriptor outlives
    its use, whatever happens to the app that made this lock.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = asyncio.Lock()
        self._fd = -1

    async def __aenter__(self) -> None:
        await self._local.acquire()
        try:
            self._fd = await self._lock_file()
        except BaseException:
            self._local.release()
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        fd, self._fd = self._fd, -1
        os.close(fd)
        self._local.release()

    async def _lock_file(self) -> int:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        except BaseException:
            os.close(fd)
            raise
        # Another process holds it: wait in a thread. That wait cannot be stopped, so a caller cancelled
        # meanwhile closes the file, and so lets the lock go, once the thread is done.
        waiting = asyncio.ensure_future(asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX))
        try:
            await asyncio.shield(waiting)
        except BaseException:
            waiting.add_done_callback(lambda _: os.close(fd))
            raise
        return fd
