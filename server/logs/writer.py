"""Group commit of log batches: concurrent Log calls share one transaction and one fsync.

While one group is being written, new batches queue up and go into the next
group together. A Log call returns only after its group committed (so an
acknowledged batch is on disk) and its records were handed to the hub for live tails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from server.db.credentials import machine_credential_exists
from server.db.driver_sql import PLACEHOLDERS
from server.logs.hub import LogHub
from server.logs.records import LogRecord
from server.logs.replication import CHANNEL, encode_notifications

log = logging.getLogger(__name__)
MAX_GROUP_ROWS = 20_000
_COLUMNS = ("part_id", "time_ns", "level", "search_text", "entry")
# At most 6 parameters a row: stays under SQLite's (and PostgreSQL's) bound-parameter limits.
ROWS_PER_STATEMENT = 1000
# SQLite's log table has no rowid (see models.LogEntry): ids are taken from log_sequence.
_TAKE_IDS = "UPDATE log_sequence SET next_id = next_id + ? WHERE id = 1"
_NEXT_ID = "SELECT next_id FROM log_sequence WHERE id = 1"


class PartGone(Exception):
    """The part, or the secret its token was issued for, was deleted before its logs were written."""


@dataclass(eq=False)
class Batch:
    records: list[LogRecord]
    credential_id: str
    future: asyncio.Future[None]

    @property
    def part_id(self) -> str:
        return self.records[0].part_id


class LogWriter:
    def __init__(self, engine: Engine, hub: LogHub, replica_id: str | None = None):
        """`replica_id`: set when other replicas share the database (PostgreSQL); each stored
        batch is then announced to them (server/logs/replication.py)."""
        self._engine = engine
        self._hub = hub
        self._replica_id = replica_id
        self._pending: list[Batch] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._connection: Any = None
        # The writer talks to the driver directly, so it meets the driver's own exception class.
        self._integrity_errors: tuple[type[Exception], ...] = (IntegrityError, engine.dialect.dbapi.IntegrityError)

    async def write(self, records: list[LogRecord], credential_id: str) -> None:
        """`credential_id`: the secret the writing machine authenticated with; it must still exist."""
        if not records:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(Batch(records, credential_id, future))
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

    def _take_group(self) -> list[Batch]:
        group: list[Batch] = []
        rows = 0
        while self._pending and (not group or rows + len(self._pending[0].records) <= MAX_GROUP_ROWS):
            batch = self._pending.pop(0)
            group.append(batch)
            rows += len(batch.records)
        return group

    async def _commit(self, group: list[Batch]) -> None:
        try:
            refused = await asyncio.to_thread(self._insert, group)
        except self._integrity_errors:
            # A part deleted between the check and the insert (possible on PostgreSQL): retry one by one.
            if len(group) == 1:
                self._finish(group[0], PartGone(group[0].part_id))
            else:
                for batch in group:
                    await self._commit([batch])
            return
        except Exception as error:  # database down, disk full: every caller learns it
            log.exception("writing %d log batches failed", len(group))
            for batch in group:
                self._finish(batch, error)
            return
        for batch in group:
            self._finish(batch, PartGone(batch.part_id) if batch in refused else None)

    def _finish(self, batch: Batch, error: Exception | None) -> None:
        if error is None:
            self._hub.publish(batch.part_id, batch.records)
            _resolve(batch.future, lambda f: f.set_result(None))
        else:
            _resolve(batch.future, lambda f: f.set_exception(error))

    def _insert(self, group: list[Batch]) -> list[Batch]:
        """One transaction on the writer's own connection; returns the batches refused
        because their part or machine secret no longer exists."""
        if self._connection is None:
            # A dedicated driver connection: a pooled session per group costs as much as the insert.
            self._connection = self._engine.raw_connection()
        connection = self._connection
        paramstyle = self._engine.dialect.paramstyle
        sqlite = self._engine.dialect.name == "sqlite"
        cursor = connection.cursor()
        try:
            if sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            refused = [b for b in group if not machine_credential_exists(cursor, paramstyle, b.part_id, b.credential_id)]
            accepted = [batch for batch in group if batch not in refused]
            if self._replica_id is not None:
                for batch in accepted:
                    self._insert_and_announce(cursor, batch, paramstyle, self._replica_id)
                connection.commit()
                return refused
            records = [record for batch in accepted for record in batch.records]
            first_id = _take_ids(cursor, len(records)) if sqlite and records else None
            for start in range(0, len(records), ROWS_PER_STATEMENT):
                chunk = records[start : start + ROWS_PER_STATEMENT]
                # One multi-row statement rather than executemany: the driver then
                # gives up the GIL once per statement instead of once per row,
                # which matters while the event loop thread is busy.
                if first_id is None:
                    parameters = [value for r in chunk for value in _row(r)]
                else:
                    parameters = [value for i, r in enumerate(chunk, first_id + start) for value in (i, *_row(r))]
                cursor.execute(_insert_sql(paramstyle, len(chunk), with_id=first_id is not None), parameters)
            connection.commit()
            return refused
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()

    def _insert_and_announce(self, cursor: Any, batch: Batch, paramstyle: str, replica_id: str) -> None:
        """One statement per batch (at most 1000 rows), so its ids come back for the notification."""
        parameters = [value for r in batch.records for value in _row(r)]
        cursor.execute(_insert_sql(paramstyle, len(batch.records), with_id=False) + " RETURNING id", parameters)
        ids = [row[0] for row in cursor.fetchall()]
        times = [r.time_ns for r in batch.records]
        for payload in encode_notifications(replica_id, batch.part_id, ids, (min(times), max(times))):
            cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def _take_ids(cursor: Any, count: int) -> int:
    """Reserves `count` consecutive ids inside the write transaction; returns the first."""
    cursor.execute(_TAKE_IDS, (count,))
    cursor.execute(_NEXT_ID)
    return int(cursor.fetchone()[0]) - count


def _insert_sql(paramstyle: str, rows: int, *, with_id: bool) -> str:
    columns = ("id", *_COLUMNS) if with_id else _COLUMNS
    row_values = "(" + ", ".join([PLACEHOLDERS[paramstyle]] * len(columns)) + ")"
    return f"INSERT INTO log_entry ({', '.join(columns)}) VALUES " + ", ".join([row_values] * rows)


def _row(r: LogRecord) -> tuple[str, int, str, str, bytes]:
    return (r.part_id, r.time_ns, _text_column(r.level), search_text(r.message), r.payload)


def search_text(message: str) -> str:
    """What `filter` matches against: the message case-folded (see models.LogEntry)."""
    return _text_column(message.casefold())


def _text_column(text: str) -> str:
    """PostgreSQL text can't hold U+0000. The columns are only searchable copies;
    the entry itself (the payload) keeps every character."""
    return text.replace("\x00", "\ufffd")


def _resolve(future: asyncio.Future[None], action: Callable[[asyncio.Future[None]], None]) -> None:
    if not future.done():
        action(future)
