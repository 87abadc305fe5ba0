"""Log ingest: 10 machines pushing batches of 100 through RobotService/Log, vs sqlite3 executemany.

Baseline (same run, same schema, same rows, same pragmas): one sqlite3
connection inserting each batch of 100 with executemany in its own
transaction. The machines are simulated by bench/loadgen (Go; `go build`
fetches its modules from the Go module proxy on first use).
Run: .venv/bin/python bench/bench_log_ingest.py [--batches 300]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from fleet_bench import run_loadgen, start_fleet
from generated.viam.app.v1 import robot_pb2
from generated.viam.common.v1 import common_pb2
from google.protobuf import struct_pb2
from sqlalchemy import text

from server.db.engine import open_engine
from server.db.migrations import migrate

MACHINES = 10
BATCH = 100
Row = tuple[str, int, str, str, bytes]  # a log_entry row: part_id, time_ns, level, search_text, entry
# {p}: the driver's placeholder (sqlite3 "?", psycopg "%s").
INSERT_SQL = "INSERT INTO log_entry (part_id, time_ns, level, search_text, entry) VALUES ({p},{p},{p},{p},{p})"
# SQLite's log table has no rowid: rows carry their id (see server/db/models.py LogEntry).
INSERT_NUMBERED_SQL = "INSERT INTO log_entry (id, part_id, time_ns, level, search_text, entry) VALUES (?,?,?,?,?,?)"


def numbered(rows: list[Row], first_id: int) -> list[tuple[object, ...]]:
    return [(first_id + index, *row) for index, row in enumerate(rows)]


def make_batch(machine: int, batch: int) -> list[common_pb2.LogEntry]:
    entries = []
    for i in range(BATCH):
        entry = common_pb2.LogEntry(
            host=f"machine-{machine}", level="info" if i % 10 else "error", logger_name="rdk.resource_manager",
            message=f"batch {batch} entry {i}: motor speed nominal", stack="",
        )
        entry.time.FromNanoseconds(time.time_ns())
        caller = struct_pb2.Struct()
        caller.update({"File": "resource_manager.go", "Line": 120 + i, "Defined": True})
        entry.caller.CopyFrom(caller)
        entries.append(entry)
    return entries


def server_run(batches: int) -> float:
    """entries/s through RobotService/Log. The machines are a Go process (bench/loadgen), as
    real machines run Viam's Go RDK; a Python client would take much of the 2-core box's CPU
    from the server it measures. Requests are serialized before the clock starts."""
    fleet = start_fleet(MACHINES)
    try:
        pushes = [
            (machine, [robot_pb2.LogRequest(id=machine.part_id, logs=make_batch(m, b)).SerializeToString() for b in range(batches)])
            for m, machine in enumerate(fleet.machines)
        ]
        return run_loadgen(fleet.server.address, pushes) * BATCH
    finally:
        fleet.server.stop()


def prepare_baseline_database(url: str) -> None:
    """The server's schema, migrated, with one organization/location/robot and the parts p0..p9 the rows point at."""
    engine = open_engine(url)
    migrate(engine)
    created = {"created_on": datetime(2026, 1, 1, tzinfo=timezone.utc)}
    with engine.begin() as connection:
        # Named columns: the tables gain columns over time.
        connection.execute(text(
            "INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o','o','r','{}',:created_on)"
        ), created)
        connection.execute(text(
            "INSERT INTO location (id, organization_id, name, region, metadata_json, created_on) VALUES ('l','o','l','r','{}',:created_on)"
        ), created)
        connection.execute(text(
            "INSERT INTO robot (id, location_id, name, metadata_json, created_on) VALUES ('r','l','r','{}',:created_on)"
        ), created)
        connection.execute(text(
            "INSERT INTO robot_part (id, robot_id, name, dns_name, main_part, config_json, metadata_json, created_on, last_updated)"
            " VALUES (:id,'r',:id,:id,:main,'{}','{}',:created_on,:created_on)"
        ), [{"id": f"p{m}", "main": m == 0, **created} for m in range(MACHINES)])
    engine.dispose()


def baseline_rows(batches: int) -> list[list[Row]]:
    """The server run's entries as log_entry rows, one list per batch of 100."""
    return [
        [(f"p{m}", e.time.ToNanoseconds(), e.level, e.message.casefold(), e.SerializeToString()) for e in make_batch(m, b)]
        for m in range(MACHINES)
        for b in range(batches)
    ]


def time_batches(insert_batch: Callable[[list[Row]], None], batches: int, *, with_ids: bool = False) -> float:
    """entries/s of insert_batch (one transaction per call) over the baseline rows
    (numbered from 1 before the clock starts, `with_ids`)."""
    rows = baseline_rows(batches)
    if with_ids:
        rows = [numbered(batch, 1 + index * BATCH) for index, batch in enumerate(rows)]  # type: ignore[misc]
    started = time.perf_counter()
    for batch in rows:
        insert_batch(batch)
    return len(rows) * BATCH / (time.perf_counter() - started)


def baseline_run(batches: int) -> float:
    path = Path(tempfile.mkdtemp(prefix="fleet-bench-sqlite-")) / "fleet.db"
    prepare_baseline_database(f"sqlite:///{path}")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")

    def insert_batch(batch: list[Row]) -> None:
        connection.execute("BEGIN")
        connection.executemany(INSERT_NUMBERED_SQL, batch)
        connection.execute("COMMIT")

    try:
        return time_batches(insert_batch, batches, with_ids=True)
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=300, help="batches of 100 per machine")
    args = parser.parse_args()
    baseline = baseline_run(args.batches)
    served = server_run(args.batches)
    print(f"entries: {MACHINES} machines x {args.batches} batches x {BATCH}")
    print(f"baseline sqlite3 executemany, one commit per batch: {baseline:,.0f} entries/s")
    print(f"fleet-server RobotService/Log (group commit):       {served:,.0f} entries/s")
    print(f"ratio server/baseline: {served / baseline:.2f}x (target >= 1.0x)")


if __name__ == "__main__":
    main()
