"""Group commit on the one writer connection: queued units share a transaction, each acknowledged after COMMIT."""

from __future__ import annotations

import asyncio
from types import TracebackType

from parley.storage.sqlite.inline import InlineConnection
from parley.storage.sqlite.tx import SqliteTx


class _Batch:
    """One write transaction holding several units; `committed` resolves when its COMMIT is durable."""

    def __init__(self) -> None:
        self.committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.units = 0


class Writer:
    """Serialises units of work on the writer connection.

    Each unit runs alone, inside its own SAVEPOINT, so a unit that fails undoes only itself. While other
    units wait for the lock, the transaction stays open and they join it; the last of them (or the
    `batch_limit`-th) commits. A unit's caller resumes only after that COMMIT: nothing is acknowledged
    before it is on disk, and one fsync serves many writes.
    """

    def __init__(self, conn: InlineConnection, *, batch_limit: int = 64) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._waiting = 0
        self._batch: _Batch | None = None
        self._batch_limit = batch_limit
        self._ending: set[asyncio.Task[None]] = set()

    def unit(self) -> _Unit:
        """A unit of work: `async with writer.unit() as tx:`; it returns after the COMMIT that keeps it."""
        return _Unit(self)

    def _end_on_its_own(self, batch: _Batch, failed: bool) -> asyncio.Task[None]:
        """End a unit in a task of its own: a caller cancelled meanwhile must not leave the lock held, a
        transaction half done, or its batch told it failed when it committed."""
        task = asyncio.ensure_future(self._end(batch, failed))
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)
        return task

    def _end_once_begun(self, begun: asyncio.Future[_Batch]) -> None:
        """A unit whose caller went away while it was being begun is ended, as failed, once it has begun."""

        def ended(task: asyncio.Future[_Batch]) -> None:
            if not task.cancelled() and task.exception() is None:
                self._end_on_its_own(task.result(), failed=True)

        begun.add_done_callback(ended)

    async def _begin(self) -> _Batch:
        self._waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._batch is None:
                await self._conn.begin()
                self._batch = _Batch()
            self._batch.units += 1
            await self._conn.execute("SAVEPOINT unit")
        except BaseException as error:
            await self._abandon(self._batch, error)
            self._lock.release()
            raise
        return self._batch

    async def _end(self, batch: _Batch, failed: bool) -> None:
        """Keep or undo the unit, then commit unless more units are queued to join this transaction."""
        try:
            if failed:
                await self._conn.execute("ROLLBACK TO unit")
            await self._conn.execute("RELEASE unit")
            if self._waiting == 0 or batch.units >= self._batch_limit:
                self._batch = None
                await self._conn.commit()
                batch.committed.set_result(None)
        except BaseException as error:
            # A failed COMMIT or savepoint (disk full, I/O error) may have rolled everything back:
            # every unit of the batch learns it, none is acknowledged.
            await self._abandon(batch, error)
        finally:
            self._lock.release()

    async def _abandon(self, batch: _Batch | None, error: BaseException) -> None:
        """Roll the whole transaction back and fail every unit still waiting for its COMMIT."""
        self._batch = None
        if batch is not None and not batch.committed.done():
            batch.committed.set_exception(error)
            batch.committed.exception()  # marked as retrieved: units that failed earlier never await it
        if self._conn.in_transaction:
            await self._conn.rollback()


class _Unit:
    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self._batch: _Batch | None = None

    async def __aenter__(self) -> SqliteTx:
        # Shielded: BEGIN runs in a thread that a cancellation cannot stop, and the lock must not be lost.
        begun = asyncio.ensure_future(self._writer._begin())
        try:
            self._batch = await asyncio.shield(begun)
        except asyncio.CancelledError:
            self._writer._end_once_begun(begun)
            raise
        return SqliteTx(self._writer._conn)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._batch is not None
        await asyncio.shield(self._writer._end_on_its_own(self._batch, failed=exc_type is not None))
        if exc_type is None:
            await self._batch.committed
