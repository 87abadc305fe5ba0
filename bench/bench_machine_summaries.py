"""ListMachineSummaries over an organization of 10k machines x 2 parts (target: <= 1 s).

The fleet is bulk-loaded straight into the running server's SQLite database
(WAL mode lets it write beside the server); every other machine has checked in
recently, and every main part uses a fragment. Baseline, in the same run: the
same rows read with one plain sqlite3 query, i.e. the database's share.
Run: .venv/bin/python bench/bench_machine_summaries.py [--machines 10000] [--parts 2] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc

from generated.viam.app.v1 import app_pb2, app_pb2_grpc

def bulk_load(
    database_url: str, location_id: str, machines: int, parts_per_machine: int, fragment_id: str | None = None, prefix: str = "m"
) -> None:
    """Inserts machines with their parts (and part_fragment rows) in one transaction, on either backend."""
    from sqlalchemy import create_engine, insert

    from server.db.models import PartFragment, Robot, RobotPart

    now = datetime.now(UTC)
    fresh, stale = now, now - timedelta(hours=1)
    robots, parts, uses = [], [], []
    for index in range(machines):
        robot_id = str(uuid.uuid4())
        robots.append({"id": robot_id, "location_id": location_id, "name": f"{prefix}{index:06d}", "metadata_json": "{}",
                       "created_on": stale, "last_access": fresh})
        for number in range(parts_per_machine):
            part_id = str(uuid.uuid4())
            main = number == 0
            parts.append({
                "id": part_id, "robot_id": robot_id, "name": f"part{number}", "dns_name": f"{prefix}{index:06d}-part{number}",
                "main_part": main, "config_json": f'{{"fragments":["{fragment_id}"]}}' if main and fragment_id else "{}",
                "metadata_json": "{}", "created_on": stale, "last_updated": stale,
                "last_access": fresh if index % 2 == 0 else None, "restart_requested": False,
            })
            if main and fragment_id:
                uses.append({"part_id": part_id, "fragment_id": fragment_id, "version": None})
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(Robot.__table__), robots)  # type: ignore[attr-defined]
            connection.execute(insert(RobotPart.__table__), parts)  # type: ignore[attr-defined]
            if uses:
                connection.execute(insert(PartFragment.__table__), uses)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def baseline_seconds(database: Path, organization_id: str) -> float:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        started = time.perf_counter()
        rows = connection.execute(
            "SELECT l.id, l.name, r.id, r.name, p.id, p.name, p.main_part, p.dns_name, p.last_access, p.agent_info"
            " FROM location l JOIN robot r ON r.location_id = l.id JOIN robot_part p ON p.robot_id = r.id"
            " WHERE l.organization_id = ? ORDER BY l.name, l.id, r.name, r.id, p.main_part DESC, p.name, p.id",
            (organization_id,),
        ).fetchall()
        assert rows
        return time.perf_counter() - started
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--machines", type=int, default=10_000)
    parser.add_argument("--parts", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from fleet_bench import start_fleet  # sets up sys.path; tests import bulk_load without it

    fleet = start_fleet(0)
    try:
        database = fleet.server.data_dir / "fleet.db"
        options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        with grpc.insecure_channel(fleet.server.address, options=options) as channel:
            app = app_pb2_grpc.AppServiceStub(channel)
            fragment = app.CreateFragment(
                app_pb2.CreateFragmentRequest(organization_id=fleet.organization_id, name="bench"), metadata=fleet.owner_metadata
            ).fragment
            started = time.perf_counter()
            bulk_load(f"sqlite:///{database}", fleet.location_id, args.machines, args.parts, fragment.id)
            print(f"loaded {args.machines} machines x {args.parts} parts in {time.perf_counter() - started:.1f} s")
            request = app_pb2.ListMachineSummariesRequest(organization_id=fleet.organization_id)
            timings, size = [], 0
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = app.ListMachineSummaries(request, metadata=fleet.owner_metadata, timeout=60)
                timings.append(time.perf_counter() - started)
                size = response.ByteSize()
            machines = sum(len(loc.machine_summaries) for loc in response.location_summaries)
            parts = sum(len(m.part_summaries) for loc in response.location_summaries for m in loc.machine_summaries)
            assert machines == args.machines and parts == args.machines * args.parts, (machines, parts)
            filtered = app.ListMachineSummaries(
                app_pb2.ListMachineSummariesRequest(organization_id=fleet.organization_id, fragment_ids=[fragment.id], limit=100),
                metadata=fleet.owner_metadata,
            )
            assert sum(len(loc.machine_summaries) for loc in filtered.location_summaries) == 100
        base = min(baseline_seconds(database, fleet.organization_id) for _ in range(args.repeat))
        best, median = min(timings), statistics.median(timings)
        print(f"ListMachineSummaries: {machines} machines, {parts} parts, {size / 1e6:.1f} MB response")
        print(f"  best {best * 1000:.0f} ms, median {median * 1000:.0f} ms over {args.repeat} calls (target <= 1000 ms)")
        print(f"  baseline (plain sqlite3 query of the same rows): {base * 1000:.0f} ms")
        print(f"  {'PASS' if median <= 1.0 else 'FAIL'}")
    finally:
        fleet.server.stop()


if __name__ == "__main__":
    main()
