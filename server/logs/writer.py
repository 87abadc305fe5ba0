"""Group commit of log batches: concurrent Log calls share one transaction and one fsync.

While one group is being written, new batches queue up and go into the next
group together. A Log call returns only after its group committed (so an
acknowledged batch is on disk) and its records were offered to live tails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from server.logs.hub import LogHub
from server.logs.records import LogRecord

log = logging.getLogger(__name__)
MAX_GROUP_ROWS = 20_000
_INSERT = "INSERT INTO log_entry (part_id, time_ns, level, message, entry) VALUES "
# 5 parameters a row stays under SQLite's (and PostgreSQL's) bound-parameter limits.
ROWS_PER_STATEMENT = 1000
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class PartGone(Exception):
    """The part was deleted before its logs were written."""


class LogWriter:
    def __init__(self, engine: Engine, hub: LogHub):
        self._engine = engine
        self._hub = hub
        self._pending: list[tuple[list[LogRecord], asyncio.Future[None]]] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._connection: Any = None
        # The writer talks to the driver directly, so it meets the driver's own exception class.
        self._integrity_errors: tuple[type[Exception], ...] = (IntegrityError, engine.dialect.dbapi.IntegrityError)

    async def write(self, records: list[LogRecord]) -> None:
        if not records:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((records, future))
        self._start()
        assert self._wake is not None
        self._wake.set()
        # Shielded: a caller that gives up still gets its batch written once queued.
        await asyncio.shield(future)

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="log-writer")

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                group = self._take_group()
                await self._commit(group)

    def _take_group(self) -> list[tuple[list[LogRecord], asyncio.Future[None]]]:
        group, rows = [], 0
        while self._pending and (not group or rows + len(self._pending[0][0]) <= MAX_GROUP_ROWS):
            batch = self._pending.pop(0)
            group.append(batch)
            rows += len(batch[0])
        return group

    async def _commit(self, group: list[tuple[list[LogRecord], asyncio.Future[None]]]) -> None:
        try:
            await asyncio.to_thread(self._insert, [record for records, _ in group for record in records])
        except self._integrity_errors:
            # Most likely one batch's part was deleted meanwhile: retry batch by batch.
            for batch in group:
                await self._commit_alone(batch)
            return
        except Exception as error:  # database down, disk full: every caller learns it
            log.exception("writing %d log batches failed", len(group))
            for _, future in group:
                _resolve(future, lambda f: f.set_exception(error))
            return
        for records, future in group:
            self._hub.publish(records[0].part_id, records)
            _resolve(future, lambda f: f.set_result(None))

    async def _commit_alone(self, batch: tuple[list[LogRecord], asyncio.Future[None]]) -> None:
        records, future = batch
        try:
            await asyncio.to_thread(self._insert, records)
        except self._integrity_errors:
            _resolve(future, lambda f: f.set_exception(PartGone(records[0].part_id)))
        except Exception as error:
            _resolve(future, lambda f: f.set_exception(error))
        else:
            self._hub.publish(records[0].part_id, records)
            _resolve(future, lambda f: f.set_result(None))

    def _insert(self, records: list[LogRecord]) -> None:
        """One transaction on the writer's own connection (only one group is written at a time)."""
        if self._connection is None:
            # A dedicated driver connection: a pooled session per group costs as much as the insert.
            self._connection = self._engine.raw_connection()
        connection = self._connection
        placeholder = _PLACEHOLDERS[self._engine.dialect.paramstyle]
        cursor = connection.cursor()
        try:
            if self._engine.dialect.name == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            for start in range(0, len(records), ROWS_PER_STATEMENT):
                chunk = records[start : start + ROWS_PER_STATEMENT]
                # One multi-row statement rather than executemany: the driver then
                # gives up the GIL once per statement instead of once per row,
                # which matters while the event loop thread is busy.
                values = ", ".join([f"({placeholder}, {placeholder}, {placeholder}, {placeholder}, {placeholder})"] * len(chunk))
                parameters = [value for r in chunk for value in (r.part_id, r.time_ns, r.level, r.message, r.payload)]
                cursor.execute(_INSERT + values, parameters)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()


def _resolve(future: asyncio.Future[None], action: Callable[[asyncio.Future[None]], None]) -> None:
    if not future.done():
        action(future)
