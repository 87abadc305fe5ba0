"""Log retention and, on PostgreSQL, log partition upkeep, in the background.

Expired entries go in two ways. On PostgreSQL, whole day partitions that ended
before the cutoff are dropped (server/db/log_partitions.py), and what is left is
deleted in small batches through the time index. SQLite's table is clustered by
part (see models.LogEntry), so there each part's expired entries, a contiguous
range, are deleted part by part. Every batch is its own short write transaction,
so ingest (which needs the same write lock on SQLite) waits at most one batch.
On PostgreSQL one replica at a time runs a pass (the others skip theirs), and
its deletes don't take the write lock the replicas' other writes share.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Engine, delete, select, text, tuple_

from server.db import log_partitions
from server.db.engine import unit_of_work
from server.db.models import LogEntry

log = logging.getLogger(__name__)
BATCH_ROWS = 2000
# pg_try_advisory_lock key of the replica running retention (any constant; "FLEETRTN").
POSTGRES_RETENTION_LOCK_KEY = 0x464C45455452544E


# The oldest expired entries of one part, at most :last + 1 of them (entries
# sharing the last one's time go too, so a batch may be slightly larger).
_SQLITE_PART_BATCH = text(
    "DELETE FROM log_entry WHERE part_id = :part AND time_ns < :cutoff AND time_ns <= COALESCE("
    "(SELECT time_ns FROM log_entry WHERE part_id = :part AND time_ns < :cutoff ORDER BY time_ns LIMIT 1 OFFSET :last), :cutoff)"
)
# Every stored entry belongs to an existing part (deleting a part deletes its logs).
_PARTS_FROM = text("SELECT id FROM robot_part WHERE id > :after ORDER BY id LIMIT :parts")
SQLITE_PARTS_PER_BATCH = 200


def delete_expired_sqlite_batch(engine: Engine, cutoff_ns: int, after_part: str) -> tuple[int, str | None]:
    """Deletes up to about BATCH_ROWS expired entries, part by part from `after_part` on.
    Returns the rows deleted and the part to continue after (None once every part is done)."""
    deleted = 0
    with unit_of_work(engine, write=True) as session:
        parts = session.execute(_PARTS_FROM, {"after": after_part, "parts": SQLITE_PARTS_PER_BATCH}).scalars().all()
        for part_id in parts:
            budget = BATCH_ROWS - deleted
            result = session.execute(_SQLITE_PART_BATCH, {"part": part_id, "cutoff": cutoff_ns, "last": budget - 1})
            deleted += int(result.rowcount or 0)
            if deleted >= BATCH_ROWS:
                # This part may have more: continue with it (after the part before it).
                return deleted, _previous(parts, part_id, after_part)
    return deleted, (parts[-1] if len(parts) == SQLITE_PARTS_PER_BATCH else None)


def _previous(parts: list[str], part_id: str, after_part: str) -> str:
    index = parts.index(part_id)
    return parts[index - 1] if index else after_part


def delete_expired_postgres_batch(engine: Engine, cutoff_ns: int) -> int:
    """Up to BATCH_ROWS expired entries, oldest first, through the time index."""
    with unit_of_work(engine, write=True, serialized=False) as session:
        # (id, time_ns) rather than id alone: on PostgreSQL it is the primary key
        # of every partition, so each row is found without probing all of them.
        oldest = select(LogEntry.id, LogEntry.time_ns).where(LogEntry.time_ns < cutoff_ns).limit(BATCH_ROWS)
        result = session.execute(delete(LogEntry).where(tuple_(LogEntry.id, LogEntry.time_ns).in_(oldest)))
        return int(result.rowcount or 0)


@asynccontextmanager
async def _retention_turn(engine: Engine) -> AsyncIterator[bool]:
    """PostgreSQL: True while this replica holds the retention lock (on a connection of its
    own, for the whole pass); False if another replica holds it."""
    connection: Any = await asyncio.to_thread(engine.raw_connection)
    try:
        cursor = await asyncio.to_thread(connection.cursor().execute, f"SELECT pg_try_advisory_lock({POSTGRES_RETENTION_LOCK_KEY})")
        held = bool(cursor.fetchone()[0])
        await asyncio.to_thread(connection.commit)
        try:
            yield held
        finally:
            if held:
                try:
                    await asyncio.to_thread(connection.cursor().execute, f"SELECT pg_advisory_unlock({POSTGRES_RETENTION_LOCK_KEY})")
                    await asyncio.to_thread(connection.commit)
                except BaseException:
                    connection.invalidate()  # its session ends, and the lock with it: not back into the pool holding it
                    raise
    finally:
        await asyncio.to_thread(connection.close)


async def purge_expired(engine: Engine, max_age_seconds: float) -> int:
    """Deletes the batches left after any partition drops; returns the rows deleted that way."""
    cutoff_ns = time.time_ns() - int(max_age_seconds * 1e9)
    if engine.dialect.name == "postgresql":
        async with _retention_turn(engine) as mine:
            if not mine:
                log.debug("log retention: another replica is running it; skipping this pass")
                return 0
            return await _purge_postgres(engine, cutoff_ns)
    total = 0
    after: str | None = ""
    while after is not None:
        deleted, after = await asyncio.to_thread(delete_expired_sqlite_batch, engine, cutoff_ns, after)
        total += deleted
        await asyncio.sleep(0.01)  # let waiting writers in between batches
    return total


async def _purge_postgres(engine: Engine, cutoff_ns: int) -> int:
    dropped = await asyncio.to_thread(log_partitions.drop_expired_partitions, engine, cutoff_ns)
    if dropped:
        log.info("log retention dropped %d day partitions: %s", len(dropped), ", ".join(dropped))
    total = 0
    while True:
        deleted = await asyncio.to_thread(delete_expired_postgres_batch, engine, cutoff_ns)
        total += deleted
        if deleted < BATCH_ROWS:
            return total
        await asyncio.sleep(0.01)  # let waiting writers in between batches


async def prepare_partitions(engine: Engine, max_age_seconds: float) -> None:
    if engine.dialect.name == "postgresql":
        created = await asyncio.to_thread(log_partitions.ensure_partitions, engine, time.time_ns(), max_age_seconds)
        if created:
            log.info("created %d log partitions (%s .. %s)", len(created), created[0], created[-1])


async def run_log_upkeep(engine: Engine, max_age_seconds: float, interval_seconds: float) -> None:
    """Every interval: partitions for the days ahead, then retention (max age 0 keeps logs forever)."""
    while True:
        try:
            await prepare_partitions(engine, max_age_seconds)
            if max_age_seconds > 0:
                deleted = await purge_expired(engine, max_age_seconds)
                if deleted:
                    log.info("log retention deleted %d entries older than %.0fs", deleted, max_age_seconds)
        except Exception:
            log.exception("log upkeep pass failed; retrying next interval")
        await asyncio.sleep(interval_seconds)
