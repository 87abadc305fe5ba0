"""Machine logs through viam-sdk.

The machine pushes logs with viam-sdk's generated `RobotServiceStub` on a
channel the SDK dialled and authenticated with robot-secret credentials
(entity = part id; see `machine_client`); the owner reads them with AppClient.get_robot_part_logs and
AppClient.tail_robot_part_logs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import asynccontextmanager
from copy import copy
from dataclasses import dataclass
from typing import Any, AsyncIterator, Optional

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpclib.client import Channel
from grpclib.const import Status
from sdk_helpers import AppClient, SdkServer, expect_error, unique
from viam.app.app_client import LogEntry
from viam.proto.app import LogOrder
from viam.proto.app.robot import LogRequest, RobotServiceStub
from viam.proto.common import LogEntry as LogEntryPB
from viam.rpc.dial import Credentials, DialOptions, _dial_app, _get_access_token
from viam.utils import dict_to_struct

SECOND = 1_000_000_000
HOUR = 3600 * SECOND
PROBE = "probe-"
TAIL_WAIT_S = 15.0


# --------------------------------------------------------------------------- machine side


@dataclass
class MachineConnection:
    """What ViamClient holds (`_channel`, `_metadata`), authenticated as a part."""

    _channel: Channel
    _metadata: dict[str, str]

    @property
    def app_client(self) -> AppClient:
        return AppClient(self._channel, self._metadata)


@asynccontextmanager
async def machine_client(address: str, part_id: str, secret: str) -> AsyncIterator[MachineConnection]:
    """The SDK's own dial and Authenticate path, with robot-secret credentials (entity = part id).

    ViamClient.create_from_dial_options refuses "robot-secret" credentials
    (viam-sdk 0.85.1 raises ValueError), so this does what it does inside:
    `_dial_app` without credentials, then `_get_access_token`.
    """
    options = DialOptions(credentials=Credentials(type="robot-secret", payload=secret), auth_entity=part_id, insecure=True)
    without_credentials = copy(options)
    without_credentials.credentials = None
    channel = await _dial_app(address, without_credentials)
    try:
        token = await _get_access_token(channel, part_id, options)
        yield MachineConnection(channel, {"authorization": f"Bearer {token}"})
    finally:
        channel.close()


async def push(client: MachineConnection, part_id: str, entries: list[LogEntryPB]) -> None:
    await RobotServiceStub(client._channel).Log(LogRequest(id=part_id, logs=entries), metadata=client._metadata)


def ts(time_ns: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromNanoseconds(time_ns)
    return stamp


def entry(message: str, level: str = "info", time_ns: Optional[int] = None, full: bool = False) -> LogEntryPB:
    e = LogEntryPB(message=message, level=level)
    if time_ns is not None:
        e.time.CopyFrom(ts(time_ns))
    if full:
        e.host = "robot-host"
        e.logger_name = "rdk.resource_manager"
        e.caller.CopyFrom(dict_to_struct({"Defined": True, "File": "/src/x.go", "Line": 12}))
        e.stack = "goroutine 7 [running]:\n"
        e.fields.extend([dict_to_struct({"key": "k", "value": "v"}), dict_to_struct({"n": 1.5})])
    return e


def sdk_entry(pb: LogEntryPB) -> LogEntry:
    """What get_robot_part_logs returns for a faithfully stored entry (levels are stored lowercased)."""
    normalized = LogEntryPB()
    normalized.CopyFrom(pb)
    normalized.level = pb.level.strip().lower() or "info"
    return LogEntry.from_proto(normalized)


def real(entries: list[LogEntry]) -> list[LogEntry]:
    return [e for e in entries if not e.message.startswith(PROBE)]


async def new_machine(app: AppClient, org_id: str) -> tuple[str, str]:
    """(part_id, part secret) of the main part of a fresh machine."""
    loc = await app.create_location(org_id, unique("loc"))
    robot_id = await app.new_robot(unique("robot"), loc.id)
    (part,) = await app.get_robot_parts(robot_id)
    secret = (await app.get_robot_part(part.id)).secret
    assert secret, "owners see the part secret"
    return part.id, secret


# --------------------------------------------------------------------------- tails


class SdkTail:
    """Consumes `async for batch in tail_robot_part_logs(...)` in a task."""

    def __init__(self, app: AppClient, part_id: str, errors_only: bool, filter: Optional[str] = None):
        self.entries: list[LogEntry] = []
        self.batches: list[int] = []
        self.changed = asyncio.Event()
        self.ended_cleanly = False
        self._app, self._part_id, self._errors_only, self._filter = app, part_id, errors_only, filter
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        stream = await self._app.tail_robot_part_logs(self._part_id, errors_only=self._errors_only, filter=self._filter)
        async for batch in stream:
            self.batches.append(len(batch))
            self.entries.extend(batch)
            self.changed.set()
        self.ended_cleanly = True
        self.changed.set()

    async def wait_for(self, predicate: Any, timeout: float = TAIL_WAIT_S) -> bool:
        async def loop() -> None:
            while not predicate(self.entries):
                if self.task.done():
                    self.task.result()  # raises the stream's error, if any
                    return
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(loop(), timeout)
        except asyncio.TimeoutError:
            pass
        return predicate(self.entries)

    async def wait_real(self, count: int) -> list[LogEntry]:
        await self.wait_for(lambda entries: len(real(entries)) >= count)
        got = real(self.entries)
        assert len(got) >= count, f"tail got {len(got)} of {count}: {[e.message for e in got][:20]}"
        return got

    async def close(self) -> None:
        self.task.cancel()
        try:
            await self.task
        except (asyncio.CancelledError, Exception):
            pass


async def subscribe(machine: MachineConnection, part_id: str, *tails: SdkTail, level: str = "error", text: str = "") -> None:
    """Pushes probes until every tail saw one."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        probe = f"{PROBE}{uuid.uuid4().hex} {text}".rstrip()
        await push(machine, part_id, [entry(probe, level=level)])
        seen = [await t.wait_for(lambda entries: probe in [e.message for e in entries], timeout=0.25) for t in tails]
        if all(seen):
            return
    pytest.fail("the tails never saw a probe entry")


