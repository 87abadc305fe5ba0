"""Group commit of log batches: concurrent Log calls share one transaction and one fsync.

The writing happens in a process of its own (server/logs/writer_process.py),
which takes every batch that arrived while it wrote the last group as the
next group. A Log call returns only after its group committed (so an
acknowledged batch is on disk) and its entries were handed to the hub for
live tails.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import sys
from collections.abc import Callable

from server.domain.errors import InvalidArgument, Unavailable
from server.logs.hub import LogHub
from server.logs.records import PushedBatch
from server.logs.writer_process import GONE, STORED, Outcome, frame

log = logging.getLogger(__name__)
_HEADER = 4


class PartGone(Exception):
    """The part, or the secret its token was issued for, was deleted before its logs were written."""


class LogWriter:
    def __init__(self, database_url: str, hub: LogHub, replica_id: str | None = None, sqlite_mmap_bytes: int = 0):
        """`replica_id`: set when other replicas share the database (PostgreSQL); each stored
        batch is then announced to them (server/logs/replication.py)."""
        self._config = {"database_url": database_url, "replica_id": replica_id, "sqlite_mmap_bytes": sqlite_mmap_bytes}
        self._hub = hub
        self._process: asyncio.subprocess.Process | None = None
        self._outcomes: asyncio.Task[None] | None = None
        self._starting: asyncio.Lock | None = None
        self._seq = 0
        # Batches sent and not yet answered, by sequence number, with their callers' futures.
        self._waiting: dict[int, tuple[asyncio.Future[None], PushedBatch]] = {}

    async def start(self) -> None:
        """Starts the writer process now rather than on the first batch (which would wait for it)."""
        await self._running()

    async def write(self, batch: PushedBatch, credential_id: str) -> None:
        """`credential_id`: the secret the writing machine authenticated with; it must still exist.
        Raises PartGone, InvalidArgument (an entry the batch can't be stored with) or Unavailable."""
        if not batch.entry_count:
            return
        process = await self._running()
        assert process.stdin is not None
        self._seq += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[self._seq] = (future, batch)
        process.stdin.write(frame((self._seq, credential_id, batch.part_id, batch.received_ns, batch.entry_count, batch.request)))
        try:
            await process.stdin.drain()  # waits only while the writer process is behind
        except ConnectionError:
            pass  # the process died: _settle_outcomes fails the batch as Unavailable
        # Shielded: a caller that gives up still gets its batch written once queued.
        await asyncio.shield(future)

    async def close(self, timeout_seconds: float = 30) -> None:
        """Lets the writer process finish what it was sent, then waits for it to end
        (and ends it after `timeout_seconds`)."""
        process, outcomes = self._process, self._outcomes
        if process is None or outcomes is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(asyncio.shield(outcomes), timeout_seconds)
        except TimeoutError:
            log.error("the log writer process did not finish within %gs; killing it", timeout_seconds)
            process.kill()
            await outcomes

    async def _running(self) -> asyncio.subprocess.Process:
        if self._process is not None and self._process.returncode is None:
            return self._process
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:
            if self._process is None or self._process.returncode is not None:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "server.logs.writer_process", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
                )
                assert process.stdin is not None
                process.stdin.write(frame(self._config))
                self._process = process
                self._outcomes = asyncio.create_task(self._settle_outcomes(process), name="log-writer-outcomes")
            return self._process

    async def _settle_outcomes(self, process: asyncio.subprocess.Process) -> None:
        """Answers callers as their groups commit, in commit order (so tails get batches in order)."""
        assert process.stdout is not None
        try:
            while True:
                header = await process.stdout.readexactly(_HEADER)
                outcomes = pickle.loads(await process.stdout.readexactly(int.from_bytes(header, "little")))
                for seq, outcome in outcomes:
                    future, batch = self._waiting.pop(seq)
                    if outcome is STORED:
                        if self._hub.has_subscribers(batch.part_id):
                            self._hub.publish(batch.part_id, batch.records())
                        _resolve(future, lambda f: f.set_result(None))
                    else:
                        error = _refusal(batch, outcome)
                        _resolve(future, lambda f, error=error: f.set_exception(error))
        except asyncio.IncompleteReadError:
            pass  # the process ended
        except Exception:
            log.exception("reading the log writer's answers failed; restarting it")
            process.kill()
        finally:
            code = await process.wait()
            if self._waiting:
                log.error("the log writer process ended (exit code %s) with %d batches unanswered", code, len(self._waiting))
            error = Unavailable("the log writer stopped before storing this batch; send it again")
            for future, _ in self._waiting.values():
                _resolve(future, lambda f: f.set_exception(error))
            self._waiting.clear()


def _refusal(batch: PushedBatch, outcome: Outcome) -> Exception:
    if outcome == GONE:
        return PartGone(batch.part_id)
    if isinstance(outcome, tuple) and outcome[0] == "invalid":
        return InvalidArgument(outcome[1], outcome[2])
    # ("failed", why): the writer process logged why; callers only learn that a retry may work.
    return Unavailable("the log store could not take this batch (see the server log); send it again")


def _resolve(future: asyncio.Future[None], action: Callable[[asyncio.Future[None]], None]) -> None:
    if not future.done():
        action(future)

