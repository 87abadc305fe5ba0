"""The log writer's own process: group commits of log batches, away from the server's GIL.

The server (server/logs/writer.py) sends each batch as a frame on this
process's stdin. The process writes every batch that has arrived by the time
it starts a group in one transaction, commits (one fsync), and answers with
one frame on stdout giving each batch's outcome.

Why a process: inside the server, the writer thread had to win the GIL back
from the event loop after every statement, so the database sat idle while
calls were being parsed, and ingest stalled near 40k entries/s with neither
thread busy. Here the database work runs on its own core.

Frames are a 4-byte little-endian length and a pickle. In: first the
configuration, then batches `(seq, credential_id, part_id, received_ns,
entry count, serialized LogRequest)`. Out: lists of `(seq, outcome)` (see Outcome). The
process also turns the requests into rows (server/logs/entries.py), which
takes that per-entry work off the event loop too. The
process ends when its stdin closes, after writing what it has read; it
ignores SIGINT and SIGTERM, which reach it along with the server on Ctrl-C or
a service manager's stop, so that the server's drain decides when it ends.

Run by the server: python -m server.logs.writer_process
"""

from __future__ import annotations

import signal

if __name__ == "__main__":
    # Before the imports below, which take most of a second: a Ctrl-C or a service
    # manager's stop meanwhile must not end the writer before the server's drain does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

import logging
import os
import pickle
import select
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from server.db.credentials import existing_machine_credentials
from server.db.driver_sql import PLACEHOLDERS
from server.db.engine import open_engine
from server.domain.errors import InvalidArgument
from server.logs.entries import log_rows
from server.logs.replication import CHANNEL, encode_notifications

log = logging.getLogger("server.logs.writer")

STORED = None
GONE = "gone"  # the part, or the secret its token was issued for, no longer exists
# STORED, GONE, ("invalid", field, description) for a batch refused as a whole,
# or ("failed", description) when the database write failed.
Outcome = str | tuple[str, ...] | None
MAX_GROUP_ROWS = 20_000
COLUMNS = ("part_id", "time_ns", "level", "search_text", "entry")
# At most 6 parameters a row: stays under SQLite's (and PostgreSQL's) bound-parameter limits.
ROWS_PER_STATEMENT = 1000
# SQLite's log table has no rowid (see models.LogEntry): ids are taken from log_sequence.
_TAKE_IDS = "UPDATE log_sequence SET next_id = next_id + ? WHERE id = 1"
_NEXT_ID = "SELECT next_id FROM log_sequence WHERE id = 1"
_HEADER = 4
_READ_BYTES = 1 << 20
CHECKPOINT_SECONDS = 0.5


def frame(message: Any) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return len(body).to_bytes(_HEADER, "little") + body


@dataclass(eq=False)
class Batch:
    seq: int
    credential_id: str
    part_id: str
    received_ns: int
    entries: int
    request: bytes  # the serialized LogRequest
    values: list[Any] = field(default_factory=list)  # five a row, in COLUMNS order
    refusal: Outcome = None  # set when the batch can't be stored at all

    def prepare(self) -> None:
        """Turns the request into rows, or sets why it can't be stored."""
        try:
            self.values = log_rows(self.part_id, self.request, self.received_ns)
        except InvalidArgument as error:
            self.refusal = ("invalid", error.field, error.description)
        except Exception as error:
            log.exception("reading a log batch failed")
            self.refusal = ("failed", f"{type(error).__name__}: {error}")


