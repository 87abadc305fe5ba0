"""Server limits: message sizes, the default deadline of unary calls, open streams per identity.

Each limit is exercised on a server started with a tiny value for it; the
message-size defaults are also checked on the shared server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from conftest import Fleet, bearer, new_key, open_channel, role, rpc_error
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2
from harness import ServerProcess, bootstrap
from test_logs import LogEntry, Machine, Tail, as_machine, entry, log_pages, new_machine

MiB = 1024 * 1024
DEFAULT_MAX_MESSAGE = 16 * MiB
TIGHT_MAX_MESSAGE = 1 * MiB
TIGHT_STREAMS = 2
TINY_DEADLINE_S = 0.001
RELEASE_WAIT_S = 10.0


def start_server(tmp_path_factory: pytest.TempPathFactory, name: str, env: dict[str, str]) -> Iterator[Fleet]:
    data_dir = tmp_path_factory.mktemp(name) / "data"
    data_dir.mkdir(parents=True)
    boot = bootstrap(data_dir, f"{name} org")
    process = ServerProcess(data_dir, extra_env=env).start()
    channel = open_channel(process.address)
    try:
        token = auth_pb2_grpc.AuthServiceStub(channel).Authenticate(
            auth_pb2.AuthenticateRequest(
                entity=boot.api_key_id, credentials=auth_pb2.Credentials(type="api-key", payload=boot.api_key)
            ),
            timeout=30,  # a bare Authenticate would meet the tiny default deadline too
        ).access_token
        yield Fleet(channel, bearer(token), boot)
    finally:
        channel.close()
        assert process.stop() == 0


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """1 MiB messages, 2 open streams per identity."""
    yield from start_server(
        tmp_path_factory,
        "tight-limits",
        {"FLEET_MAX_MESSAGE_BYTES": str(TIGHT_MAX_MESSAGE), "FLEET_MAX_STREAMS_PER_IDENTITY": str(TIGHT_STREAMS)},
    )


@pytest.fixture(scope="module")
def hurried(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """A 1 ms default deadline. Every helper call sets its own deadline, so only bare calls meet it."""
    yield from start_server(tmp_path_factory, "tiny-deadline", {"FLEET_DEFAULT_DEADLINE_SECONDS": str(TINY_DEADLINE_S)})


def padded(message: str, size: int) -> LogEntry:
    return entry(message, level="error", stack="goroutine 1 [running]:\n" + "x" * size)


def status_details(err: grpc.RpcError) -> tuple[error_details_pb2.ErrorInfo | None, error_details_pb2.QuotaFailure | None]:
    status = rpc_status.from_call(err)
    assert status is not None, f"no grpc-status-details-bin on {err.code().name}: {err.details()!r}"
    info = quota = None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
        elif detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            quota = error_details_pb2.QuotaFailure()
            detail.Unpack(quota)
    return info, quota


def stored_count(fleet: Fleet, part_id: str) -> int:
    """Entries stored for a part, paged by 10 so big entries stay under the client's receive limit."""
    count, token = 0, ""
    while True:
        page = fleet.call("GetRobotPartLogs", id=part_id, limit=10, page_token=token)
        count += len(page.logs)
        token = page.next_page_token
        if not token:
            return count


# =========================================================================== message sizes


def test_full_batch_with_stacks_fits_the_default_limit(fleet: Fleet) -> None:
    machine = new_machine(fleet)
    batch = [padded(f"big {i}", 8 * 1024) for i in range(1000)]
    size = app_pb2.GetRobotPartLogsResponse(logs=batch).ByteSize()
    assert size > 7 * MiB  # well over grpc's own 4 MiB default
    machine.log(batch)
    assert stored_count(fleet, machine.part_id) == 1000


def test_request_over_the_default_limit_is_resource_exhausted(fleet: Fleet) -> None:
    machine = new_machine(fleet)
    batch = [padded(f"huge {i}", 64 * 1024) for i in range(260)]  # ~16.3 MiB
    size = app_pb2.GetRobotPartLogsResponse(logs=batch).ByteSize()
    assert size > DEFAULT_MAX_MESSAGE
    with rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED):
        machine.log(batch)
    assert stored_count(fleet, machine.part_id) == 0
    machine.log([entry("still fine")])


