"""Deletes log entries older than the retention age, in small batches, in the background.

Each batch is its own short write transaction, so ingest (which needs the
same write lock on SQLite) waits at most one batch.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import Engine, delete, select

from server.db.engine import unit_of_work
from server.db.models import LogEntry

log = logging.getLogger(__name__)
BATCH_ROWS = 2000
RETENTION_INTERVAL_SECONDS = 600


def delete_expired_batch(engine: Engine, cutoff_ns: int) -> int:
    with unit_of_work(engine, write=True) as session:
        oldest = select(LogEntry.id).where(LogEntry.time_ns < cutoff_ns).limit(BATCH_ROWS)
        result = session.execute(delete(LogEntry).where(LogEntry.id.in_(oldest)))  # type: ignore[union-attr]
        return int(result.rowcount or 0)


async def purge_expired(engine: Engine, max_age_seconds: float) -> int:
    cutoff_ns = time.time_ns() - int(max_age_seconds * 1e9)
    total = 0
    while True:
        deleted = await asyncio.to_thread(delete_expired_batch, engine, cutoff_ns)
        total += deleted
        if deleted < BATCH_ROWS:
            return total
        await asyncio.sleep(0.01)  # let waiting writers in between batches


async def run_retention(engine: Engine, max_age_seconds: float, interval_seconds: float) -> None:
    while True:
        try:
            deleted = await purge_expired(engine, max_age_seconds)
            if deleted:
                log.info("log retention deleted %d entries older than %.0fs", deleted, max_age_seconds)
        except Exception:
            log.exception("log retention pass failed; retrying next interval")
        await asyncio.sleep(interval_seconds)
