"""GetRobotPartLogs: a page of 100 over many rows across 1000 parts, with and without filters.

Rows are bulk-loaded into the server's database first (the issue's figure is
10M rows: --rows 10000000; the default is smaller to stay quick). Baseline:
the same page fetched by sqlite3 directly from the same file in the same run.
Run: .venv/bin/python bench/bench_log_query.py [--rows 1000000] [--queries 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
from collections.abc import Callable

import grpc

from bench_log_ingest import INSERT_NUMBERED_SQL, Row, numbered
from fleet_bench import percentile, start_fleet
from generated.viam.app.v1 import app_pb2, app_pb2_grpc
from generated.viam.common.v1 import common_pb2

PARTS = 1000
LEVELS = ["debug", "info", "info", "info", "warn", "error"]
WORDS = ["motor", "camera", "arm", "gripper", "lidar", "battery", "wheel", "sensor"]
FILTERS: list[tuple[str, dict]] = [
    ("no filter", {}),
    ("levels=[error]", {"levels": ["error"]}),
    ("filter='camera'", {"filter": "camera"}),
    ("levels=[warn,error] + filter='lidar'", {"levels": ["warn", "error"], "filter": "lidar"}),
    # The worst case: nothing matches, so the part's whole history is read.
    ("filter='no such text' (reads every entry)", {"filter": "no such text"}),
]
# What the server's unfiltered page amounts to; {p}: the driver's placeholder.
PAGE_SQL = "SELECT id, part_id, time_ns, level, search_text, entry FROM log_entry WHERE part_id = {p} ORDER BY time_ns DESC, id DESC LIMIT 101"


def load_rows(insert_chunk: Callable[[list[Row]], None], part_ids: list[str], rows: int, chunk: int = 100_000) -> None:
    """Generates `rows` log_entry rows over the past week, round-robin over the parts, and hands them over in chunks."""
    rng = random.Random(7)
    start_ns = time.time_ns() - 7 * 86400 * 10**9
    step = 7 * 86400 * 10**9 // rows
    for offset in range(0, rows, chunk):
        batch = []
        for i in range(offset, min(rows, offset + chunk)):
            level = LEVELS[rng.randrange(len(LEVELS))]
            # Every part gets every word (i // parts, not i: with 1000 parts and 8 words,
            # i % 8 would give each part a single word and most filters no match at all).
            message = f"{WORDS[i // len(part_ids) % len(WORDS)]} {i}: reading {rng.random():.4f}"
            entry = common_pb2.LogEntry(level=level, message=message, host="h", logger_name="rdk")
            entry.time.FromNanoseconds(start_ns + i * step)
            batch.append((part_ids[i % len(part_ids)], start_ns + i * step, level, message.casefold(), entry.SerializeToString()))
        insert_chunk(batch)


def load_rows_sqlite(db_path: str, part_ids: list[str], rows: int) -> None:
    connection = sqlite3.connect(db_path, isolation_level=None)
    connection.execute("PRAGMA busy_timeout=30000")

    def insert_chunk(batch: list[Row]) -> None:
        connection.execute("BEGIN IMMEDIATE")  # ids from the server's sequence, as its writer takes them
        next_id = connection.execute("SELECT next_id FROM log_sequence").fetchone()[0]
        connection.executemany(INSERT_NUMBERED_SQL, numbered(batch, next_id))
        connection.execute("UPDATE log_sequence SET next_id = ?", (next_id + len(batch),))
        connection.execute("COMMIT")

    load_rows(insert_chunk, part_ids, rows)
    connection.execute("ANALYZE")
    connection.close()


async def time_queries(address: str, metadata, part_ids: list[str], queries: int, **filters) -> list[float]:  # type: ignore[no-untyped-def]
    async with grpc.aio.insecure_channel(address) as channel:
        app = app_pb2_grpc.AppServiceStub(channel)
        rng = random.Random(1)
        samples = []
        for _ in range(queries):
            request = app_pb2.GetRobotPartLogsRequest(id=rng.choice(part_ids), limit=100, **filters)
            started = time.perf_counter()
            response = await app.GetRobotPartLogs(request, metadata=metadata)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.logs or filters, "every part has entries"
        return samples


def direct_sql(connection, part_ids: list[str], queries: int, placeholder: str = "?") -> list[float]:  # type: ignore[no-untyped-def]
    """The unfiltered page, on a DB-API connection (sqlite3 or psycopg: both have execute())."""
    rng = random.Random(1)
    samples = []
    for _ in range(queries):
        started = time.perf_counter()
        connection.execute(PAGE_SQL.format(p=placeholder), (rng.choice(part_ids),)).fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def time_filters(address: str, metadata, part_ids: list[str], queries: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    """Latency samples (ms) of GetRobotPartLogs per filter combination."""
    return {label: asyncio.run(time_queries(address, metadata, part_ids, queries, **filters)) for label, filters in FILTERS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    fleet = start_fleet(PARTS)
    try:
        part_ids = [m.part_id for m in fleet.machines]
        db_path = str(fleet.server.data_dir / "fleet.db")
        started = time.perf_counter()
        load_rows_sqlite(db_path, part_ids, args.rows)
        print(f"loaded {args.rows:,} rows over {PARTS} parts in {time.perf_counter() - started:.1f}s")
        connection = sqlite3.connect(db_path)
        base = direct_sql(connection, part_ids, args.queries)
        connection.close()
        print(f"baseline sqlite3 page of 101: p50 {percentile(base, 0.5):.2f} ms, p99 {percentile(base, 0.99):.2f} ms")
        for label, samples in time_filters(fleet.server.address, fleet.owner_metadata, part_ids, args.queries).items():
            p50 = percentile(samples, 0.5)
            print(f"GetRobotPartLogs {label:<38} p50 {p50:6.2f} ms, p99 {percentile(samples, 0.99):6.2f} ms"
                  f" ({p50 / percentile(base, 0.5):.1f}x baseline; target p50 <= 3 ms)")
    finally:
        fleet.server.stop()


if __name__ == "__main__":
    main()
