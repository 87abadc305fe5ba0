"""Log retention and, on PostgreSQL, log partition upkeep, in the background.

Expired entries go in two ways. On PostgreSQL, whole day partitions that ended
before the cutoff are dropped (server/db/log_partitions.py). What is left (all of
it on SQLite) is deleted in small batches, each its own short write transaction,
so ingest (which needs the same write lock on SQLite) waits at most one batch.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import Engine, delete, select, tuple_

from server.db import log_partitions
from server.db.engine import unit_of_work
from server.db.models import LogEntry

log = logging.getLogger(__name__)
BATCH_ROWS = 2000


def delete_expired_batch(engine: Engine, cutoff_ns: int) -> int:
    with unit_of_work(engine, write=True) as session:
        # (id, time_ns) rather than id alone: on PostgreSQL it is the primary key
        # of every partition, so each row is found without probing all of them.
        oldest = select(LogEntry.id, LogEntry.time_ns).where(LogEntry.time_ns < cutoff_ns).limit(BATCH_ROWS)
        result = session.execute(delete(LogEntry).where(tuple_(LogEntry.id, LogEntry.time_ns).in_(oldest)))
        return int(result.rowcount or 0)


async def purge_expired(engine: Engine, max_age_seconds: float) -> int:
    """Deletes the batches left after any partition drops; returns the rows deleted that way."""
    cutoff_ns = time.time_ns() - int(max_age_seconds * 1e9)
    if engine.dialect.name == "postgresql":
        dropped = await asyncio.to_thread(log_partitions.drop_expired_partitions, engine, cutoff_ns)
        if dropped:
            log.info("log retention dropped %d day partitions: %s", len(dropped), ", ".join(dropped))
    total = 0
    while True:
        deleted = await asyncio.to_thread(delete_expired_batch, engine, cutoff_ns)
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
