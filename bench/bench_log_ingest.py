"""Log ingest: 10 machines pushing batches of 100 through RobotService/Log, vs sqlite3 executemany.

Baseline (same run, same schema, same rows, same pragmas): one sqlite3
connection inserting each batch of 100 with executemany in its own
transaction. Run: .venv/bin/python bench/bench_log_ingest.py [--batches 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

import grpc

from fleet_bench import start_fleet
from generated.viam.app.v1 import robot_pb2
from generated.viam.common.v1 import common_pb2
from google.protobuf import struct_pb2

from server.db.engine import open_engine
from server.db.migrations import migrate

MACHINES = 10
BATCH = 100


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


async def server_run(batches: int) -> float:
    fleet = start_fleet(MACHINES)
    try:
        # Requests are serialized up front so the client's Python cost stays out of the figure.
        payloads = [
            [
                robot_pb2.LogRequest(id=fleet.machines[m].part_id, logs=make_batch(m, b)).SerializeToString()
                for b in range(batches)
            ]
            for m in range(MACHINES)
        ]
        async with grpc.aio.insecure_channel(fleet.server.address) as channel:
            log_call = channel.unary_unary("/viam.app.v1.RobotService/Log")  # bytes in, bytes out

            async def push(index: int) -> None:
                machine = fleet.machines[index]
                for request in payloads[index]:
                    await log_call(request, metadata=machine.metadata)

            await push(0)  # warm-up: connections, caches, the writer task
            started = time.perf_counter()
            await asyncio.gather(*(push(i) for i in range(MACHINES)))
            elapsed = time.perf_counter() - started
        return MACHINES * batches * BATCH / elapsed
    finally:
        fleet.server.stop()


def baseline_run(batches: int) -> float:
    path = Path(tempfile.mkdtemp(prefix="fleet-bench-sqlite-")) / "fleet.db"
    migrate(open_engine(f"sqlite:///{path}"))
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    # Named columns: the tables gain columns over time.
    connection.execute(
        "INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o','o','r','{}','2026-01-01')"
    )
    connection.execute(
        "INSERT INTO location (id, organization_id, name, region, metadata_json, created_on) VALUES ('l','o','l','r','{}','2026-01-01')"
    )
    connection.execute("INSERT INTO robot (id, location_id, name, metadata_json, created_on) VALUES ('r','l','r','{}','2026-01-01')")
    for m in range(MACHINES):
        connection.execute(
            "INSERT INTO robot_part (id, robot_id, name, dns_name, main_part, config_json, metadata_json, created_on, last_updated)"
            f" VALUES ('p{m}','r','p{m}','p{m}',0,'{{}}','{{}}','2026-01-01','2026-01-01')"
        )
    rows = [
        [(f"p{m}", e.time.ToNanoseconds(), e.level, e.message, e.SerializeToString()) for e in make_batch(m, b)]
        for m in range(MACHINES)
        for b in range(batches)
    ]
    started = time.perf_counter()
    for batch in rows:
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO log_entry (part_id, time_ns, level, message, entry) VALUES (?,?,?,?,?)",
            batch,
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return len(rows) * BATCH / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=200, help="batches of 100 per machine")
    args = parser.parse_args()
    baseline = baseline_run(args.batches)
    served = asyncio.run(server_run(args.batches))
    print(f"entries: {MACHINES} machines x {args.batches} batches x {BATCH}")
    print(f"baseline sqlite3 executemany, one commit per batch: {baseline:,.0f} entries/s")
    print(f"fleet-server RobotService/Log (group commit):       {served:,.0f} entries/s")
    print(f"ratio server/baseline: {served / baseline:.2f}x (target >= 1.0x)")


if __name__ == "__main__":
    main()