class GroupStore:
    """Writes groups of batches on one driver connection, one transaction a group."""

    def __init__(self, engine: Engine, replica_id: str | None):
        """`replica_id`: set when other replicas share the database (PostgreSQL); each stored
        batch is then announced to them (server/logs/replication.py)."""
        self._engine = engine
        self._replica_id = replica_id
        self._paramstyle: str = engine.dialect.paramstyle
        self._sqlite = engine.dialect.name == "sqlite"
        self._connection: Any = None
        # The store talks to the driver directly, so it meets the driver's own exception class.
        self._integrity_errors: tuple[type[Exception], ...] = (IntegrityError, engine.dialect.dbapi.IntegrityError)

    def store(self, group: list[Batch]) -> list[tuple[int, Outcome]]:
        """Stores the group's prepared batches in one transaction; an outcome for every batch."""
        refusals = [(batch.seq, batch.refusal) for batch in group if batch.refusal is not None]
        valid = [batch for batch in group if batch.refusal is None]
        return refusals + self._store_valid(valid) if valid else refusals

    def _store_valid(self, group: list[Batch]) -> list[tuple[int, Outcome]]:
        try:
            refused = self._insert(group)
        except self._integrity_errors as error:
            if not _missing_part(error):
                return self._failed(group, error)
            # A part deleted between the check and the insert (possible on PostgreSQL): retry one by one.
            if len(group) == 1:
                return [(group[0].seq, GONE)]
            return [outcome for batch in group for outcome in self._store_valid([batch])]
        except Exception as error:  # database down, disk full: every caller learns it
            return self._failed(group, error)
        return [(batch.seq, GONE if batch in refused else STORED) for batch in group]

    def _failed(self, group: list[Batch], error: Exception) -> list[tuple[int, Outcome]]:
        log.error("writing %d log batches failed", len(group), exc_info=error)
        self._reconnect()
        return [(batch.seq, ("failed", f"{type(error).__name__}: {error}")) for batch in group]

    def _reconnect(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                pass
            self._connection = None

    def _insert(self, group: list[Batch]) -> list[Batch]:
        """One transaction; returns the batches refused because their part or machine secret no longer exists."""
        if self._connection is None:
            self._connection = self._engine.raw_connection()
            if self._sqlite:
                # Checkpoints run on another connection (see _checkpoint_wal), not inside a commit.
                self._connection.cursor().execute("PRAGMA wal_autocheckpoint=0")
        connection = self._connection
        cursor = connection.cursor()
        try:
            if self._sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            existing = existing_machine_credentials(cursor, self._paramstyle, [(b.part_id, b.credential_id) for b in group])
            accepted = [batch for batch, exists in zip(group, existing) if exists]
            if self._replica_id is not None:
                for batch in accepted:
                    if batch.values:  # an empty batch only had its credential checked
                        self._insert_and_announce(cursor, batch, self._replica_id)
            else:
                self._insert_rows(cursor, accepted)
            connection.commit()
            return [batch for batch, exists in zip(group, existing) if not exists]
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()

    def _insert_rows(self, cursor: Any, batches: list[Batch]) -> None:
        values: list[Any] = []
        for batch in batches:
            values.extend(batch.values)
        rows = len(values) // len(COLUMNS)
        first_id = _take_ids(cursor, rows) if self._sqlite and rows else None
        for start in range(0, rows, ROWS_PER_STATEMENT):
            count = min(ROWS_PER_STATEMENT, rows - start)
            # One multi-row statement rather than executemany: one call into the driver, not one a row.
            chunk = values[start * len(COLUMNS) : (start + count) * len(COLUMNS)]
            if first_id is None:
                cursor.execute(insert_sql(self._paramstyle, count), chunk)
            else:
                cursor.execute(_numbered_insert_sql(count), [first_id + start, *chunk])

    def _insert_and_announce(self, cursor: Any, batch: Batch, replica_id: str) -> None:
        """One statement per batch (at most 1000 rows), so its ids come back for the notification."""
        cursor.execute(insert_sql(self._paramstyle, len(batch.values) // len(COLUMNS)) + " RETURNING id", batch.values)
        ids = [row[0] for row in cursor.fetchall()]
        times = batch.values[1 :: len(COLUMNS)]
        for payload in encode_notifications(replica_id, batch.part_id, ids, (min(times), max(times))):
            cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def _missing_part(error: Exception) -> bool:
    """A foreign-key violation: the part the rows point at was deleted. Any other
    integrity error (a clashing id, say) is a failure of the store, not of the caller."""
    cause = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's exception
    return getattr(cause, "sqlstate", None) == "23503" or "FOREIGN KEY constraint failed" in str(cause)


def _take_ids(cursor: Any, count: int) -> int:
    """Reserves `count` consecutive ids inside the write transaction; returns the first."""
    cursor.execute(_TAKE_IDS, (count,))
    cursor.execute(_NEXT_ID)
    return int(cursor.fetchone()[0]) - count


@lru_cache(maxsize=64)
def insert_sql(paramstyle: str, rows: int) -> str:
    row_values = "(" + ", ".join([PLACEHOLDERS[paramstyle]] * len(COLUMNS)) + ")"
    return f"INSERT INTO log_entry ({', '.join(COLUMNS)}) VALUES " + ", ".join([row_values] * rows)


@lru_cache(maxsize=64)
def _numbered_insert_sql(rows: int) -> str:
    """SQLite, with ids: parameter 1 is the first id and row k's id is `?1 + k`, so the
    rows' values go in as they are instead of with an id spliced into each row."""
    columns = ", ".join(("id", *COLUMNS))
    # A bare `?` takes the number after the largest used so far: 2..6 in row 0, 7..11 in row 1, …
    row_values = (f"(?1 + {k}, " + ", ".join(["?"] * len(COLUMNS)) + ")" for k in range(rows))
    return f"INSERT INTO log_entry ({columns}) VALUES " + ", ".join(row_values)


class FrameReader:
    """Frames from a pipe: waits for the first, then takes whatever else has already arrived."""

    def __init__(self, fd: int):
        self._fd = fd
        self._buffer = bytearray()
        self.closed = False

    def read(self, *, wait: bool) -> list[Any]:
        while wait and not self.closed and not self._has_frame():
            self._take(os.read(self._fd, _READ_BYTES))
        while not self.closed and select.select([self._fd], [], [], 0)[0]:
            self._take(os.read(self._fd, _READ_BYTES))
        return self._frames()

    def _take(self, chunk: bytes) -> None:
        if chunk:
            self._buffer += chunk
        else:
            self.closed = True

    def _has_frame(self) -> bool:
        return len(self._buffer) >= _HEADER and len(self._buffer) >= _HEADER + int.from_bytes(self._buffer[:_HEADER], "little")

    def _frames(self) -> list[Any]:
        frames, offset = [], 0
        buffer = self._buffer
        while len(buffer) - offset >= _HEADER:
            end = offset + _HEADER + int.from_bytes(buffer[offset : offset + _HEADER], "little")
            if end > len(buffer):
                break
            frames.append(pickle.loads(buffer[offset + _HEADER : end]))
            offset = end
        del buffer[:offset]
        return frames


def _take_group(pending: deque[Batch]) -> list[Batch]:
    """The batches that arrived while the last group was written, up to MAX_GROUP_ROWS, prepared."""
    group: list[Batch] = []
    rows = 0
    while pending and (not group or rows + pending[0].entries <= MAX_GROUP_ROWS):
        batch = pending.popleft()
        batch.prepare()
        group.append(batch)
        rows += batch.entries
    return group


def _checkpoint_wal(engine: Engine) -> None:
    """SQLite: copies the write-ahead log back into the database every CHECKPOINT_SECONDS,
    on a connection of its own. Left to the writer, a checkpoint ran inside every
    thousandth page's commit and held up that group (and every Log call in it) for
    10-20 ms. PASSIVE never blocks the writer; frames it can't copy yet wait for the next pass."""
    connection = engine.raw_connection()
    while True:
        time.sleep(CHECKPOINT_SECONDS)
        try:
            connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:
            log.exception("checkpointing the write-ahead log failed")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Outcomes go to the server on the original stdout; anything else printed goes to stderr.
    out = os.dup(1)
    os.dup2(2, 1)
    reader = FrameReader(0)
    configs = reader.read(wait=True)
    if not configs:
        return
    config, pending = configs[0], deque(Batch(*message) for message in configs[1:])
    engine = open_engine(config["database_url"], sqlite_mmap_bytes=config["sqlite_mmap_bytes"])
    store = GroupStore(engine, config["replica_id"])
    if engine.dialect.name == "sqlite":
        threading.Thread(target=_checkpoint_wal, args=(engine,), name="wal-checkpoint", daemon=True).start()
    while pending or not reader.closed:
        pending.extend(Batch(*message) for message in reader.read(wait=not pending))
        if pending:
            _write_all(out, frame(store.store(_take_group(pending))))


if __name__ == "__main__":
    main()