def test_request_over_the_configured_limit_is_resource_exhausted(tight: Fleet) -> None:
    machine = new_machine(tight)
    with rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED) as e:
        machine.log([padded(f"over {i}", 16 * 1024) for i in range(80)])  # ~1.3 MiB
    assert "larger than max" in e.message
    machine.log([padded(f"under {i}", 16 * 1024) for i in range(50)])  # ~0.8 MiB
    assert stored_count(tight, machine.part_id) == 50


def test_pages_stop_early_to_fit_the_configured_limit(tight: Fleet) -> None:
    """A page of big entries ends before the message limit, with a token for the rest: nothing is lost."""
    machine = new_machine(tight)
    for batch in range(2):
        machine.log([padded(f"page {batch}-{i}", 16 * 1024) for i in range(40)])  # 2 x ~0.65 MiB
    pages = log_pages(tight, machine.part_id, limit=80)
    assert len(pages) >= 2 and all(page.ByteSize() < 1 * MiB for page in pages)
    assert sum(len(page.logs) for page in pages) == 80
    assert len({e.message for page in pages for e in page.logs}) == 80


def test_pages_fit_a_default_client_receive_limit(fleet: Fleet) -> None:
    machine = new_machine(fleet)
    machine.log([padded(f"wide {i}", 64 * 1024) for i in range(100)])  # ~6.5 MiB
    pages = log_pages(fleet, machine.part_id, limit=100)
    assert all(page.ByteSize() < 4 * MiB for page in pages), [page.ByteSize() for page in pages]
    assert sum(len(page.logs) for page in pages) == 100


# =========================================================================== default deadline


def slow_query(fleet: Fleet, machine: Machine) -> app_pb2.GetRobotPartLogsRequest:
    """A legitimately slow call: a substring filter that matches nothing scans all 20,000 entries (~30 ms)."""
    for batch in range(20):
        machine.log([entry(f"entry {batch}-{i} " + "y" * 80) for i in range(1000)])
    return app_pb2.GetRobotPartLogsRequest(id=machine.part_id, filter="matches-nothing", limit=1000)


def test_call_without_deadline_gets_the_server_default(hurried: Fleet) -> None:
    request = slow_query(hurried, new_machine(hurried))
    started = time.monotonic()
    with rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED) as e:
        hurried.app.GetRobotPartLogs(request, metadata=hurried.md)  # no timeout: the server's default applies
    assert "default of 0.001s" in e.message
    assert time.monotonic() - started < 5
    # the same call with its own deadline is not cut short
    assert len(hurried.app.GetRobotPartLogs(request, metadata=hurried.md, timeout=30).logs) == 0


def test_default_deadline_does_not_cut_tails(hurried: Fleet) -> None:
    machine = new_machine(hurried)
    call = hurried.app.TailRobotPartLogs(app_pb2.TailRobotPartLogsRequest(id=machine.part_id), metadata=hurried.md)
    try:
        call.initial_metadata()  # the tail is subscribed
        time.sleep(0.2)  # 200 x the default deadline
        machine.log([entry("after the default deadline")])
        response = next(call)
        assert [e.message for e in response.logs] == ["after the default deadline"]
    finally:
        call.cancel()


def test_default_deadline_on_the_shared_server_is_generous(fleet: Fleet) -> None:
    machine = new_machine(fleet)
    assert fleet.app.GetRobotPartLogs(slow_query(fleet, machine), metadata=fleet.md).logs == []


# =========================================================================== streams per identity


def open_tail(fleet: Fleet, part_id: str, timeout: float = 60) -> Tail:
    """A tail that is subscribed (its response headers arrived), so it holds a stream slot."""
    tail = Tail(fleet, part_id, timeout=timeout)
    tail.call.initial_metadata()
    assert not tail.finished.is_set(), f"tail ended at once: {tail.error!r}"
    return tail


def assert_over_cap(fleet: Fleet, part_id: str) -> None:
    call = fleet.app.TailRobotPartLogs(app_pb2.TailRobotPartLogsRequest(id=part_id), metadata=fleet.md, timeout=30)
    with rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED) as e:
        next(call)
    assert f"at most {TIGHT_STREAMS} open streams per identity" in e.message
    info, quota = status_details(e.error)
    assert info is not None and info.reason == "RESOURCE_EXHAUSTED" and info.metadata["limit"] == str(TIGHT_STREAMS)
    assert quota is not None and len(quota.violations) == 1
    assert quota.violations[0].subject.startswith("api-key:")