# =========================================================================== tests


@pytest.mark.parametrize("total", [250, 300])
def test_get_robot_part_logs_num_log_entries(sdk_server: SdkServer, org_id: str, total: int) -> None:
    async def body(app: AppClient) -> None:
        part_id, secret = await new_machine(app, org_id)
        base = time.time_ns() - HOUR
        # groups of 7 entries share a timestamp; mixed-case levels; full entries every 5th
        sent = [
            entry(f"m{i:04d}", level=("info", "ERROR", "Warn")[i % 3], time_ns=base + (i // 7) * 1000, full=i % 5 == 0)
            for i in range(total)
        ]
        async with machine_client(sdk_server.address, part_id, secret) as machine:
            await push(machine, part_id, sent)
        newest_first = [sdk_entry(e) for e in reversed(sent)]  # equal times: later insertion first

        for n in (0, 1, 100, 250):
            got = await app.get_robot_part_logs(part_id, num_log_entries=n)
            expected = newest_first if n == 0 else newest_first[:n]
            assert [e.message for e in got] == [e.message for e in expected], f"num_log_entries={n}"
            assert got == expected, f"num_log_entries={n}: entries differ"
        default = await app.get_robot_part_logs(part_id)
        assert default == newest_first[:100]
        ascending = await app.get_robot_part_logs(part_id, num_log_entries=0, order=LogOrder.LOG_ORDER_ASCENDING)
        assert ascending == newest_first[::-1]

    sdk_server.run(body)


def test_get_robot_part_logs_filter_levels_and_time(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        part_id, secret = await new_machine(app, org_id)
        base = (time.time_ns() - HOUR) // SECOND * SECOND
        sent = [
            entry("Motor stalled", level="error", time_ns=base + 1 * SECOND),
            entry("motor ok", level="info", time_ns=base + 2 * SECOND),
            entry("camera 100% ok", level="INFO", time_ns=base + 3 * SECOND),
            entry("MOTOR hot", level="warn", time_ns=base + 4 * SECOND),
            entry("fatal motor", level="fatal", time_ns=base + 5 * SECOND),
            entry("custom thing", level="Custom", time_ns=base + 6 * SECOND),
        ]
        async with machine_client(sdk_server.address, part_id, secret) as machine:
            await push(machine, part_id, sent)

        async def messages(**kw: Any) -> list[str]:
            return [e.message for e in await app.get_robot_part_logs(part_id, num_log_entries=0, **kw)]

        assert await messages(filter="motor") == ["fatal motor", "MOTOR hot", "motor ok", "Motor stalled"]
        assert await messages(filter="%") == ["camera 100% ok"]
        assert await messages(log_levels=["error", "fatal"]) == ["fatal motor", "Motor stalled"]
        assert await messages(log_levels=["INFO"]) == ["camera 100% ok", "motor ok"]
        assert await messages(log_levels=["custom"]) == ["custom thing"]
        assert await messages(filter="motor", log_levels=["warn", "info"]) == ["MOTOR hot", "motor ok"]
        start = ts(base + 2 * SECOND).ToDatetime()
        end = ts(base + 5 * SECOND).ToDatetime()
        assert await messages(start=start, end=end) == ["MOTOR hot", "camera 100% ok", "motor ok"]
        assert await messages(start=start, range="2s") == ["camera 100% ok", "motor ok"]
        assert await messages(end=end, range="2s") == ["MOTOR hot", "camera 100% ok"]
        assert await messages(range="1d") == [e.message for e in reversed(sent)]
        assert await messages(range="10m") == []
        assert await messages(filter="nothing matches") == []

        await expect_error(Status.INVALID_ARGUMENT, app.get_robot_part_logs(part_id, start=start, end=end, range="1h"), "range")
        await expect_error(Status.INVALID_ARGUMENT, app.get_robot_part_logs(part_id, range="ten minutes"), "range")
        await expect_error(Status.INVALID_ARGUMENT, app.get_robot_part_logs(part_id, start=end, end=start), "end")
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_part_logs(str(uuid.uuid4())))

    sdk_server.run(body)


def test_machine_permissions(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        part_id, secret = await new_machine(app, org_id)
        other_part_id, other_secret = await new_machine(app, org_id)
        async with machine_client(sdk_server.address, part_id, secret) as machine:
            await push(machine, part_id, [entry("mine")])
            # only the part itself may log
            await expect_error(Status.PERMISSION_DENIED, push(machine, other_part_id, [entry("not mine")]))
            # machines may not use AppService
            await expect_error(Status.PERMISSION_DENIED, machine.app_client.list_organizations())
            await expect_error(Status.PERMISSION_DENIED, machine.app_client.get_robot_part_logs(part_id))
        # an owner API key may not log as the machine
        owner_stub = RobotServiceStub(app._channel)
        await expect_error(
            Status.PERMISSION_DENIED,
            owner_stub.Log(LogRequest(id=part_id, logs=[entry("owner")]), metadata=app._metadata),
        )
        # a wrong secret or an unknown part does not authenticate, with the same message
        channel = await _dial_app(sdk_server.address, DialOptions(insecure=True))
        try:
            messages = []
            for entity, payload in ((part_id, other_secret), (str(uuid.uuid4()), secret)):
                options = DialOptions(credentials=Credentials(type="robot-secret", payload=payload), auth_entity=entity)
                err = await expect_error(Status.UNAUTHENTICATED, _get_access_token(channel, entity, options))
                messages.append(err.message)
            assert messages[0] == messages[1], messages
        finally:
            channel.close()
        assert [e.message for e in await app.get_robot_part_logs(part_id)] == ["mine"]
        assert await app.get_robot_part_logs(other_part_id) == []

    sdk_server.run(body)


def test_tail_robot_part_logs(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        part_id, secret = await new_machine(app, org_id)
        async with machine_client(sdk_server.address, part_id, secret) as machine:
            await push(machine, part_id, [entry("before the tails", level="error")])
            everything = SdkTail(app, part_id, errors_only=False)
            errors = SdkTail(app, part_id, errors_only=True)
            filtered = SdkTail(app, part_id, errors_only=False, filter="NEEDLE")
            try:
                await subscribe(machine, part_id, everything, errors, filtered, text="needle")
                base = time.time_ns()
                sent = [
                    entry("info one", time_ns=base + 1, full=True),
                    entry("an error", level="ERROR", time_ns=base + 2),
                    entry("warn with needle", level="warn", time_ns=base + 3),
                    entry("panic needle", level="panic", time_ns=base + 4),
                    entry("debug", level="debug", time_ns=base + 5),
                ]
                await push(machine, part_id, sent[:2])
                await push(machine, part_id, sent[2:])
                await push(machine, part_id, [entry("end needle", level="fatal")])
                got_all = await everything.wait_real(6)
                assert got_all[:5] == [sdk_entry(e) for e in sent], "the tail delivers every field"
                assert [e.message for e in got_all] == [e.message for e in sent] + ["end needle"]
                assert [e.message for e in await errors.wait_real(3)] == ["an error", "panic needle", "end needle"]
                assert [e.message for e in await filtered.wait_real(3)] == ["warn with needle", "panic needle", "end needle"]
                for tail in (everything, errors, filtered):
                    assert 0 not in tail.batches, "never an empty batch"
                    assert "before the tails" not in [e.message for e in tail.entries]
            finally:
                for tail in (everything, errors, filtered):
                    await tail.close()

    sdk_server.run(body)


def test_tail_ends_when_the_part_is_deleted(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        robot_id = await app.new_robot(unique("robot"), loc.id)
        part_id = await app.new_robot_part(robot_id, unique("part"))
        secret = (await app.get_robot_part(part_id)).secret
        async with machine_client(sdk_server.address, part_id, secret) as machine:
            tail = SdkTail(app, part_id, errors_only=False)
            try:
                await subscribe(machine, part_id, tail)
                await push(machine, part_id, [entry("last words")])
                assert [e.message for e in await tail.wait_real(1)] == ["last words"]
                await app.delete_robot_part(part_id)
                await asyncio.wait_for(asyncio.shield(tail.task), TAIL_WAIT_S)  # raises if the stream failed
                assert tail.ended_cleanly
            finally:
                await tail.close()

    sdk_server.run(body)
