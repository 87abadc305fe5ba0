"""kill -9 during sustained log ingest: acknowledged batches survive, retries duplicate only unacknowledged ones.

Several machines push numbered batches through RobotService/Log, each over
its own channel, while the server is SIGKILLed. After a restart on the same
data directory every acknowledged batch must be stored exactly once, every
unacknowledged batch wholly or not at all, and the SQLite file must pass
`PRAGMA integrity_check`. Then each machine retries its unacknowledged
batches (Log has no idempotency key, so ingest is at-least-once): every batch
ends up stored, and only a batch whose acknowledgement was lost may be
stored twice.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import grpc

from conftest import Fleet, auth_metadata, open_channel, start_bootstrapped_server
from generated.viam.app.v1 import app_pb2, robot_pb2, robot_pb2_grpc
from harness import ServerProcess
from test_log_writer import wait_until_gone, writer_pid
from test_logs import LogEntry, Machine, all_logs, entry, new_machine

MACHINES = 4
BATCH_ENTRIES = 50
MIN_INGEST_S = 1.0
MIN_ACKED_BATCHES = 20
CALL_TIMEOUT_S = 10


@dataclass
class Sender:
    """One machine's batches, by number: acknowledged (OK received) or not."""

    machine: Machine
    acked: list[int] = field(default_factory=list)
    unacked: list[int] = field(default_factory=list)

    def batch(self, number: int) -> list[LogEntry]:
        return [entry(f"batch {number} entry {i}") for i in range(BATCH_ENTRIES)]

    def send(self, stub: robot_pb2_grpc.RobotServiceStub, number: int) -> None:
        request = robot_pb2.LogRequest(id=self.machine.part_id, logs=self.batch(number))
        stub.Log(request, metadata=self.machine.md, timeout=CALL_TIMEOUT_S)

    def run(self, address: str) -> None:
        """Sends batch after batch until the server is gone (that batch is unacknowledged).

        No stop flag: one checked between calls would let a sender whose last call
        succeeded just before the kill end with no unacknowledged batch."""
        channel = grpc.insecure_channel(address)
        stub = robot_pb2_grpc.RobotServiceStub(channel)
        try:
            number = 0
            while True:
                try:
                    self.send(stub, number)
                except grpc.RpcError:
                    self.unacked.append(number)
                    return
                self.acked.append(number)
                number += 1
        finally:
            channel.close()


def copies_per_batch(fleet: Fleet, part_id: str) -> Counter[int]:
    """How many times each batch's entries are stored; asserts batches are never partly stored."""
    entries, _ = all_logs(fleet, part_id, limit=1000, order=app_pb2.LOG_ORDER_ASCENDING)
    per_entry = Counter(e.message for e in entries)
    per_batch: dict[int, list[int]] = {}
    for message, count in per_entry.items():
        per_batch.setdefault(int(message.split()[1]), []).append(count)
    for number, counts in per_batch.items():
        assert len(counts) == BATCH_ENTRIES and len(set(counts)) == 1, f"batch {number} is partly stored: {counts}"
    return Counter({number: counts[0] for number, counts in per_batch.items()})


def sqlite_file(data_dir) -> str | None:  # type: ignore[no-untyped-def]
    """The SQLite database the server used, or None when it ran on another backend (e.g. PostgreSQL)."""
    url = os.environ.get("FLEET_DATABASE_URL", "")
    if url and not url.startswith("sqlite"):
        return None
    path = url.removeprefix("sqlite:///") if url else str(data_dir / "fleet.db")
    return path if os.path.exists(path) else None


def connect(server: ServerProcess, boot) -> tuple[grpc.Channel, Fleet]:  # type: ignore[no-untyped-def]
    channel = open_channel(server.address)
    return channel, Fleet(channel, auth_metadata(channel, boot), boot)


def test_kill_9_mid_ingest_keeps_acknowledged_batches(tmp_path) -> None:
    running = start_bootstrapped_server(tmp_path / "data", "Crash Org")
    first = running.server
    try:
        channel, fleet = connect(first, running.boot)
        try:
            senders = [Sender(new_machine(fleet)) for _ in range(MACHINES)]
        finally:
            channel.close()
        writer = writer_pid(running)
        threads = [threading.Thread(target=s.run, args=(first.address,), daemon=True) for s in senders]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        while time.monotonic() - started < MIN_INGEST_S or sum(len(s.acked) for s in senders) < MIN_ACKED_BATCHES:
            assert time.monotonic() - started < 20, "ingest too slow to reach the kill point"
            assert all(t.is_alive() for t in threads), f"a sender stopped before the kill: {[s.unacked for s in senders]}"
            time.sleep(0.05)
        assert first.process is not None
        first.process.kill()  # SIGKILL, mid-ingest: every sender is between calls or in one
        first.process.wait()
        for thread in threads:
            thread.join(CALL_TIMEOUT_S + 5)
            assert not thread.is_alive()
        # The orphaned log writer finishes the group it was writing, then exits: counted
        # before that, a batch could seem to appear between two reads after the restart.
        wait_until_gone(writer)
    finally:
        first.stop()

    for sender in senders:
        assert sender.acked and len(sender.unacked) == 1, (sender.acked[-3:], sender.unacked)

    restarted = ServerProcess(running.data_dir).start()
    try:
        channel, fleet = connect(restarted, running.boot)
        try:
            lost_acks = 0
            for sender in senders:
                stored = copies_per_batch(fleet, sender.machine.part_id)
                assert all(stored[n] == 1 for n in sender.acked), "an acknowledged batch is missing or doubled"
                assert set(stored) <= set(sender.acked) | set(sender.unacked)
                lost_acks += sum(1 for n in sender.unacked if stored[n])  # written, but the OK never arrived

            # A client retries what was not acknowledged: at least once, duplicates only where the ack was lost.
            stub = robot_pb2_grpc.RobotServiceStub(channel)
            for sender in senders:
                for number in sender.unacked:
                    sender.send(stub, number)
            duplicates = 0
            for sender in senders:
                stored = copies_per_batch(fleet, sender.machine.part_id)
                assert all(stored[n] == 1 for n in sender.acked), "a retry doubled an acknowledged batch"
                assert all(stored[n] in (1, 2) for n in sender.unacked)
                duplicates += sum(1 for n in sender.unacked if stored[n] == 2)
            assert duplicates == lost_acks
        finally:
            channel.close()
    finally:
        assert restarted.stop() == 0

    database = sqlite_file(running.data_dir)
    if database is not None:
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    acked = sum(len(s.acked) for s in senders)
    print(f"\ncrash: {acked} batches acknowledged before kill -9, {MACHINES} unacknowledged, {duplicates} stored twice after retry")