def open_when_free(fleet: Fleet, part_id: str) -> Tail:
    """Opens a tail, retrying while the server has not yet seen a freed slot (ending a stream is asynchronous)."""
    deadline = time.monotonic() + RELEASE_WAIT_S
    while True:
        try:
            return open_tail(fleet, part_id)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.RESOURCE_EXHAUSTED or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture
def capped(tight: Fleet) -> tuple[Fleet, Machine]:
    """A fresh key (its own identity, with no streams open) owning a fresh machine."""
    tree = tight.new_tree()
    machine = as_machine(tight, tight.main_part(tree.robot_id).id)
    key = new_key(tight, [role(tree.org.id, "owner", "organization", tree.org.id)])
    return key.fleet, machine


def test_streams_over_the_cap_are_resource_exhausted(capped: tuple[Fleet, Machine]) -> None:
    fleet, machine = capped
    tails = [open_tail(fleet, machine.part_id) for _ in range(TIGHT_STREAMS)]
    try:
        assert_over_cap(fleet, machine.part_id)
        # the open tails still work
        machine.log([entry("to both")])
        for tail in tails:
            assert [e.message for e in tail.wait_real(1)] == ["to both"]
    finally:
        for tail in tails:
            tail.close()


def test_cap_is_per_identity(tight: Fleet, capped: tuple[Fleet, Machine]) -> None:
    fleet, machine = capped
    tails = [open_tail(fleet, machine.part_id) for _ in range(TIGHT_STREAMS)]
    try:
        other = open_tail(tight, machine.part_id)  # the bootstrap key is another identity
        other.close()
    finally:
        for tail in tails:
            tail.close()


def test_cancelled_tail_frees_its_slot(capped: tuple[Fleet, Machine]) -> None:
    fleet, machine = capped
    tails = [open_tail(fleet, machine.part_id) for _ in range(TIGHT_STREAMS)]
    try:
        tails[0].close()
        tails[0] = open_when_free(fleet, machine.part_id)
        assert_over_cap(fleet, machine.part_id)
    finally:
        for tail in tails:
            tail.close()


def test_tail_past_its_deadline_frees_its_slot(capped: tuple[Fleet, Machine]) -> None:
    fleet, machine = capped
    short = open_tail(fleet, machine.part_id, timeout=1)
    long = open_tail(fleet, machine.part_id)
    try:
        short.wait_finished(timeout=10)
        assert short.error is not None and short.error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        open_when_free(fleet, machine.part_id).close()
    finally:
        short.close()
        long.close()


def test_deleting_the_part_frees_its_tails_slots(capped: tuple[Fleet, Machine]) -> None:
    fleet, machine = capped
    robot_id = fleet.call("GetRobotPart", id=machine.part_id).part.robot
    doomed = fleet.new_part(robot_id)
    tails = [open_tail(fleet, doomed) for _ in range(TIGHT_STREAMS)]
    fleet.call("DeleteRobotPart", part_id=doomed)
    for tail in tails:
        tail.wait_finished()
        assert tail.error is None, f"tail of a deleted part ended with {tail.error!r}"
    open_when_free(fleet, machine.part_id).close()


def test_refused_tails_take_no_slot(capped: tuple[Fleet, Machine]) -> None:
    fleet, machine = capped
    for _ in range(TIGHT_STREAMS + 1):
        call = fleet.app.TailRobotPartLogs(
            app_pb2.TailRobotPartLogsRequest(id="00000000-0000-4000-8000-000000000003"), metadata=fleet.md, timeout=30
        )
        with rpc_error(grpc.StatusCode.PERMISSION_DENIED):
            next(call)
    tails = [open_tail(fleet, machine.part_id) for _ in range(TIGHT_STREAMS)]
    for tail in tails:
        tail.close()


# =========================================================================== settings


@pytest.mark.parametrize(
    "name, value",
    [
        ("FLEET_MAX_MESSAGE_BYTES", "0"),
        ("FLEET_DEFAULT_DEADLINE_SECONDS", "0"),
        ("FLEET_MAX_STREAMS_PER_IDENTITY", "many"),
    ],
)
def test_bad_limit_settings_stop_the_server_at_start(tmp_path, name: str, value: str) -> None:
    process = ServerProcess(tmp_path / "data", extra_env={name: value})
    with pytest.raises(RuntimeError, match=name):
        process.start()
