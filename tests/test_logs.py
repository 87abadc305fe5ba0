"""Machine logs: RobotService.Log (as the machine), GetRobotPartLogs and TailRobotPartLogs.

Streams are read in background threads (sync grpc API). The only timing
assumption is "the tail is subscribed", and it is established by pushing probe
entries until the tail sees one (see `subscribe`), never by sleeping.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import grpc
import pytest
from google.protobuf import struct_pb2, timestamp_pb2

from conftest import (
    UNKNOWN_PART,
    Fleet,
    Metadata,
    RunningServer,
    auth_metadata,
    bearer,
    denied,
    invalid,
    make_struct,
    open_channel,
    rpc_error,
    start_bootstrapped_server,
)
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2, robot_pb2, robot_pb2_grpc
from generated.viam.common.v1 import common_pb2
from harness import ServerProcess
from server.logs.hub import FANOUT_WINDOW

LogEntry = common_pb2.LogEntry
ERROR_LEVELS = ("error", "dpanic", "panic", "fatal")
PROBE = "probe-"
TAIL_WAIT_S = 10.0
SECOND = 1_000_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE


# --------------------------------------------------------------------------- entries


def ts(time_ns: int) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(time_ns)
    return stamp


def entry(message: str, level: str = "info", time_ns: int | None = None, **more: Any) -> LogEntry:
    e = LogEntry(message=message, level=level, **more)
    if time_ns is not None:
        e.time.CopyFrom(ts(time_ns))
    return e


def messages(entries: Iterable[LogEntry]) -> list[str]:
    return [e.message for e in entries]


def real(entries: Iterable[LogEntry]) -> list[LogEntry]:
    """Entries that are not subscription probes."""
    return [e for e in entries if not e.message.startswith(PROBE)]


def recent_base() -> int:
    """A time base an hour ago: recent enough that log retention never touches it."""
    return time.time_ns() - HOUR


# --------------------------------------------------------------------------- machines


@dataclass
class Machine:
    """A part authenticated with its own part secret."""

    part_id: str
    secret: str
    md: Metadata
    robot: robot_pb2_grpc.RobotServiceStub

    def log(self, entries: Iterable[LogEntry], part_id: str | None = None) -> robot_pb2.LogResponse:
        request = robot_pb2.LogRequest(id=self.part_id if part_id is None else part_id, logs=list(entries))
        return self.robot.Log(request, metadata=self.md, timeout=30)

    def log_many(self, entries: list[LogEntry], batch: int = 1000) -> None:
        for i in range(0, len(entries), batch):
            self.log(entries[i : i + batch])


def machine_token(channel: grpc.Channel, part_id: str, secret: str) -> str:
    response = auth_pb2_grpc.AuthServiceStub(channel).Authenticate(
        auth_pb2.AuthenticateRequest(entity=part_id, credentials=auth_pb2.Credentials(type="robot-secret", payload=secret)),
        timeout=30,
    )
    return response.access_token


def as_machine(fleet: Fleet, part_id: str) -> Machine:
    secret = fleet.get_part(part_id).secret
    assert secret, "owners must see the part secret in GetRobotPart"
    md = bearer(machine_token(fleet.channel, part_id, secret))
    return Machine(part_id, secret, md, robot_pb2_grpc.RobotServiceStub(fleet.channel))


def new_machine(fleet: Fleet) -> Machine:
    """A fresh machine (fresh org) authenticated as its main part."""
    tree = fleet.new_tree()
    return as_machine(fleet, fleet.main_part(tree.robot_id).id)


# --------------------------------------------------------------------------- queries


def get_logs(fleet: Fleet, part_id: str, **fields: Any) -> app_pb2.GetRobotPartLogsResponse:
    return fleet.call("GetRobotPartLogs", id=part_id, **fields)


def log_pages(fleet: Fleet, part_id: str, **fields: Any) -> list[app_pb2.GetRobotPartLogsResponse]:
    """Every page, following next_page_token to the end."""
    pages: list[app_pb2.GetRobotPartLogsResponse] = []
    token = ""
    while True:
        response = get_logs(fleet, part_id, page_token=token, **fields)
        pages.append(response)
        assert len(pages) < 10_000, "paging does not end"
        token = response.next_page_token
        if not token:
            return pages


def all_logs(fleet: Fleet, part_id: str, **fields: Any) -> tuple[list[LogEntry], list[int]]:
    """Follows next_page_token to the end; returns (entries, page sizes)."""
    pages = log_pages(fleet, part_id, **fields)
    return [e for page in pages for e in page.logs], [len(page.logs) for page in pages]


def stored_messages(fleet: Fleet, part_id: str, **fields: Any) -> list[str]:
    return messages(real(all_logs(fleet, part_id, limit=1000, **fields)[0]))


# --------------------------------------------------------------------------- tails


class Tail:
    """A TailRobotPartLogs stream read by a background thread."""

    def __init__(self, fleet: Fleet, part_id: str, errors_only: bool = False, filter: str | None = None,
                 metadata: Metadata | None = None, timeout: float = 60):
        request = app_pb2.TailRobotPartLogsRequest(id=part_id, errors_only=errors_only)
        if filter is not None:
            request.filter = filter
        self.call = fleet.app.TailRobotPartLogs(request, metadata=fleet.md if metadata is None else metadata, timeout=timeout)
        self.entries: list[LogEntry] = []
        self.batch_sizes: list[int] = []
        self.error: grpc.RpcError | None = None
        self.finished = threading.Event()
        self.reading = threading.Event()  # cleared: the reader stops asking for messages
        self.reading.set()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for response in self.call:
                with self._cond:
                    self.batch_sizes.append(len(response.logs))
                    self.entries.extend(response.logs)
                    self._cond.notify_all()
                self.reading.wait()
        except grpc.RpcError as err:
            self.error = err
        finally:
            self.finished.set()
            with self._cond:
                self._cond.notify_all()

    def wait(self, predicate: Callable[[list[LogEntry]], bool], timeout: float = TAIL_WAIT_S) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.entries):
                left = deadline - time.monotonic()
                if left <= 0 or self.finished.is_set():
                    return predicate(self.entries)
                self._cond.wait(left)
            return True

    def real(self) -> list[LogEntry]:
        with self._cond:
            return real(self.entries)

    def wait_real(self, count: int, timeout: float = TAIL_WAIT_S) -> list[LogEntry]:
        """Waits until at least `count` non-probe entries arrived; returns them all."""
        self.wait(lambda entries: len(real(entries)) >= count, timeout)
        got = self.real()
        assert len(got) >= count, f"tail got {len(got)} of {count} entries: {messages(got)[:20]} (error={self.error!r})"
        return got

    def wait_finished(self, timeout: float = TAIL_WAIT_S) -> None:
        assert self.finished.wait(timeout), "the tail stream did not end"
        self._thread.join(timeout)

    def close(self) -> None:
        self.reading.set()
        self.call.cancel()
        self._thread.join(5)

    def __enter__(self) -> "Tail":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def subscribe(machine: Machine, *tails: Tail, level: str = "error", text: str = "") -> None:
    """Pushes probe entries until every tail saw one: from then on all of them are subscribed.

    Probes are error-level and carry `text`, so filtered tails see them too.
    """
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        probe = f"{PROBE}{uuid.uuid4().hex} {text}".rstrip()
        machine.log([entry(probe, level=level)])
        if all(t.wait(lambda entries: probe in messages(entries), timeout=0.25) for t in tails):
            return
        for t in tails:
            assert not t.finished.is_set(), f"tail ended before it was subscribed: {t.error!r}"
    pytest.fail("the tails never saw a probe entry")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def machine(fleet: Fleet) -> Machine:
    return new_machine(fleet)


@pytest.fixture(scope="module")
def robot_stub(channel: grpc.Channel) -> robot_pb2_grpc.RobotServiceStub:
    return robot_pb2_grpc.RobotServiceStub(channel)


FULL_ENTRY_CALLER = {"Defined": True, "File": "/src/robot/x.go", "Line": 12, "Function": "main.(*robot).run"}
FULL_ENTRY_FIELDS = [
    {"key": "count", "value": 3},
    {"nested": {"list": [1, "two", None, True, 0.1, -2.5e300], "empty": {}}, "s": "é 東京 \u2603"},
    {},
]


def full_entry(message: str, time_ns: int, level: str = "error") -> LogEntry:
    return LogEntry(
        host="host-é.local",
        level=level,
        time=ts(time_ns),
        logger_name="rdk.components.arm",
        message=message,
        caller=make_struct(FULL_ENTRY_CALLER),
        stack="goroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d\n",
        fields=[make_struct(f) for f in FULL_ENTRY_FIELDS],
    )


# =========================================================================== auth


def test_machine_authenticates_with_part_secret_and_logs(fleet: Fleet, machine: Machine) -> None:
    assert machine.log([entry("hello from the machine")]) == robot_pb2.LogResponse()
    assert stored_messages(fleet, machine.part_id) == ["hello from the machine"]


def test_wrong_secret_and_unknown_part_are_unauthenticated_alike(fleet: Fleet, machine: Machine) -> None:
    attempts = [
        (machine.part_id, machine.secret + "x"),
        (machine.part_id, ""),
        (machine.part_id, machine.secret.upper() if machine.secret.upper() != machine.secret else machine.secret + "A"),
        (UNKNOWN_PART, machine.secret),
        (str(uuid.uuid4()), "whatever"),
    ]
    errors = []
    for part_id, secret in attempts:
        with rpc_error(grpc.StatusCode.UNAUTHENTICATED) as e:
            machine_token(fleet.channel, part_id, secret)
        errors.append(e.message)
    assert len(set(errors)) == 1, f"wrong secret and unknown part must give the same message: {errors}"
    # another part's secret is a wrong secret too
    other = new_machine(fleet)
    with rpc_error(grpc.StatusCode.UNAUTHENTICATED) as e:
        machine_token(fleet.channel, machine.part_id, other.secret)
    assert e.message == errors[0]


def test_owner_api_key_token_may_not_log(fleet: Fleet, machine: Machine) -> None:
    with denied():
        machine.robot.Log(robot_pb2.LogRequest(id=machine.part_id, logs=[entry("x")]), metadata=fleet.md, timeout=30)
    assert stored_messages(fleet, machine.part_id) == []


def test_part_may_not_log_for_another_part(fleet: Fleet, machine: Machine) -> None:
    other = new_machine(fleet)
    # a part of the same machine, too
    sibling_id = fleet.new_part(fleet.get_part(machine.part_id).robot)
    for target in (other.part_id, sibling_id, UNKNOWN_PART):
        with denied():
            machine.log([entry("not mine")], part_id=target)
    assert stored_messages(fleet, other.part_id) == []
    assert stored_messages(fleet, sibling_id) == []
    assert stored_messages(fleet, machine.part_id) == []


def test_log_without_token_is_unauthenticated(fleet: Fleet, machine: Machine) -> None:
    with rpc_error(grpc.StatusCode.UNAUTHENTICATED):
        machine.robot.Log(robot_pb2.LogRequest(id=machine.part_id, logs=[entry("x")]), timeout=30)
    with rpc_error(grpc.StatusCode.UNAUTHENTICATED):
        machine.robot.Log(robot_pb2.LogRequest(id=machine.part_id, logs=[entry("x")]), metadata=bearer("garbage"), timeout=30)


@pytest.mark.parametrize(
    "method, fields",
    [
        ("GetRobotPart", lambda m: {"id": m.part_id}),
        ("GetRobotPartLogs", lambda m: {"id": m.part_id}),
        ("ListOrganizations", lambda m: {}),
        ("GetRobotPartMetadata", lambda m: {"id": m.part_id}),
    ],
)
def test_machine_may_not_call_app_service(fleet: Fleet, machine: Machine, method: str, fields: Any) -> None:
    with denied():
        fleet.call(method, metadata=machine.md, **fields(machine))


def test_machine_token_may_not_tail(fleet: Fleet, machine: Machine) -> None:
    with Tail(fleet, machine.part_id, metadata=machine.md) as tail:
        tail.wait_finished()
    assert tail.error is not None and tail.error.code() == grpc.StatusCode.PERMISSION_DENIED, tail.error


def test_token_of_deleted_part_is_unauthenticated(fleet: Fleet, machine: Machine) -> None:
    robot_id = fleet.get_part(machine.part_id).robot
    second = as_machine(fleet, fleet.new_part(robot_id))
    second.log([entry("before delete")])
    fleet.call("DeleteRobotPart", part_id=second.part_id)
    with rpc_error(grpc.StatusCode.UNAUTHENTICATED):
        second.log([entry("after delete")])
    with rpc_error(grpc.StatusCode.UNAUTHENTICATED):
        machine_token(fleet.channel, second.part_id, second.secret)
    # deleting the whole machine
    machine.log([entry("main before delete")])
    fleet.call("DeleteRobot", id=robot_id)
    with rpc_error(grpc.StatusCode.UNAUTHENTICATED):
        machine.log([entry("main after delete")])


# =========================================================================== Log


def test_every_field_is_kept(fleet: Fleet, machine: Machine) -> None:
    base = recent_base() // SECOND * SECOND
    sent = [
        full_entry("full entry", base + 123_456_789),
        # nanosecond precision: one nanosecond apart
        full_entry("one ns later", base + 123_456_790, level="info"),
        LogEntry(level="info", time=ts(base + 999_999_999), message="bare"),  # no caller, no fields
        LogEntry(level="warn", time=ts(base + 5), message="empty caller", caller=struct_pb2.Struct()),
    ]
    machine.log(sent)
    got, _ = all_logs(fleet, machine.part_id, order=app_pb2.LOG_ORDER_ASCENDING)
    expected = sorted(sent, key=lambda e: e.time.ToNanoseconds())
    assert [e.time.ToNanoseconds() for e in got] == [e.time.ToNanoseconds() for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g == e, f"stored entry differs:\nsent {e}\ngot  {g}"
    assert messages(got) == ["empty caller", "full entry", "one ns later", "bare"]
    assert got[1].time.nanos % 1000 == 789 and got[2].time.ToNanoseconds() - got[1].time.ToNanoseconds() == 1
    assert not got[3].HasField("caller") and list(got[3].fields) == []
    assert got[0].HasField("caller") and got[0].caller == struct_pb2.Struct()


def test_missing_time_becomes_receipt_time(fleet: Fleet, machine: Machine) -> None:
    before = time.time_ns()
    machine.log([entry("no time")])
    after = time.time_ns()
    (got,) = all_logs(fleet, machine.part_id)[0]
    assert got.HasField("time")
    stamped = got.time.ToNanoseconds()
    assert before - SECOND <= stamped <= after + SECOND, f"time {stamped} not within [{before}, {after}]"


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("info", "info"),
        ("ERROR", "error"),
        (" Warn ", "warn"),
        ("\tDEBUG\n", "debug"),
        ("", "info"),
        ("   ", "info"),
        ("Custom-Level", "custom-level"),
        ("FATAL", "fatal"),
    ],
)
def test_level_is_trimmed_and_lowercased(fleet: Fleet, machine: Machine, sent: str, stored: str) -> None:
    machine.log([entry("levelled", level=sent)])
    (got,) = all_logs(fleet, machine.part_id)[0]
    assert got.level == stored


def test_empty_batch_is_ok(fleet: Fleet, machine: Machine) -> None:
    assert machine.log([]) == robot_pb2.LogResponse()
    assert all_logs(fleet, machine.part_id)[0] == []


def test_batch_limit(fleet: Fleet, machine: Machine) -> None:
    base = recent_base()
    with invalid("logs"):
        machine.log([entry(f"too many {i}", time_ns=base + i) for i in range(1001)])
    assert all_logs(fleet, machine.part_id)[0] == [], "a rejected batch must store nothing"
    machine.log([entry(f"ok {i}", time_ns=base + i) for i in range(1000)])
    got, sizes = all_logs(fleet, machine.part_id, limit=1000)
    assert len(got) == 1000 and sizes == [1000]
    assert len(set(messages(got))) == 1000


# =========================================================================== GetRobotPartLogs


def test_get_logs_id_errors(fleet: Fleet, machine: Machine) -> None:
    with invalid("id"):
        get_logs(fleet, "")
    with denied():
        get_logs(fleet, UNKNOWN_PART)
    with denied():
        get_logs(fleet, str(uuid.uuid4()))


def test_default_order_is_newest_first_with_insertion_order_for_ties(fleet: Fleet, machine: Machine) -> None:
    base = recent_base()
    # times out of insertion order, several ties, across two batches
    first = [entry("a@2", time_ns=base + 2), entry("b@1", time_ns=base + 1), entry("c@2", time_ns=base + 2),
             entry("d@3", time_ns=base + 3), entry("e@1", time_ns=base + 1)]
    second = [entry("f@2", time_ns=base + 2), entry("g@0", time_ns=base), entry("h@3", time_ns=base + 3)]
    machine.log(first)
    machine.log(second)
    newest_first = ["h@3", "d@3", "f@2", "c@2", "a@2", "e@1", "b@1", "g@0"]
    assert messages(get_logs(fleet, machine.part_id).logs) == newest_first
    assert messages(get_logs(fleet, machine.part_id, order=app_pb2.LOG_ORDER_DESCENDING).logs) == newest_first
    assert messages(get_logs(fleet, machine.part_id, order=app_pb2.LOG_ORDER_UNSPECIFIED).logs) == newest_first
    assert messages(get_logs(fleet, machine.part_id, order=app_pb2.LOG_ORDER_ASCENDING).logs) == newest_first[::-1]
    # the same with one-entry pages
    for order, expected in ((app_pb2.LOG_ORDER_DESCENDING, newest_first), (app_pb2.LOG_ORDER_ASCENDING, newest_first[::-1])):
        got, sizes = all_logs(fleet, machine.part_id, order=order, limit=1)
        assert messages(got) == expected
        assert sizes == [1] * 8


def _paging_entries(n: int, pattern: str, base: int) -> list[LogEntry]:
    if pattern == "one-timestamp":
        times = [base] * n
    else:  # five timestamps, interleaved with insertion order
        times = [base + ((i * 7) % 5) * 1000 for i in range(n)]
    return [entry(f"m{i:04d}", level=("info", "error", "debug")[i % 3], time_ns=t) for i, t in enumerate(times)]


@pytest.mark.parametrize("pattern", ["one-timestamp", "five-timestamps"])
@pytest.mark.parametrize("n", [0, 1, 99, 100, 101, 250])
def test_paging_returns_every_entry_exactly_once(fleet: Fleet, machine: Machine, n: int, pattern: str) -> None:
    sent = _paging_entries(n, pattern, recent_base())
    machine.log_many(sent)
    indexed = [(e.time.ToNanoseconds(), i, e.message) for i, e in enumerate(sent)]
    descending = [m for _, _, m in sorted(indexed, reverse=True)]
    for order, expected in ((None, descending), (app_pb2.LOG_ORDER_ASCENDING, descending[::-1])):
        for limit in (None, 0, 7, 1000) + ((1,) if n <= 1 else ()):
            fields: dict[str, Any] = {}
            if order is not None:
                fields["order"] = order
            if limit is not None:
                fields["limit"] = limit
            got, sizes = all_logs(fleet, machine.part_id, **fields)
            what = f"n={n} pattern={pattern} order={order} limit={limit}"
            assert messages(got) == expected, what
            page = limit or 100
            expected_sizes = [page] * (n // page) + ([n % page] if n % page else [])
            assert sizes == (expected_sizes or [0]), f"{what}: page sizes {sizes}"


def test_descending_paging_is_stable_while_new_entries_arrive(fleet: Fleet, machine: Machine) -> None:
    base = recent_base()
    machine.log([entry(f"old{i:03d}", time_ns=base + (i // 10)) for i in range(95)])
    first = get_logs(fleet, machine.part_id, limit=30)
    # newer entries, and entries sharing the timestamp of the page boundary
    boundary = first.logs[-1].time.ToNanoseconds()
    machine.log([entry(f"new{i}", time_ns=base + MINUTE + i) for i in range(10)])
    machine.log([entry(f"tie{i}", time_ns=boundary) for i in range(5)])
    got = list(first.logs)
    token = first.next_page_token
    while token:
        page = get_logs(fleet, machine.part_id, limit=30, page_token=token)
        got.extend(page.logs)
        token = page.next_page_token
    old = [m for m in messages(got) if m.startswith("old")]
    assert sorted(old) == [f"old{i:03d}" for i in range(95)], "every old entry exactly once"
    assert not [m for m in messages(got) if m.startswith(("new", "tie"))], (
        "entries inserted after the first page that sort before the cursor must not appear in later descending pages"
    )


def test_limit(fleet: Fleet, machine: Machine) -> None:
    base = recent_base()
    machine.log([entry(f"a{i}", time_ns=base + i) for i in range(1000)])
    machine.log([entry(f"b{i}", time_ns=base + 1000 + i) for i in range(150)])
    assert len(get_logs(fleet, machine.part_id).logs) == 100
    assert len(get_logs(fleet, machine.part_id, limit=0).logs) == 100
    assert len(get_logs(fleet, machine.part_id, limit=1).logs) == 1
    assert len(get_logs(fleet, machine.part_id, limit=1000).logs) == 1000
    capped = get_logs(fleet, machine.part_id, limit=5000)
    assert len(capped.logs) == 1000 and capped.next_page_token
    rest = get_logs(fleet, machine.part_id, limit=5000, page_token=capped.next_page_token)
    assert len(rest.logs) == 150 and rest.next_page_token == ""
    for bad in (-1, -1000):
        with invalid("limit"):
            get_logs(fleet, machine.part_id, limit=bad)


@pytest.mark.parametrize(
    "filter_, expected",
    [
        ("hello", ["Hello World", "say HELLO", "hello"]),
        ("HELLO", ["Hello World", "say HELLO", "hello"]),
        ("o w", ["Hello World"]),
        ("%", ["100% done"]),
        ("_", ["a_b"]),
        ("A_B", ["a_b"]),
        ("0%", ["100% done"]),
        ("\\", ["back\\slash"]),
        ("nothing-matches", []),
        ("", ["Hello World", "say HELLO", "hello", "100% done", "100 done", "a_b", "axb", "back\\slash"]),
    ],
)
def test_filter_is_case_insensitive_literal_substring(fleet: Fleet, machine: Machine, filter_: str, expected: list[str]) -> None:
    base = recent_base()
    sent = ["Hello World", "say HELLO", "hello", "100% done", "100 done", "a_b", "axb", "back\\slash"]
    machine.log([entry(m, time_ns=base - i) for i, m in enumerate(sent)])  # newest first = sent order
    assert stored_messages(fleet, machine.part_id, filter=filter_) == expected


def test_filter_is_case_insensitive_beyond_ascii(fleet: Fleet, machine: Machine) -> None:
    base = recent_base()
    machine.log([entry("Élan vital", time_ns=base + 1), entry("ÜBER straße", time_ns=base)])
    assert stored_messages(fleet, machine.part_id, filter="élan") == ["Élan vital"]
    assert stored_messages(fleet, machine.part_id, filter="über") == ["ÜBER straße"]


def test_filter_folds_case_like_str_casefold(fleet: Fleet, machine: Machine) -> None:
    """Filters fold like str.casefold on every backend: "ß" is "ss", the Kelvin sign is "k"."""
    base = recent_base()
    sent = ["ÜBER STRASSE", "über straße", "\u212a-means-kelvin", "plain k", "Ärger"]
    machine.log([entry(m, time_ns=base - i) for i, m in enumerate(sent)])
    assert stored_messages(fleet, machine.part_id, filter="SS") == ["ÜBER STRASSE", "über straße"]
    assert stored_messages(fleet, machine.part_id, filter="K") == ["\u212a-means-kelvin", "plain k"]
    assert stored_messages(fleet, machine.part_id, filter="rger") == ["Ärger"]
    assert stored_messages(fleet, machine.part_id, filter="STRAẞE") == ["ÜBER STRASSE", "über straße"]


LEVEL_SET = ["debug", "info", "warn", "error", "dpanic", "panic", "fatal", "custom"]


@pytest.mark.parametrize(
    "levels, errors_only, expected",
    [
        ([], False, LEVEL_SET),
        (["error"], False, ["error"]),
        (["ERROR", " Warn "], False, ["warn", "error"]),
        (["Custom"], False, ["custom"]),
        (["info", "nope"], False, ["info"]),
        ([], True, ["error", "dpanic", "panic", "fatal"]),
        (["error", "info"], True, ["error"]),
        (["FATAL", "panic", "debug"], True, ["panic", "fatal"]),
        (["info"], True, []),
    ],
)
def test_levels_and_errors_only(fleet: Fleet, machine: Machine, levels: list[str], errors_only: bool, expected: list[str]) -> None:
    base = recent_base()
    # sent with mixed case; ascending time = LEVEL_SET order
    machine.log([entry(f"at {lvl}", level=lvl.upper() if i % 2 else lvl, time_ns=base + i) for i, lvl in enumerate(LEVEL_SET)])
    got, _ = all_logs(fleet, machine.part_id, levels=levels, errors_only=errors_only, order=app_pb2.LOG_ORDER_ASCENDING)
    assert [e.level for e in got] == expected


def test_filter_levels_and_time_combine(fleet: Fleet, machine: Machine) -> None:
    base = recent_base() // SECOND * SECOND
    ms = 1_000_000
    machine.log([
        entry("motor stalled", level="error", time_ns=base + 1 * ms),
        entry("motor ok", level="info", time_ns=base + 2 * ms),
        entry("MOTOR stalled again", level="error", time_ns=base + 3 * ms),
        entry("camera stalled", level="error", time_ns=base + 4 * ms),
        entry("motor stalled late", level="error", time_ns=base + 10 * ms),
    ])
    got = stored_messages(fleet, machine.part_id, filter="motor", levels=["error"], start=ts(base + 2 * ms), end=ts(base + 10 * ms))
    assert got == ["MOTOR stalled again"]


def test_start_inclusive_end_exclusive(fleet: Fleet, machine: Machine) -> None:
    base = recent_base() // SECOND * SECOND
    machine.log([entry(f"t{s}", time_ns=base + s * SECOND) for s in range(6)])

    def window(**kw: Any) -> list[str]:
        return stored_messages(fleet, machine.part_id, order=app_pb2.LOG_ORDER_ASCENDING, **kw)

    assert window(start=ts(base + 2 * SECOND)) == ["t2", "t3", "t4", "t5"]
    assert window(end=ts(base + 2 * SECOND)) == ["t0", "t1"]
    assert window(start=ts(base + SECOND), end=ts(base + 4 * SECOND)) == ["t1", "t2", "t3"]
    assert window(start=ts(base + 3 * SECOND), end=ts(base + 3 * SECOND)) == []
    assert window(start=ts(base + 1500 * 1_000_000), end=ts(base + 3500 * 1_000_000)) == ["t2", "t3"]
    with invalid("end"):
        get_logs(fleet, machine.part_id, start=ts(base + 2 * SECOND), end=ts(base + SECOND))


def test_start_and_end_at_nanosecond_precision(fleet: Fleet, machine: Machine) -> None:
    base = recent_base() // SECOND * SECOND
    offsets = [0, 1, 999, 1000, 1001]
    machine.log([entry(f"n{o}", time_ns=base + o) for o in offsets])

    def window(**kw: Any) -> list[str]:
        return stored_messages(fleet, machine.part_id, order=app_pb2.LOG_ORDER_ASCENDING, **kw)

    assert window(start=ts(base + 1)) == ["n1", "n999", "n1000", "n1001"], "start is inclusive, to the nanosecond"
    assert window(end=ts(base + 1)) == ["n0"], "end is exclusive, to the nanosecond"
    assert window(start=ts(base + 999), end=ts(base + 1001)) == ["n999", "n1000"]


def test_range(fleet: Fleet, machine: Machine) -> None:
    now = time.time_ns()
    ages = {"2h": 2 * HOUR, "30m": 30 * MINUTE, "5m": 5 * MINUTE, "30s": 30 * SECOND}
    machine.log([entry(f"age {name}", time_ns=now - age) for name, age in ages.items()])

    def window(**kw: Any) -> list[str]:
        return stored_messages(fleet, machine.part_id, order=app_pb2.LOG_ORDER_ASCENDING, **kw)

    # against now
    assert window(range="90s") == ["age 30s"]
    assert window(range="10m") == ["age 5m", "age 30s"]
    assert window(range="1h") == ["age 30m", "age 5m", "age 30s"]
    assert window(range="1d") == ["age 2h", "age 30m", "age 5m", "age 30s"]
    # against start: start .. start+range
    assert window(start=ts(now - 3 * HOUR), range="2h") == ["age 2h"]
    assert window(start=ts(now - 40 * MINUTE), range="36m") == ["age 30m", "age 5m"]
    # against end: end-range .. end
    assert window(end=ts(now - 20 * MINUTE), range="1h") == ["age 30m"]
    assert window(end=ts(now - 4 * MINUTE), range="10m") == ["age 5m"]


def test_range_errors(fleet: Fleet, machine: Machine) -> None:
    now = time.time_ns()
    with invalid("range"):
        get_logs(fleet, machine.part_id, start=ts(now - HOUR), end=ts(now), range="10m")
    for bad in ("abc", "10", "10x", "h", "m10"):
        with invalid("range"):
            get_logs(fleet, machine.part_id, range=bad)


def test_page_token_errors(fleet: Fleet, machine: Machine) -> None:
    base = recent_base()
    machine.log([entry(f"m{i}", time_ns=base + i) for i in range(5)])
    desc = get_logs(fleet, machine.part_id, limit=2)
    asc = get_logs(fleet, machine.part_id, limit=2, order=app_pb2.LOG_ORDER_ASCENDING)
    assert desc.next_page_token and asc.next_page_token
    garbage = [
        "garbage",
        "!!!!",
        base64.urlsafe_b64encode(b"{}").decode(),
        base64.urlsafe_b64encode(b"not json at all").decode(),
        base64.urlsafe_b64encode(json.dumps({"t": "x", "i": [], "a": False}).encode()).decode(),
        desc.next_page_token[:-3],
    ]
    for token in garbage:
        with invalid("page_token"):
            get_logs(fleet, machine.part_id, limit=2, page_token=token)
    with invalid("page_token"):
        get_logs(fleet, machine.part_id, limit=2, page_token=desc.next_page_token, order=app_pb2.LOG_ORDER_ASCENDING)
    with invalid("page_token"):
        get_logs(fleet, machine.part_id, limit=2, page_token=asc.next_page_token)
    with invalid("page_token"):
        get_logs(fleet, machine.part_id, limit=2, page_token=asc.next_page_token, order=app_pb2.LOG_ORDER_DESCENDING)
    # the right order works, explicit DESCENDING being the default
    assert messages(get_logs(fleet, machine.part_id, limit=2, page_token=desc.next_page_token,
                             order=app_pb2.LOG_ORDER_DESCENDING).logs) == ["m2", "m1"]
    assert messages(get_logs(fleet, machine.part_id, limit=2, page_token=asc.next_page_token,
                             order=app_pb2.LOG_ORDER_ASCENDING).logs) == ["m2", "m3"]


def test_logs_are_per_part(fleet: Fleet, machine: Machine) -> None:
    sibling = as_machine(fleet, fleet.new_part(fleet.get_part(machine.part_id).robot))
    machine.log([entry("main says")])
    sibling.log([entry("sibling says")])
    assert stored_messages(fleet, machine.part_id) == ["main says"]
    assert stored_messages(fleet, sibling.part_id) == ["sibling says"]


# =========================================================================== TailRobotPartLogs


def test_tail_delivers_new_entries_in_order(fleet: Fleet, machine: Machine) -> None:
    base = recent_base()
    machine.log([entry("before the tail", time_ns=base)])
    with Tail(fleet, machine.part_id) as tail:
        subscribe(machine, tail)
        batches = [[full_entry(f"b{b}-e{i}", base + b * 100 + i, level=("info", "error")[i % 2]) for i in range(7)]
                   for b in range(5)]
        batches.append([entry("late, no time", level="WARN")])
        for batch in batches:
            machine.log(batch)
        got = tail.wait_real(36)
        assert messages(got) == [e.message for batch in batches for e in batch]
        for g, e in zip(got[:35], [e for batch in batches[:5] for e in batch], strict=True):
            assert g == e, "the tail delivers every field as stored"
        assert got[35].level == "warn" and got[35].HasField("time")
        assert 0 not in tail.batch_sizes, "a tail must never send an empty batch"
        assert "before the tail" not in messages(tail.entries)
        assert tail.error is None and not tail.finished.is_set()


def test_tail_filters(fleet: Fleet, machine: Machine) -> None:
    with Tail(fleet, machine.part_id) as everything, \
            Tail(fleet, machine.part_id, errors_only=True) as errors, \
            Tail(fleet, machine.part_id, filter="NeEdLe") as needles, \
            Tail(fleet, machine.part_id, errors_only=True, filter="needle") as error_needles:
        subscribe(machine, everything, errors, needles, error_needles, text="needle")
        sent = [
            entry("plain info"),
            entry("a needle in info", level="info"),
            entry("an ERROR without it", level="ERROR"),
            entry("a NEEDLE in an error", level="error"),
            entry("needle at dpanic", level="dpanic"),
            entry("panic", level="Panic"),
            entry("fatal NeedLe", level="fatal"),
            entry("warn needle", level="warn"),
            entry("custom level", level="custom"),
        ]
        machine.log(sent[:4])
        machine.log(sent[4:])
        expected = {
            "everything": [e.message for e in sent],
            "errors": ["an ERROR without it", "a NEEDLE in an error", "needle at dpanic", "panic", "fatal NeedLe"],
            "needles": ["a needle in info", "a NEEDLE in an error", "needle at dpanic", "fatal NeedLe", "warn needle"],
            "error_needles": ["a NEEDLE in an error", "needle at dpanic", "fatal NeedLe"],
        }
        tails = {"everything": everything, "errors": errors, "needles": needles, "error_needles": error_needles}
        # a final marker every tail matches: once it arrived, everything before it did
        machine.log([entry("end needle marker", level="error")])
        for name, tail in tails.items():
            got = tail.wait_real(len(expected[name]) + 1)
            assert messages(got) == expected[name] + ["end needle marker"], name
            assert 0 not in tail.batch_sizes, name


def test_many_tails_across_parts_get_their_own_entries(fleet: Fleet, machine: Machine) -> None:
    other = new_machine(fleet)
    a_tails = [Tail(fleet, machine.part_id) for _ in range(3)]
    b_tails = [Tail(fleet, other.part_id) for _ in range(2)]
    try:
        subscribe(machine, *a_tails)
        subscribe(other, *b_tails)

        def push(m: Machine, tag: str) -> None:
            for b in range(10):
                m.log([entry(f"{tag}-{b}-{i}") for i in range(20)])

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda args: push(*args), [(machine, "A"), (other, "B")]))
        expected_a = [f"A-{b}-{i}" for b in range(10) for i in range(20)]
        expected_b = [f"B-{b}-{i}" for b in range(10) for i in range(20)]
        for tail in a_tails:
            assert messages(tail.wait_real(200)) == expected_a
        for tail in b_tails:
            assert messages(tail.wait_real(200)) == expected_b
        for tail in a_tails + b_tails:
            assert 0 not in tail.batch_sizes
    finally:
        for tail in a_tails + b_tails:
            tail.close()


def test_a_wide_fan_out_goes_on_past_tails_that_stopped_reading(
    server: RunningServer, fleet: Fleet, machine: Machine
) -> None:
    """More tails on one part than the hub lets send at once (hub.FANOUT_WINDOW): a woken tail
    holds its place only until it is back for more, or for hub.SLOT_WAIT_SECONDS, so tails whose
    clients stopped reading hold up nobody, and get everything once they read again."""
    # Without BDP probing the stuck tails' flow-control windows stay at 64 KiB, so the
    # ~50 KiB batches below fill them and the server's sends to them stop finishing.
    small_windows = grpc.insecure_channel(server.server.address, options=[("grpc.http2.bdp_probe", 0)])
    # More stuck tails than the window has places: were their places never freed, nobody would get on.
    stuck = [Tail(Fleet(small_windows, fleet.md, fleet.boot), machine.part_id) for _ in range(FANOUT_WINDOW + 4)]
    tails = [Tail(fleet, machine.part_id) for _ in range(40)] + stuck
    try:
        subscribe(machine, *tails)
        for tail in stuck:
            tail.reading.clear()
        pushed = [f"wide {b}-{i} " + "x" * 500 for b in range(6) for i in range(100)]
        for b in range(6):
            machine.log([entry(message) for message in pushed[b * 100 : (b + 1) * 100]])
        for tail in tails:
            if tail not in stuck:
                assert messages(tail.wait_real(len(pushed))) == pushed
        for tail in stuck:
            tail.reading.set()
        for tail in stuck:
            assert messages(tail.wait_real(len(pushed))) == pushed
        for tail in tails:
            assert tail.error is None and 0 not in tail.batch_sizes
    finally:
        for tail in tails:
            tail.close()
        small_windows.close()


def test_a_big_push_reaches_a_tail_at_most_100_entries_a_response(fleet: Fleet, machine: Machine) -> None:
    """README (live tail): batches of at most 100 entries, however many one Log call carried."""
    with Tail(fleet, machine.part_id) as tail:
        subscribe(machine, tail)
        pushed = [f"many {i}" for i in range(250)]
        machine.log([entry(message) for message in pushed])
        assert messages(tail.wait_real(len(pushed))) == pushed
        assert max(tail.batch_sizes) == 100, tail.batch_sizes


def test_tail_unknown_part_is_permission_denied(fleet: Fleet) -> None:
    for part_id in (UNKNOWN_PART, str(uuid.uuid4())):
        with Tail(fleet, part_id) as tail:
            tail.wait_finished()
        assert tail.error is not None and tail.error.code() == grpc.StatusCode.PERMISSION_DENIED, tail.error


def test_tail_of_another_machine_token_is_denied(fleet: Fleet, machine: Machine) -> None:
    other = new_machine(fleet)
    with Tail(fleet, machine.part_id, metadata=other.md) as tail:
        tail.wait_finished()
    assert tail.error is not None and tail.error.code() == grpc.StatusCode.PERMISSION_DENIED, tail.error


def test_deleting_the_part_ends_its_tails_cleanly(fleet: Fleet, machine: Machine) -> None:
    robot_id = fleet.get_part(machine.part_id).robot
    second = as_machine(fleet, fleet.new_part(robot_id))
    with Tail(fleet, second.part_id) as t1, Tail(fleet, second.part_id, errors_only=True) as t2, \
            Tail(fleet, machine.part_id) as survivor:
        subscribe(second, t1, t2)
        subscribe(machine, survivor)
        second.log([entry("last words", level="error")])
        t1.wait_real(1)
        fleet.call("DeleteRobotPart", part_id=second.part_id)
        for tail in (t1, t2):
            tail.wait_finished()
            assert tail.error is None, f"the stream must end with OK, got {tail.error!r}"
            assert tail.call.code() == grpc.StatusCode.OK
        assert messages(t1.real()) == ["last words"]
        # the main part's tail is unaffected
        assert not survivor.finished.is_set()
        machine.log([entry("still here")])
        assert messages(survivor.wait_real(1)) == ["still here"]


def test_deleting_the_machine_ends_all_its_tails_cleanly(fleet: Fleet, machine: Machine) -> None:
    robot_id = fleet.get_part(machine.part_id).robot
    second = as_machine(fleet, fleet.new_part(robot_id))
    other = new_machine(fleet)
    with Tail(fleet, machine.part_id) as t_main, Tail(fleet, second.part_id) as t_second, \
            Tail(fleet, other.part_id) as t_other:
        subscribe(machine, t_main)
        subscribe(second, t_second)
        subscribe(other, t_other)
        fleet.call("DeleteRobot", id=robot_id)
        for tail in (t_main, t_second):
            tail.wait_finished()
            assert tail.error is None, f"the stream must end with OK, got {tail.error!r}"
            assert tail.call.code() == grpc.StatusCode.OK
        assert not t_other.finished.is_set()
        other.log([entry("other machine lives")])
        assert messages(t_other.wait_real(1)) == ["other machine lives"]


# =========================================================================== concurrency


def test_concurrent_ingest_from_many_machines_loses_nothing(fleet: Fleet) -> None:
    org = fleet.new_org()
    loc = fleet.new_location(org.id)
    machines = [as_machine(fleet, fleet.main_part(fleet.new_robot(loc.id)).id) for _ in range(10)]
    base = recent_base()
    threads, batches, per_batch = 10, 20, 50
    barrier = threading.Barrier(threads)

    def push(index: int) -> None:
        m = machines[index]
        barrier.wait()
        for b in range(batches):
            # every machine uses the same few timestamps: lots of ties across parts
            m.log([entry(f"p{index}-b{b}-e{i}", time_ns=base + (i % 3)) for i in range(per_batch)])

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(push, i) for i in range(threads)]:
            future.result()
    for index, m in enumerate(machines):
        got, _ = all_logs(fleet, m.part_id, limit=137)
        assert len(got) == batches * per_batch, f"part {index}: {len(got)} entries"
        assert sorted(messages(got)) == sorted(f"p{index}-b{b}-e{i}" for b in range(batches) for i in range(per_batch))


# =========================================================================== separate servers


def test_logs_survive_a_restart(tmp_path) -> None:
    running = start_bootstrapped_server(tmp_path / "data", "Log Persistence Org")
    base = recent_base()
    sent = [full_entry(f"persisted {i}", base + i * 1001, level=("info", "error")[i % 2]) for i in range(120)]
    try:
        ch = open_channel(running.server.address)
        try:
            fleet = Fleet(ch, auth_metadata(ch, running.boot), running.boot)
            m = new_machine(fleet)
            m.log(sent)
            before, _ = all_logs(fleet, m.part_id, order=app_pb2.LOG_ORDER_ASCENDING)
            assert list(before) == sent
        finally:
            ch.close()
    finally:
        assert running.server.stop() == 0
    restarted = ServerProcess(running.data_dir).start()
    try:
        ch = open_channel(restarted.address)
        try:
            fleet = Fleet(ch, auth_metadata(ch, running.boot), running.boot)
            after, sizes = all_logs(fleet, m.part_id, order=app_pb2.LOG_ORDER_ASCENDING)
            assert list(after) == sent and sizes == [100, 20]
            errors, _ = all_logs(fleet, m.part_id, errors_only=True)
            assert len(errors) == 60
            # the machine can authenticate again and keep logging
            again = as_machine(fleet, m.part_id)
            again.log([entry("after restart", time_ns=base + HOUR)])
            assert messages(get_logs(fleet, m.part_id, limit=1).logs) == ["after restart"]
        finally:
            ch.close()
    finally:
        restarted.stop()


@pytest.fixture(scope="module")
def small_queue_server(tmp_path_factory: pytest.TempPathFactory):
    from harness import bootstrap

    data_dir = tmp_path_factory.mktemp("small-tail-queue") / "data"
    data_dir.mkdir(parents=True)
    boot = bootstrap(data_dir, "Small Tail Queue Org")
    process = ServerProcess(data_dir, extra_env={"FLEET_TAIL_QUEUE_ENTRIES": "10"}).start()
    ch = open_channel(process.address)
    try:
        yield Fleet(ch, auth_metadata(ch, boot), boot)
    finally:
        ch.close()
        process.stop()


DROPPED = " log entries were dropped because this tail fell behind"


def _is_warning(e: LogEntry) -> bool:
    return e.logger_name == "fleet-server.tail"


def _check_warning(e: LogEntry) -> int:
    assert e.level == "warn" and e.logger_name == "fleet-server.tail", e
    assert e.message.endswith(DROPPED), e.message
    count = int(e.message.removesuffix(DROPPED))
    assert count > 0
    return count


def test_slow_tail_gets_queue_then_a_dropped_warning(small_queue_server: Fleet) -> None:
    fleet = small_queue_server
    m = new_machine(fleet)
    with Tail(fleet, m.part_id) as tail:
        subscribe(m, tail)
        tail.reading.clear()  # stop reading (the reader finishes at most the batch it is waiting for)
        m.log([entry(f"burst {i}") for i in range(50)])
        tail.reading.set()
        got = tail.wait_real(11)
        time.sleep(0.3)  # nothing more may come
        got = tail.real()
        warnings = [e for e in got if _is_warning(e)]
        assert len(warnings) == 1, messages(got)
        assert _check_warning(warnings[0]) == 40
        assert messages([e for e in got if not _is_warning(e)]) == [f"burst {i}" for i in range(10)]
        assert got[0] is warnings[0] or got[0] == warnings[0], "the warning comes before the entries that were queued"
        # it keeps working afterwards, without another warning
        m.log([entry(f"after {i}") for i in range(5)])
        got = tail.wait_real(16)
        assert messages(got[11:]) == [f"after {i}" for i in range(5)]
    # every entry was stored: only the tail missed some
    assert len(real(all_logs(fleet, m.part_id, limit=1000)[0])) == 55


def test_slow_tail_accounts_for_every_entry(small_queue_server: Fleet) -> None:
    """A tail that does not read: every pushed entry is delivered or counted as dropped, in order."""
    fleet = small_queue_server
    m = new_machine(fleet)
    fast = Tail(fleet, m.part_id)
    slow = Tail(fleet, m.part_id)
    try:
        subscribe(m, fast, slow)
        slow.reading.clear()
        pushed = [f"big {b}-{i} " + "x" * 500 for b in range(8) for i in range(200)]
        for b in range(8):
            m.log([entry(msg) for msg in pushed[b * 200 : (b + 1) * 200]])
        slow.reading.set()

        def accounted(entries: list[LogEntry]) -> int:
            return sum(_check_warning(e) if _is_warning(e) else 1 for e in real(entries))

        assert slow.wait(lambda entries: accounted(entries) >= len(pushed)), accounted(slow.entries)
        time.sleep(0.3)
        got = slow.real()
        assert accounted(got) == len(pushed), "delivered + dropped must equal pushed"
        delivered = [e.message for e in got if not _is_warning(e)]
        assert delivered == [msg for msg in pushed if msg in set(delivered)], "delivered entries keep their order"
        assert any(_is_warning(e) for e in got)
        # the fast tail is a different subscription: it also accounts for every entry
        assert fast.wait(lambda entries: accounted(entries) >= len(pushed))
        assert accounted(fast.real()) == len(pushed)
    finally:
        fast.close()
        slow.close()
