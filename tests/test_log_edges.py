"""Edges of log ingest, queries and tails that once ended in INTERNAL, a dead tail or an
unreadable page (found by a bug hunt): huge filters, hostile page tokens, out-of-range
times on the lenient path, entries near the message size limit, time bounds past 2262,
and tails that outlived their caller's access.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import timestamp_pb2

from conftest import Fleet, auth_metadata, invalid, new_key, role
from generated.viam.app.v1 import app_pb2, robot_pb2
from harness import ServerProcess, bootstrap
from test_logs import LogEntry, Machine, Tail, as_machine, entry, get_logs, messages, new_machine, real, subscribe

MAX_MESSAGE = 1 << 20  # the small server's FLEET_MAX_MESSAGE_BYTES
PAGE_BUDGET = MAX_MESSAGE * 3 // 4  # what one page or tail message may carry (README)


def serve(tmp_path: Path, env: dict[str, str]) -> Iterator[Fleet]:
    data_dir = tmp_path / "data"
    data_dir.mkdir(parents=True)
    boot = bootstrap(data_dir, "Edges Org")
    process = ServerProcess(data_dir, extra_env=env).start()
    # The client may receive more than the server sends: a too-big response must fail on the server's side.
    channel = grpc.insecure_channel(process.address, options=[("grpc.max_receive_message_length", 64 * MAX_MESSAGE),
                                                              ("grpc.max_send_message_length", 64 * MAX_MESSAGE)])
    grpc.channel_ready_future(channel).result(timeout=30)
    try:
        yield Fleet(channel, auth_metadata(channel, boot), boot)
    finally:
        channel.close()
        process.stop()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    yield from serve(tmp_path_factory.mktemp("small-max"), {"FLEET_MAX_MESSAGE_BYTES": str(MAX_MESSAGE)})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    yield from serve(tmp_path_factory.mktemp("tiny-max"), {"FLEET_MAX_MESSAGE_BYTES": "32768"})


@pytest.fixture
def machine(fleet: Fleet) -> Machine:
    return new_machine(fleet)


def raw_log(fleet: Fleet, machine: Machine, body: bytes) -> None:
    method = fleet.channel.unary_unary("/viam.app.v1.RobotService/Log", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    method(body, metadata=machine.md, timeout=30)


def varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(out + bytes([value]))


def test_a_filter_of_any_length_is_a_substring_search(fleet: Fleet, machine: Machine) -> None:
    needle = "%" * 30_000  # SQLite's LIKE refuses patterns over 50,000 bytes once escaped
    machine.log([entry("plain"), entry("has " + needle + " in it")])
    assert messages(get_logs(fleet, machine.part_id, filter=needle).logs) == ["has " + needle + " in it"]
    assert messages(get_logs(fleet, machine.part_id, filter="€" * 20_000).logs) == []


def test_a_page_token_nested_thousands_deep_is_invalid_not_internal(fleet: Fleet, machine: Machine) -> None:
    token = base64.urlsafe_b64encode(b"[" * 5000).decode()
    with invalid("page_token"):
        get_logs(fleet, machine.part_id, page_token=token)
    with invalid("page_token"):
        fleet.call("GetRobotPartHistory", id=machine.part_id, page_token=token)


def test_out_of_range_nanos_refuse_the_batch_on_the_lenient_path_too(fleet: Fleet, machine: Machine) -> None:
    """A batch with invalid UTF-8 is re-read leniently; its times must be checked all the same."""
    for nanos in (-5, 1_500_000_000):
        bad_time = LogEntry(level="error")
        bad_time.time.seconds, bad_time.time.nanos = 1_700_000_000, nanos
        bad_utf8 = bytes([(LogEntry.DESCRIPTOR.fields_by_name["message"].number << 3) | 2, 3]) + b"a\xffb"
        body = robot_pb2.LogRequest(id=machine.part_id).SerializeToString()
        item = bad_time.SerializeToString() + bad_utf8
        body += bytes([(robot_pb2.LogRequest.DESCRIPTOR.fields_by_name["logs"].number << 3) | 2]) + varint(len(item)) + item
        with invalid("logs"):
            raw_log(fleet, machine, body)
    assert messages(get_logs(fleet, machine.part_id).logs) == []


def test_time_bounds_past_2262_mean_no_bound_or_nothing(fleet: Fleet, machine: Machine) -> None:
    machine.log([LogEntry(message="at the last nanosecond", time=timestamp_pb2.Timestamp(seconds=9223372036, nanos=854775807))])
    year_3000 = timestamp_pb2.Timestamp(seconds=32503680000)
    assert messages(get_logs(fleet, machine.part_id, end=year_3000).logs) == ["at the last nanosecond"]
    assert messages(get_logs(fleet, machine.part_id, start=year_3000).logs) == []


def test_an_entry_too_big_to_read_back_is_refused(small: Fleet) -> None:
    machine = new_machine(small)
    with invalid("logs") as error:
        machine.log([LogEntry(message="x" * (MAX_MESSAGE - 1000))])  # the request fits; a page of it would not
    assert "too big to be read back" in error.message
    # Just under the budget: stored, and readable on a page that carries a next token.
    machine.log([LogEntry(message="y" * (PAGE_BUDGET - 200))])
    machine.log([entry("older", time_ns=1)])
    page = get_logs(small, machine.part_id, limit=1)
    assert [len(m) for m in messages(page.logs)] == [PAGE_BUDGET - 200] and page.next_page_token
    assert messages(get_logs(small, machine.part_id, limit=1, page_token=page.next_page_token).logs) == ["older"]


def test_a_tail_that_fell_behind_on_big_entries_gets_them_in_smaller_batches(small: Fleet) -> None:
    machine = new_machine(small)
    with Tail(small, machine.part_id) as tail:
        subscribe(machine, tail)
        tail.reading.clear()  # stop reading: the entries pile up in the tail's queue
        machine.log([entry("prime")])
        time.sleep(0.3)
        big = [f"big {i} " + "r" * 600_000 for i in range(20)]
        for message in big:
            machine.log([entry(message)])
        tail.reading.set()
        assert tail.wait(lambda entries: len(real(entries)) >= 21, timeout=30), tail.error
        assert tail.error is None
        assert messages(real(tail.entries)) == ["prime", *big]
        assert max(tail.batch_sizes) <= 2  # a probe or "prime" may share one with a big entry


def test_pages_fit_a_small_message_limit(tiny: Fleet) -> None:
    machine = new_machine(tiny)
    sent = []
    for batch in range(4):
        sent += [f"{batch}-{i} " + "w" * 500 for i in range(25)]
        machine.log([entry(message, time_ns=1_000 + len(sent) - 25 + i) for i, message in enumerate(sent[-25:])])
    got, token = [], ""
    while True:
        page = get_logs(tiny, machine.part_id, page_token=token, order=app_pb2.LOG_ORDER_ASCENDING)
        got += messages(page.logs)
        token = page.next_page_token
        if not token:
            break
    assert got == sent
    with pytest.raises(grpc.RpcError):  # and an entry bigger than a page can't get in
        machine.log([LogEntry(message="z" * 30_000)])


@pytest.mark.parametrize("revoke", ["DeleteKey", "RemoveRole"])
def test_an_open_tail_ends_when_its_caller_loses_access(fleet: Fleet, revoke: str) -> None:
    """Deleting a key (or removing its role) stops its open tails before their next message,
    as it stops the key's next calls."""
    tree = fleet.new_tree()
    machine = as_machine(fleet, fleet.main_part(tree.robot_id).id)
    grant = role(tree.org.id, "operator", "robot", tree.robot_id)
    key = new_key(fleet, [grant])
    with Tail(key.fleet, machine.part_id) as tail:
        subscribe(machine, tail)
        if revoke == "DeleteKey":
            fleet.call("DeleteKey", id=key.id)
        else:
            fleet.call("RemoveRole", authorization=role(tree.org.id, "operator", "robot", tree.robot_id, identity_id=key.id))
        machine.log([entry("after the revocation", level="error")])
        tail.wait_finished()
        assert "after the revocation" not in messages(tail.entries)
        expected = grpc.StatusCode.UNAUTHENTICATED if revoke == "DeleteKey" else grpc.StatusCode.PERMISSION_DENIED
        assert tail.error is not None and tail.error.code() == expected, tail.error
