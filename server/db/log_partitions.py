"""PostgreSQL only: log_entry partitioned by UTC day of `time_ns`, so retention drops whole days.

Deleting rows one batch at a time runs at roughly 10-20k rows/s (bench/bench_backends.py),
which a busy fleet's ingest can outpace; dropping a day's partition takes milliseconds
whatever its size. Partitions exist from the oldest day retention keeps to two days
ahead. Entries outside that window (a machine with a wrong clock, logs older than
the window when they arrive) go to the default partition, which retention prunes in
small batches.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from server.db.engine import unit_of_work

log = logging.getLogger(__name__)
DAY_NS = 86_400 * 10**9
DAYS_AHEAD = 2
_PREFIX = "log_entry_p"
_NAME = re.compile(rf"^{_PREFIX}(\d{{8}})$")

# Same columns as models.LogEntry. Unlike SQLite's table (clustered by part), this one
# has a serial id, an index per query shape, and a primary key that includes the partition key.
_CREATE = (
    "CREATE TABLE log_entry ("
    " id BIGSERIAL NOT NULL,"
    " part_id VARCHAR NOT NULL REFERENCES robot_part (id) ON DELETE CASCADE,"
    " time_ns BIGINT NOT NULL,"
    " level VARCHAR NOT NULL,"
    " search_text VARCHAR NOT NULL,"
    " entry BYTEA NOT NULL,"
    " PRIMARY KEY (id, time_ns)"
    ") PARTITION BY RANGE (time_ns)",
    "CREATE INDEX ix_log_entry_part_time ON log_entry (part_id, time_ns, id)",
    "CREATE INDEX ix_log_entry_time ON log_entry (time_ns)",
    "CREATE TABLE log_entry_default PARTITION OF log_entry DEFAULT",
)


def create_partitioned_log_table(connection: Connection) -> None:
    for statement in _CREATE:
        connection.execute(text(statement))


def is_partitioned(connection: Connection) -> bool:
    kind = connection.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('log_entry')")).scalar()
    return kind == "p"


def day_of(time_ns: int) -> int:
    return time_ns // DAY_NS


def partition_name(day: int) -> str:
    return _PREFIX + datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y%m%d")


def _day_from_name(name: str) -> int | None:
    match = _NAME.match(name)
    if not match:
        return None
    stamp = datetime.strptime(match.group(1), "%Y%m%d").replace(tzinfo=UTC)
    return int(stamp.timestamp()) // 86_400


def existing_partitions(connection: Connection) -> dict[int, str]:
    """Day -> partition name, for the day partitions of log_entry."""
    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass('log_entry')"
        )
    ).scalars()
    days = {}
    for name in rows:
        day = _day_from_name(name)
        if day is not None:
            days[day] = name
    return days


def ensure_partitions(engine: Engine, now_ns: int, keep_seconds: float) -> list[str]:
    """Creates the missing day partitions from the oldest kept day to DAYS_AHEAD; returns their names.

    A day whose rows already sit in the default partition can't get its own
    (PostgreSQL refuses); it stays in the default partition, with a warning.
    """
    with unit_of_work(engine, write=False) as session:
        connection = session.connection()
        if not is_partitioned(connection):
            return []
        existing = existing_partitions(connection)
    today = day_of(now_ns)
    first = day_of(now_ns - int(keep_seconds * 1e9)) if keep_seconds > 0 else today - 1
    created = []
    for day in range(first, today + DAYS_AHEAD + 1):
        if day in existing:
            continue
        name = partition_name(day)
        try:
            with unit_of_work(engine, write=True) as session:
                session.execute(
                    text(
                        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF log_entry"
                        f" FOR VALUES FROM ({day * DAY_NS}) TO ({(day + 1) * DAY_NS})"
                    )
                )
            created.append(name)
        except DBAPIError as error:
            log.warning("log partition %s not created (its entries stay in log_entry_default): %s", name, error.orig)
    return created


def drop_expired_partitions(engine: Engine, cutoff_ns: int) -> list[str]:
    """Drops every day partition that ends at or before the cutoff: all its entries are expired."""
    dropped = []
    with unit_of_work(engine, write=True) as session:
        connection = session.connection()
        if not is_partitioned(connection):
            return []
        for day, name in sorted(existing_partitions(connection).items()):
            if (day + 1) * DAY_NS <= cutoff_ns:
                connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
                dropped.append(name)
    return dropped
