"""Database engine and the one-transaction-per-call unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
# pg_advisory_xact_lock key every writing transaction takes (any constant; "FLEETWRT").
POSTGRES_WRITE_LOCK_KEY = 0x464C454554575254
POSTGRES_POOL_SIZE = 20
# A write-ahead log that grew while a long read held back checkpoints is cut
# back to this size when it is next reset, instead of keeping its peak size on disk.
SQLITE_WAL_LIMIT_BYTES = 64 << 20


def open_engine(database_url: str, *, sqlite_mmap_bytes: int = 0) -> Engine:
    """`sqlite_mmap_bytes`: SQLite's PRAGMA mmap_size (0: plain reads)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        engine = create_engine(database_url, pool_pre_ping=True, pool_size=POSTGRES_POOL_SIZE, max_overflow=POSTGRES_POOL_SIZE)
        _configure_postgres(engine)
        return engine
    if url.get_backend_name() != "sqlite":
        raise ValueError(f"unsupported database {url.get_backend_name()!r}: use sqlite:///PATH or postgresql+psycopg://...")
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        database_url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        # unit_of_work always commits or rolls back, so the pool's own rollback on return is redundant.
        pool_reset_on_return=None,
    )
    _configure_sqlite(engine, sqlite_mmap_bytes)
    return engine


def _configure_sqlite(engine: Engine, mmap_bytes: int) -> None:
    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's
        # implicit transactions would defer it and break BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged write survives power loss, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT_BYTES}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA mmap_size={int(mmap_bytes)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection) -> None:  # type: ignore[no-untyped-def]
        # Writers take the write lock up front, so two writers never deadlock
        # upgrading a read lock (SQLITE_BUSY with no retry).
        mode = "BEGIN IMMEDIATE" if connection.get_execution_options().get("fleet_write") else "BEGIN"
        # On the driver cursor: SQLAlchemy's statement machinery cost as much as the statement.
        cursor = connection.connection.cursor()
        cursor.execute(mode)
        cursor.close()


def _configure_postgres(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def begin(connection) -> None:  # type: ignore[no-untyped-def]
        # Writers run one at a time, across every replica, as on SQLite: the
        # domain's read-check-write steps (stale updates, last owner, unique
        # names) then need no retry loop. Log ingest and retention don't take it.
        if connection.get_execution_options().get("fleet_serialized"):
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({POSTGRES_WRITE_LOCK_KEY})")


@contextmanager
def unit_of_work(engine: Engine, *, write: bool, serialized: bool = True) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back on any exception.

    `serialized` (PostgreSQL, writers): wait for the write lock every replica shares. Only
    writes that no domain check reads (deleting expired logs) go without it."""
    with engine.connect() as connection:
        options: dict[str, object] = {"fleet_write": write, "fleet_serialized": write and serialized}
        if engine.dialect.name == "postgresql":
            # Readers see one snapshot, as on SQLite. Writers read committed data
            # after taking the write lock (a snapshot taken before would be stale).
            options["isolation_level"] = "READ COMMITTED" if write else "REPEATABLE READ"
        connection = connection.execution_options(**options)
        with Session(bind=connection, expire_on_commit=False) as session:
            with session.begin():
                yield session
