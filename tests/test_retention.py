"""Log retention through real calls: a server keeping one day of logs, upkeep every half second.

On PostgreSQL it also checks the day partitions: made ahead, and dropped once expired.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import Fleet, auth_metadata, open_channel
from harness import TEST_POSTGRES_URL, ServerProcess, bootstrap, effective_database_url
from server.logs.retention import POSTGRES_RETENTION_LOCK_KEY
from test_logs import as_machine, entry, stored_messages

DAY_NS = 86_400 * 10**9
HOUR_NS = 3600 * 10**9


@pytest.fixture(scope="module")
def keeping_one_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, Path]]:
    data_dir = tmp_path_factory.mktemp("retention") / "data"
    data_dir.mkdir(parents=True)
    boot = bootstrap(data_dir, "Retention Org")
    process = ServerProcess(
        data_dir, extra_env={"FLEET_LOG_RETENTION_DAYS": "1", "FLEET_LOG_RETENTION_INTERVAL_SECONDS": "0.5"}
    ).start()
    channel = open_channel(process.address)
    try:
        yield Fleet(channel, auth_metadata(channel, boot), boot), data_dir
    finally:
        channel.close()
        process.stop()


def _wait_for(predicate, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_expired_entries_are_deleted_and_recent_ones_kept(keeping_one_day: tuple[Fleet, Path]) -> None:
    fleet, _ = keeping_one_day
    tree = fleet.new_tree()
    machine = as_machine(fleet, fleet.main_part(tree.robot_id).id)
    now = time.time_ns()
    expired = [entry(f"old {i}", time_ns=now - 3 * DAY_NS + i) for i in range(4500)]  # more than one delete batch
    machine.log_many(expired)
    machine.log([entry("a day and a half ago", time_ns=now - 36 * HOUR_NS), entry("an hour ago", time_ns=now - HOUR_NS),
                 entry("in an hour", time_ns=now + HOUR_NS)])
    machine.log([entry("ingest goes on while retention runs")])
    assert _wait_for(lambda: stored_messages(fleet, machine.part_id) == [
        "in an hour", "ingest goes on while retention runs", "an hour ago"]), stored_messages(fleet, machine.part_id)[:5]


def test_every_machines_expired_entries_go(keeping_one_day: tuple[Fleet, Path]) -> None:
    """Several parts, some with more than a delete batch: on SQLite retention walks part by part."""
    fleet, _ = keeping_one_day
    tree = fleet.new_tree()
    machines = [as_machine(fleet, fleet.main_part(tree.robot_id).id)]
    machines += [as_machine(fleet, fleet.new_part(tree.robot_id)) for _ in range(3)]
    now = time.time_ns()
    for index, machine in enumerate(machines):
        machine.log_many([entry(f"old {i}", time_ns=now - 2 * DAY_NS + i) for i in range(300 + 1200 * index)])
        machine.log([entry(f"recent {index}", time_ns=now - HOUR_NS)])
    for index, machine in enumerate(machines):
        assert _wait_for(lambda: stored_messages(fleet, machine.part_id) == [f"recent {index}"]), index


@pytest.mark.skipif(not TEST_POSTGRES_URL, reason="day partitions exist on PostgreSQL only")
def test_day_partitions_are_made_ahead_and_dropped_when_expired(keeping_one_day: tuple[Fleet, Path]) -> None:
    fleet, data_dir = keeping_one_day
    today = time.time_ns() // DAY_NS
    engine = create_engine(effective_database_url(data_dir))
    try:
        def days() -> set[int]:
            with engine.connect() as connection:
                rows = connection.execute(text(
                    "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = to_regclass('log_entry')"
                )).scalars()
                return {int(bound.split("('")[1].split("'")[0]) // DAY_NS for bound in rows if "FROM" in bound}

        assert {today - 1, today, today + 1, today + 2} <= days(), "one day kept: from yesterday to two days ahead"
        with engine.begin() as connection:  # an expired day, as if the server had run two days ago
            connection.execute(text(
                f"CREATE TABLE log_entry_expired_day PARTITION OF log_entry FOR VALUES FROM ({(today - 3) * DAY_NS}) TO ({(today - 2) * DAY_NS})"
            ))
        # Its name is not a day partition's, so upkeep must not drop it by age alone: only day partitions go.
        time.sleep(1.5)
        assert today - 3 in days()
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE log_entry_expired_day"))
            connection.execute(text(
                f"CREATE TABLE log_entry_p{time.strftime('%Y%m%d', time.gmtime((today - 3) * 86_400))} PARTITION OF log_entry"
                f" FOR VALUES FROM ({(today - 3) * DAY_NS}) TO ({(today - 2) * DAY_NS})"
            ))
        assert _wait_for(lambda: today - 3 not in days()), "an expired day partition is dropped"
    finally:
        engine.dispose()


@pytest.mark.skipif(not TEST_POSTGRES_URL, reason="replicas share a database on PostgreSQL only")
def test_one_replica_at_a_time_runs_retention(keeping_one_day: tuple[Fleet, Path]) -> None:
    """While another replica holds the retention lock (here: this test), this server skips its
    passes; once the lock is free, its next pass deletes what expired."""
    fleet, data_dir = keeping_one_day
    machine = as_machine(fleet, fleet.main_part(fleet.new_tree().robot_id).id)
    engine = create_engine(effective_database_url(data_dir))
    try:
        with engine.connect() as other_replica:
            other_replica.execute(text(f"SELECT pg_advisory_lock({POSTGRES_RETENTION_LOCK_KEY})"))
            other_replica.commit()
            now = time.time_ns()
            machine.log([entry("expired", time_ns=now - 2 * DAY_NS), entry("kept", time_ns=now - HOUR_NS)])
            time.sleep(2.0)  # four upkeep intervals
            assert stored_messages(fleet, machine.part_id) == ["kept", "expired"]
            other_replica.execute(text(f"SELECT pg_advisory_unlock({POSTGRES_RETENTION_LOCK_KEY})"))
            other_replica.commit()
        assert _wait_for(lambda: stored_messages(fleet, machine.part_id) == ["kept"]), stored_messages(fleet, machine.part_id)
    finally:
        engine.dispose()
