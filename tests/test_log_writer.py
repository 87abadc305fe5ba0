"""The log writer process (server/logs/writer_process.py): what callers see when it fails, and its lifetime.

Each test runs a server of its own, since one of them kills that server's writer.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from conftest import Fleet, RunningServer, auth_metadata, invalid, open_channel, start_bootstrapped_server
from generated.viam.common.v1 import common_pb2
from test_logs import entry, new_machine, recent_base, stored_messages

LogEntry = common_pb2.LogEntry


def children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()]


def writer_pid(running: RunningServer) -> int:
    """The server's one child process: its log writer (started with the server)."""
    assert running.server.process is not None
    deadline = time.monotonic() + 10
    while not (found := children(running.server.process.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(found) == 1, f"expected one writer process, found {found}"
    return found[0]


def wait_until_gone(pid: int, timeout_s: float = 30) -> bool:
    """Waits for a process to exit (a zombie counts as gone); False if it is still running at the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[RunningServer, Fleet]]:
    running = start_bootstrapped_server(tmp_path / "data")
    channel = open_channel(running.server.address)
    try:
        yield running, Fleet(channel, auth_metadata(channel, running.boot), running.boot)
    finally:
        channel.close()
        running.server.stop()


def test_a_killed_writer_fails_calls_as_unavailable_and_is_replaced(own: tuple[RunningServer, Fleet]) -> None:
    running, fleet = own
    machine = new_machine(fleet)
    base = recent_base()
    machine.log([entry("before", time_ns=base)])
    first = writer_pid(running)
    os.kill(first, signal.SIGKILL)
    codes = []
    for attempt in range(20):
        try:
            machine.log([entry(f"after {attempt}", time_ns=base + 1 + attempt)])
            break
        except grpc.RpcError as error:
            codes.append(error.code())
            time.sleep(0.05)
    else:
        pytest.fail(f"ingest never recovered after the writer was killed: {codes}")
    # A batch that met the dead writer is refused as retryable, never acknowledged and lost.
    assert set(codes) <= {grpc.StatusCode.UNAVAILABLE}, codes
    assert writer_pid(running) != first
    stored = stored_messages(fleet, machine.part_id)
    assert stored[-1] == "before" and stored[0] == f"after {len(codes)}"
    assert len(stored) == 2


def test_an_invalid_entry_refuses_its_batch_only(own: tuple[RunningServer, Fleet]) -> None:
    _, fleet = own
    machine, other = new_machine(fleet), new_machine(fleet)
    base = recent_base()
    bad = entry("bad time", time_ns=base)
    bad.time.nanos = -1  # outside Timestamp's range: refused, not clamped
    with invalid("logs"):
        machine.log([entry("good", time_ns=base), bad])
    other.log([entry("unaffected", time_ns=base)])
    assert stored_messages(fleet, machine.part_id) == []
    assert stored_messages(fleet, other.part_id) == ["unaffected"]


def test_the_writer_ends_with_the_server(tmp_path: Path) -> None:
    running = start_bootstrapped_server(tmp_path / "data")
    try:
        pid = writer_pid(running)
    finally:
        assert running.server.stop() == 0
    assert wait_until_gone(pid), "writer outlived the server"
