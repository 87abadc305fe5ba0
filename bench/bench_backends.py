"""The logs figures on SQLite and PostgreSQL side by side, each against its own in-run baseline.

Ingest: 10 machines pushing batches of 100 through RobotService/Log (entries/s);
baseline: the same rows inserted by the driver itself with executemany, one
commit per batch (sqlite3 / psycopg), into a fresh database with the same schema.
Query: GetRobotPartLogs page of 100 over --rows rows across 1000 parts (no
filter / levels / substring / both; p50/p99); baseline: the same SELECT ...
LIMIT 101 run directly on the server's database. Retention: purge_expired run
in-process on that database, removing the older half of the rows (rows/s;
on PostgreSQL mostly by dropping whole day partitions).
Starts (and stops) its own PostgreSQL cluster with scripts/local-postgres.sh.
Run: .venv/bin/python bench/bench_backends.py [--batches 100] [--rows 300000] [--queries 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench_log_ingest import (
    BATCH, INSERT_SQL, MACHINES, Row, baseline_run, prepare_baseline_database, server_run, time_batches,
)
from bench_log_query import FILTERS, PARTS, direct_sql, load_rows, load_rows_sqlite, time_filters
from fleet_bench import database_url, harness, local_postgres, percentile, start_fleet
from server.db.engine import open_engine, unit_of_work
from server.db.models import LogEntry
from server.logs.replication import driver_dsn
from server.logs.retention import BATCH_ROWS, purge_expired

WEEK_SECONDS = 7 * 86400  # load_rows spreads the rows over the past week


@dataclass
class Figures:
    ingest_baseline: float = 0.0
    ingest_server: float = 0.0
    load_seconds: float = 0.0
    query_baseline: list[float] = field(default_factory=list)
    queries: dict[str, list[float]] = field(default_factory=dict)
    purged_rows: int = 0
    purge_seconds: float = 0.0


def postgres_ingest_baseline(batches: int) -> float:
    url = harness.database_url(Path(tempfile.mkdtemp(prefix="fleet-bench-pg-baseline-")) / "data")
    assert url, "needs harness.TEST_POSTGRES_URL"
    prepare_baseline_database(url)
    with psycopg.connect(driver_dsn(url)) as connection:

        def insert_batch(batch: list[Row]) -> None:
            with connection.cursor() as cursor:
                cursor.executemany(INSERT_SQL.format(p="%s"), batch)
            connection.commit()

        return time_batches(insert_batch, batches)


def load_rows_postgres(url: str, part_ids: list[str], rows: int) -> None:
    with psycopg.connect(driver_dsn(url)) as connection:

        def insert_chunk(batch: list[Row]) -> None:
            with connection.cursor() as cursor:
                with cursor.copy("COPY log_entry (part_id, time_ns, level, search_text, entry) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            connection.commit()

        load_rows(insert_chunk, part_ids, rows)
        connection.execute("ANALYZE log_entry")
        connection.commit()


def query_baseline(url: str, part_ids: list[str], queries: int) -> list[float]:
    if make_url(url).get_backend_name() == "postgresql":
        with psycopg.connect(driver_dsn(url), autocommit=True) as connection:
            return direct_sql(connection, part_ids, queries, placeholder="%s")
    connection = sqlite3.connect(make_url(url).database)
    try:
        return direct_sql(connection, part_ids, queries)
    finally:
        connection.close()


def time_retention(url: str, figures: Figures) -> None:
    """Deletes the older half of the loaded rows (the server is stopped, so nothing else writes)."""
    engine = open_engine(url)

    def count() -> int:
        with unit_of_work(engine, write=False) as session:
            return session.execute(select(func.count()).select_from(LogEntry)).scalar_one()

    try:
        before = count()
        started = time.perf_counter()
        asyncio.run(purge_expired(engine, WEEK_SECONDS / 2))  # on PostgreSQL most rows go with their day partition
        figures.purge_seconds = time.perf_counter() - started
        left = count()
        figures.purged_rows = before - left
        assert figures.purged_rows and left, f"expected about half deleted: {figures.purged_rows} deleted, {left} left"
    finally:
        engine.dispose()


def run_backend(postgres: bool, args: argparse.Namespace) -> Figures:
    figures = Figures()
    figures.ingest_baseline = postgres_ingest_baseline(args.batches) if postgres else baseline_run(args.batches)
    figures.ingest_server = server_run(args.batches)
    fleet = start_fleet(PARTS)
    url = database_url(fleet.server.data_dir)
    try:
        part_ids = [m.part_id for m in fleet.machines]
        started = time.perf_counter()
        if postgres:
            load_rows_postgres(url, part_ids, args.rows)
        else:
            load_rows_sqlite(make_url(url).database, part_ids, args.rows)
        figures.load_seconds = time.perf_counter() - started
        figures.query_baseline = query_baseline(url, part_ids, args.queries)
        figures.queries = time_filters(fleet.server.address, fleet.owner_metadata, part_ids, args.queries)
    finally:
        fleet.server.stop()
    time_retention(url, figures)
    return figures


def report(args: argparse.Namespace, sqlite: Figures, postgres: Figures) -> None:
    both = (sqlite, postgres)
    print(f"{'':<56}{'SQLite':>20}{'PostgreSQL':>20}")
    print(f"ingest: {MACHINES} machines x {args.batches} batches x {BATCH} entries")
    print(f"{'  baseline executemany, one commit per batch':<56}" + "".join(f"{f.ingest_baseline:>14,.0f} ent/s" for f in both))
    print(f"{'  RobotService/Log':<56}" + "".join(f"{f.ingest_server:>14,.0f} ent/s" for f in both))
    print(f"{'  ratio server/baseline (target >= 1.0x)':<56}" + "".join(f"{f.ingest_server / f.ingest_baseline:>19.2f}x" for f in both))
    print(f"query: page of 100 over {args.rows:,} rows across {PARTS} parts, {args.queries} queries; p50 / p99 ms (p50 ratio to baseline)")
    print(f"{'  rows loaded in':<56}" + "".join(f"{f.load_seconds:>19.1f}s" for f in both))
    print(f"{'  baseline SELECT ... LIMIT 101':<56}" + "".join(
        f"{percentile(f.query_baseline, 0.5):>9.2f} /{percentile(f.query_baseline, 0.99):>7.2f}   " for f in both))
    for label, _ in FILTERS:
        cells = []
        for f in both:
            p50 = percentile(f.queries[label], 0.5)
            cells.append(f"{p50:>6.2f} /{percentile(f.queries[label], 0.99):>6.2f} ({p50 / percentile(f.query_baseline, 0.5):>3.0f}x)")
        print(f"  GetRobotPartLogs {label:<37}" + "".join(f"{c:>20}" for c in cells))
    print(f"retention: purge_expired removing the older half (SQLite: batches of {BATCH_ROWS} with 10 ms pauses;"
          " PostgreSQL: expired day partitions dropped, the rest in batches)")
    print(f"{'  rows removed':<56}" + "".join(f"{f.purged_rows:>20,}" for f in both))
    print(f"{'  seconds':<56}" + "".join(f"{f.purge_seconds:>19.2f}s" for f in both))
    rates = [f.purged_rows / f.purge_seconds for f in both]
    print(f"{'  rows/s':<56}" + "".join(f"{r:>14,.0f} rows/s" for r in rates))
    # For the partitioning decision: a day of ingest at 10k entries/s is 864M rows.
    print(f"{'  hours to purge one day of 10k entries/s ingest':<56}" + "".join(f"{864e6 / r / 3600:>19.1f}h" for r in rates))
    ratio = postgres.ingest_server / sqlite.ingest_server
    print(f"PostgreSQL/SQLite: ingest {ratio:.2f}x, no-filter query p50 "
          f"{percentile(postgres.queries['no filter'], 0.5) / percentile(sqlite.queries['no filter'], 0.5):.2f}x, "
          f"retention {rates[1] / rates[0]:.2f}x")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=100, help="ingest batches of 100 per machine")
    parser.add_argument("--rows", type=int, default=300_000, help="log rows loaded for the query and retention figures")
    parser.add_argument("--queries", type=int, default=200, help="queries per filter combination")
    args = parser.parse_args()
    harness.TEST_POSTGRES_URL = ""  # the SQLite run uses DIR/fleet.db whatever the environment says
    sqlite = run_backend(False, args)
    with local_postgres():
        postgres = run_backend(True, args)
    report(args, sqlite, postgres)


if __name__ == "__main__":
    main()
