"""Group commit of log batches: concurrent Log calls share one transaction and one fsync.

The writing happens in a process of its own (server/logs/writer_process.py),
which takes every batch that arrived while it wrote the last group as the
next group. A Log call returns only after its group committed (so an
acknowledged batch is on disk) and its entries were handed to the hub for
live tails.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from server.domain.errors import InvalidArgument, Unavailable
from server.logs.hub import LogHub
from server.logs.records import PushedBatch
from server.logs.writer_process import GONE, STORED, Outcome, frame

log = logging.getLogger(__name__)
_HEADER = 4


class PartGone(Exception):
    """The part, or the secret its token was issued for, was deleted before its logs were written."""


# Batches sent to the writer process and not yet answered are held in memory (with
# their callers); past this many, or past `max_queued_bytes` of requests, a batch is
# refused with UNAVAILABLE instead of queued, so a stalled disk can't grow the server
# without limit.
MAX_QUEUED_BATCHES = 20_000
PIPE_BYTES = 1 << 20  # Linux's pipe-max-size default
# A writer process that ends sooner than this after its start, without answering,
# failed to start: the next one is started only after a pause that doubles each
# time, up to the maximum.
HEALTHY_AFTER_SECONDS = 5.0
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0


@dataclass(eq=False)
class _Child:
    """One writer process and the batches it was sent and has not answered, by sequence number."""

    process: asyncio.subprocess.Process
    started_at: float
    waiting: dict[int, tuple[asyncio.Future[None], PushedBatch]] = field(default_factory=dict)
    queued_bytes: int = 0
    answered: bool = False  # it has answered at least one group
    outcomes: asyncio.Task[None] | None = None


class LogWriter:
    def __init__(self, database_url: str, hub: LogHub, replica_id: str | None = None, sqlite_mmap_bytes: int = 0,
                 *, max_queued_bytes: int):
        """`replica_id`: set when other replicas share the database (PostgreSQL); each stored
        batch is then announced to them (server/logs/replication.py)."""
        self._config = {"database_url": database_url, "replica_id": replica_id, "sqlite_mmap_bytes": sqlite_mmap_bytes}
        self._hub = hub
        self._max_queued_bytes = max_queued_bytes
        self._child: _Child | None = None
        self._starting: asyncio.Lock | None = None
        self._seq = 0
        self._failed_starts = 0
        self._next_start_at = 0.0

    async def start(self) -> None:
        """Starts the writer process now rather than on the first batch (which would wait for it)."""
        await self._running()

    async def write(self, batch: PushedBatch, credential_id: str) -> None:
        """`credential_id`: the secret the writing machine authenticated with; it must still exist.
        Raises PartGone, InvalidArgument (an entry the batch can't be stored with) or Unavailable.
        An empty batch goes through the same check (and stores nothing), so a revoked machine
        learns it is revoked whatever it sends."""
        child = await self._running()
        if child.queued_bytes + len(batch.request) > self._max_queued_bytes or len(child.waiting) >= MAX_QUEUED_BATCHES:
            raise Unavailable("the log writer is behind (the database is slow to take writes); nothing was stored: send this batch again")
        stdin = child.process.stdin
        assert stdin is not None
        self._seq += 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        child.waiting[self._seq] = (future, batch)
        child.queued_bytes += len(batch.request)
        stdin.write(frame((self._seq, credential_id, batch.part_id, batch.received_ns, batch.entry_count, batch.request)))
        try:
            await stdin.drain()  # waits only while the writer process is behind
        except ConnectionError:
            pass  # the process died: _settle_outcomes fails the batch as Unavailable
        # Shielded: a caller that gives up still gets its batch written once queued.
        await asyncio.shield(future)

    async def close(self, timeout_seconds: float = 30) -> None:
        """Lets the writer process finish what it was sent, then waits for it to end
        (and ends it after `timeout_seconds`)."""
        child = self._child
        if child is None or child.outcomes is None:
            return
        assert child.process.stdin is not None
        child.process.stdin.close()
        try:
            await asyncio.wait_for(asyncio.shield(child.outcomes), timeout_seconds)
        except TimeoutError:
            log.error("the log writer process did not finish within %gs; killing it", timeout_seconds)
            _kill(child.process)
            await child.outcomes

    async def _running(self) -> _Child:
        child = self._child
        if child is not None and child.process.returncode is None:
            return child
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:
            child = self._child
            if child is None or child.process.returncode is not None:
                if child is not None and child.outcomes is not None:
                    # Its end is noted first: a call arriving between the exit and that note
                    # would otherwise start the next process without the pause.
                    await asyncio.shield(child.outcomes)
                wait_s = self._next_start_at - time.monotonic()
                if wait_s > 0:
                    raise Unavailable(f"the log writer failed to start; the next try is in {wait_s:.1f}s (see the server log); send this batch again")
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "server.logs.writer_process", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
                )
                assert process.stdin is not None
                _widen_pipe(process.stdin)
                process.stdin.write(frame(self._config))
                child = _Child(process, time.monotonic())
                child.outcomes = asyncio.create_task(self._settle_outcomes(child), name="log-writer-outcomes")
                self._child = child
            return child

    async def _settle_outcomes(self, child: _Child) -> None:
        """Answers callers as their groups commit, in commit order (so tails get batches in order)."""
        process = child.process
        assert process.stdout is not None
        try:
            while True:
                header = await process.stdout.readexactly(_HEADER)
                outcomes = pickle.loads(await process.stdout.readexactly(int.from_bytes(header, "little")))
                child.answered = True
                for seq, outcome in outcomes:
                    future, batch = child.waiting.pop(seq)
                    child.queued_bytes -= len(batch.request)
                    if outcome is STORED:
                        if batch.entry_count and self._hub.has_subscribers(batch.part_id):
                            self._hub.publish(batch.part_id, batch.records())
                        _resolve(future, lambda f: f.set_result(None))
                    else:
                        error = _refusal(batch, outcome)
                        _resolve(future, lambda f, error=error: f.set_exception(error))
        except asyncio.IncompleteReadError:
            pass  # the process ended
        except Exception:
            log.exception("reading the log writer's answers failed; restarting it")
            _kill(process)
        finally:
            code = await process.wait()
            self._note_end(child)
            if child.waiting:
                log.error("the log writer process ended (exit code %s) with %d batches unanswered", code, len(child.waiting))
            # It may have committed a group and died before saying so.
            error = Unavailable("the log writer stopped before answering; this batch may or may not have been stored: send it again")
            for future, _ in child.waiting.values():
                _resolve(future, lambda f: f.set_exception(error))
            child.waiting.clear()
            child.queued_bytes = 0

    def _note_end(self, child: _Child) -> None:
        """A process that ended soon after its start without answering anything failed to
        start (a bad database URL, say): the next start waits."""
        if child.answered or time.monotonic() - child.started_at >= HEALTHY_AFTER_SECONDS:
            self._failed_starts = 0
            return
        self._failed_starts += 1
        pause = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (self._failed_starts - 1))
        self._next_start_at = time.monotonic() + pause
        log.error("the log writer process ended %.1fs after its start; the next one starts in %.1fs at the earliest",
                  time.monotonic() - child.started_at, pause)


def _widen_pipe(stdin: asyncio.StreamWriter) -> None:
    """Lets the pipe to the writer hold PIPE_BYTES (Linux's default is 64 KiB), so the
    batches that arrive while it writes a group reach it in one read, as one group."""
    pipe = stdin.transport.get_extra_info("pipe")
    # AttributeError: not Linux. OSError: above the system's pipe-max-size. ValueError: the
    # process died at once and its pipe is closed (the batch then fails as UNAVAILABLE).
    with contextlib.suppress(AttributeError, OSError, ValueError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        process.kill()


def _refusal(batch: PushedBatch, outcome: Outcome) -> Exception:
    if outcome == GONE:
        return PartGone(batch.part_id)
    if isinstance(outcome, tuple) and outcome[0] == "invalid":
        return InvalidArgument(outcome[1], outcome[2])
    # ("failed", why): the writer process logged why; callers only learn that a retry may work.
    return Unavailable("the log store could not take this batch (see the server log); nothing was stored: send it again")


def _resolve(future: asyncio.Future[None], action: Callable[[asyncio.Future[None]], None]) -> None:
    if not future.done():
        action(future)

