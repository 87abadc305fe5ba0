"""The log writer process (server/logs/writer_process.py): what callers see when it fails or
falls behind, large groups, and its lifetime.

Each test runs a server of its own, since some of them stop or kill that server's writer.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest

from conftest import Fleet, RunningServer, auth_metadata, invalid, open_channel, start_bootstrapped_server
from generated.viam.app.v1 import app_pb2, robot_pb2
from generated.viam.common.v1 import common_pb2
from harness import ServerProcess, bootstrap
from test_logs import Machine, as_machine, entry, new_machine, recent_base, stored_messages

LogEntry = common_pb2.LogEntry


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            pass  # a thread that ended while we looked has no children to report
    return found


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


@contextmanager
def writer_stopped(running: RunningServer) -> Iterator[None]:
    """SIGSTOPs the writer (a stalled disk, as the server sees it) and lets it go on at the end."""
    pid = writer_pid(running)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def log_future(machine: Machine, message: str, time_ns: int) -> grpc.Future:  # type: ignore[type-arg]
    request = robot_pb2.LogRequest(id=machine.part_id, logs=[entry(message, time_ns=time_ns)])
    return machine.robot.Log.future(request, metadata=machine.md, timeout=60)


QUEUE_WAIT_S = 3.0  # for every call sent to reach the (stopped) writer's queue; each takes about a millisecond


def test_a_group_from_more_than_500_machines_is_stored(own: tuple[RunningServer, Fleet]) -> None:
    """Batches from 550 machines, queued while the writer is stopped, become one group; its
    credential check once exceeded SQLite's 500 terms in one compound SELECT and failed them all."""
    running, fleet = own
    tree = fleet.new_tree()
    part_ids = [fleet.call("NewRobotPart", robot_id=tree.robot_id, part_name=f"part-{i}").part_id for i in range(550)]
    machines = [as_machine(fleet, part_id) for part_id in part_ids]
    base = recent_base()
    with writer_stopped(running):
        futures = [log_future(machine, f"from {machine.part_id}", base) for machine in machines]
        time.sleep(QUEUE_WAIT_S)
    failed = [(f.code(), f.details()) for f in futures if f.exception() is not None]
    assert failed == []
    for machine in machines:
        assert stored_messages(fleet, machine.part_id) == [f"from {machine.part_id}"]


def test_a_stalled_writer_refuses_batches_past_the_queue_bound(tmp_path: Path) -> None:
    """With FLEET_LOG_QUEUE_BYTES reached, Log answers UNAVAILABLE at once, stores nothing for that
    call, and the batches already queued are stored when the writer goes on."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    boot = bootstrap(data_dir, "Queue Org")
    running = RunningServer(ServerProcess(data_dir, extra_env={"FLEET_LOG_QUEUE_BYTES": "20000"}).start(), boot, data_dir)
    channel = open_channel(running.server.address)
    try:
        fleet = Fleet(channel, auth_metadata(channel, boot), boot)
        machine = new_machine(fleet)
        base = recent_base()
        payload = "x" * 1000  # about 1 KB a batch: the 21st can't be queued
        with writer_stopped(running):
            futures = [log_future(machine, f"{i} {payload}", base + i) for i in range(30)]
            time.sleep(QUEUE_WAIT_S)
            refused = [i for i, f in enumerate(futures) if f.done()]
            codes = {futures[i].code() for i in refused}
        assert codes == {grpc.StatusCode.UNAVAILABLE}, codes
        assert 5 <= len(refused) <= 20, refused  # the bound is bytes: about 19 batches fit
        for future in futures:
            future.exception()  # wait for every call
        accepted = [i for i in range(30) if i not in refused]
        assert all(futures[i].code() == grpc.StatusCode.OK for i in accepted)
        stored = stored_messages(fleet, machine.part_id, order=app_pb2.LOG_ORDER_ASCENDING)
        assert [int(message.split()[0]) for message in stored] == accepted
        machine.log([entry("after", time_ns=base + 100)])  # and it takes batches again
    finally:
        channel.close()
        running.server.stop()


def test_the_writer_ends_with_the_server(tmp_path: Path) -> None:
    running = start_bootstrapped_server(tmp_path / "data")
    try:
        pid = writer_pid(running)
    finally:
        assert running.server.stop() == 0
    assert wait_until_gone(pid), "writer outlived the server"


def test_a_writer_that_dies_at_start_is_restarted_after_a_growing_pause(own: tuple[RunningServer, Fleet]) -> None:
    """Writers killed before they answer anything look like writers that fail to start (a
    database they can't open): the next start waits 0.5 s, then 1 s, then 2 s, with Log
    answering UNAVAILABLE meanwhile, instead of a new process for every call."""
    running, fleet = own
    machine = new_machine(fleet)
    assert running.server.process is not None
    outcomes: list[tuple[grpc.StatusCode, str]] = []
    sending = threading.Event()
    sending.set()

    def send() -> None:
        attempt = 0
        while sending.is_set():
            attempt += 1
            try:
                machine.log([entry(f"try {attempt}", time_ns=recent_base() + attempt)])
                outcomes.append((grpc.StatusCode.OK, ""))
                return
            except grpc.RpcError as error:
                outcomes.append((error.code(), error.details() or ""))
            time.sleep(0.02)

    sender = threading.Thread(target=send, daemon=True)
    killed_at: list[float] = []
    started_at: list[float] = []
    seen: set[int] = set()
    try:
        sender.start()
        deadline = time.monotonic() + 30
        while len(started_at) < 4 and time.monotonic() < deadline:
            for pid in set(children(running.server.process.pid)) - seen:
                started_at.append(time.monotonic())
                seen.add(pid)
                if len(killed_at) < 3:  # long before it could answer: its imports alone take most of a second
                    os.kill(pid, signal.SIGKILL)
                    killed_at.append(time.monotonic())
            time.sleep(0.005)
        assert len(started_at) == 4, f"only {len(started_at)} writers were started within 30 s"
        sender.join(timeout=30)  # the fourth writer is left alone: the call it takes succeeds
    finally:
        sending.clear()
        sender.join(timeout=30)
    # The first was the writer started with the server.
    for index, pause in enumerate((0.5, 1.0, 2.0)):
        waited = started_at[index + 1] - killed_at[index]
        assert pause - 0.05 <= waited <= pause + 5, (index, waited)
    codes = {code for code, _ in outcomes[:-1]}
    assert codes == {grpc.StatusCode.UNAVAILABLE}, outcomes
    assert any("failed to start" in details for _, details in outcomes), outcomes
    assert outcomes[-1][0] == grpc.StatusCode.OK
    assert stored_messages(fleet, machine.part_id) == [f"try {len(outcomes)}"]
