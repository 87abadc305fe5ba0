"""client.FleetClient through a real server: every method, typed errors, log paging and tail iterators,
part configs (optimistic concurrency, history paging), machine check-ins and restarts,
API keys, roles, users, members and invites, secrets and location sharing, fragments
(revisions, tags, history paging, usage) and machine summaries.

Each test runs its own event loop (`asyncio.run`) and its own client. The only
timing assumption, "the tail is subscribed", is established by pushing probe
entries until the tail sees one, never by sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

import client
from client import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    FleetClient,
    FleetError,
    InvalidArgument,
    Members,
    NewKey,
    NotFound,
    PermissionDenied,
    Role,
    Unauthenticated,
    Unavailable,
    UnexpectedError,
    DeadlineExceeded,
    ResourceExhausted,
    log_entry,
)
from client.errors import from_rpc_error
from client.logs import struct_to_dict
from conftest import (
    SAMPLE_METADATA,
    UNKNOWN_LOCATION,
    UNKNOWN_ORG,
    UNKNOWN_PART,
    UNKNOWN_ROBOT,
    add_user,
    unique,
    unique_namespace,
)
from generated.viam.app.v1 import app_pb2, robot_pb2
from generated.viam.common.v1.common_pb2 import LogEntry
from harness import free_port

T = TypeVar("T")
TAIL_WAIT_S = 10.0
PROBE = "probe-"


def run(body: Callable[[FleetClient], Awaitable[T]], server: Any) -> T:
    """Connects with the bootstrap key, runs `body(fleet)` and closes the client."""

    async def main() -> T:
        async with await FleetClient.connect(server.server.address, server.boot.api_key_id, server.boot.api_key) as fleet:
            return await body(fleet)

    return asyncio.run(main())


@contextlib.asynccontextmanager
async def machine_of(fleet: FleetClient, part_id: str) -> AsyncIterator[FleetClient]:
    """A client authenticated as the part (robot-secret credentials)."""
    secret = (await fleet.get_robot_part(part_id)).secret
    assert secret, "owners see the part secret"
    async with await FleetClient.connect_machine(fleet.connection.address, part_id, secret) as machine:
        yield machine


async def new_part(fleet: FleetClient) -> str:
    """A fresh org/location/machine; returns the machine's main part id."""
    org = await fleet.create_organization(unique("org"))
    location = await fleet.create_location(org.id, unique("loc"))
    robot_id = await fleet.new_robot(unique("robot"), location.id)
    return (await fleet.get_robot_parts(robot_id))[0].id


def recent(minutes_ago: float) -> datetime:
    """Recent enough that log retention never touches it."""
    return datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)


# --------------------------------------------------------------------------- connection and errors


def test_connect_lists_the_bootstrap_organization(server):
    orgs = run(lambda fleet: fleet.list_organizations(), server)
    assert server.boot.organization_id in {o.id for o in orgs}
    assert all(isinstance(o, app_pb2.Organization) for o in orgs)


def test_every_call_carries_the_bearer_token(server):
    async def body(fleet: FleetClient) -> None:
        assert fleet.connection.metadata == (("authorization", f"Bearer {fleet.connection.token}"),)
        assert fleet.connection.token.count(".") == 2  # a JWT

    run(body, server)


def test_context_manager_closes_the_channel(server):
    async def main() -> None:
        fleet = await FleetClient.connect(server.server.address, server.boot.api_key_id, server.boot.api_key)
        async with fleet:
            await fleet.list_organizations()
        assert fleet.connection.channel.get_state() == grpc.ChannelConnectivity.SHUTDOWN

    asyncio.run(main())


@pytest.mark.parametrize("key_id, key", [("good", "wrong"), ("unknown", "wrong"), ("good", "")])
def test_wrong_credentials_are_unauthenticated(server, key_id, key):
    entity = server.boot.api_key_id if key_id == "good" else str(uuid.uuid4())
    with pytest.raises(Unauthenticated) as caught:
        asyncio.run(FleetClient.connect(server.server.address, entity, key))
    error = caught.value
    assert not isinstance(error, grpc.RpcError)
    assert error.code == grpc.StatusCode.UNAUTHENTICATED
    assert error.reason == "UNAUTHENTICATED"
    assert error.message == "invalid credentials"


def test_unreachable_server_is_unavailable():
    with pytest.raises(Unavailable) as caught:
        asyncio.run(FleetClient.connect(f"127.0.0.1:{free_port()}", "id", "key", timeout=5))
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
    assert isinstance(caught.value, FleetError)


def test_invalid_argument_names_the_field(server):
    async def body(fleet: FleetClient) -> None:
        with pytest.raises(InvalidArgument) as caught:
            await fleet.create_organization("   ")
        assert caught.value.field == "name"
        assert caught.value.reason == "INVALID_ARGUMENT"
        assert caught.value.description
        assert caught.value.message.startswith("name")
        with pytest.raises(InvalidArgument) as caught:
            await fleet.get_robot("")
        assert caught.value.field == "id"
        org = await fleet.create_organization(unique("org"))
        with pytest.raises(InvalidArgument) as caught:
            await fleet.update_organization_metadata(org.id, {"x": float("nan")})
        assert caught.value.field == "data"
        elsewhere = await fleet.create_location((await fleet.create_organization(unique("org"))).id, unique("loc"))
        with pytest.raises(InvalidArgument) as caught:  # a parent in another organization
            await fleet.create_location(org.id, unique("loc"), parent_location_id=elsewhere.id)
        assert caught.value.field == "parent_location_id"

    run(body, server)


def test_unknown_ids_are_permission_denied(server):
    async def body(fleet: FleetClient) -> None:
        calls = [
            fleet.get_organization(UNKNOWN_ORG),
            fleet.get_location(UNKNOWN_LOCATION),
            fleet.get_robot(UNKNOWN_ROBOT),
            fleet.get_robot_part(UNKNOWN_PART),
            fleet.get_robot_part_logs(UNKNOWN_PART),
        ]
        for call in calls:
            with pytest.raises(PermissionDenied) as caught:
                await call
            assert caught.value.reason == "PERMISSION_DENIED"
            assert caught.value.code == grpc.StatusCode.PERMISSION_DENIED

    run(body, server)


def _aio_error(code: grpc.StatusCode, message: str, details: list[Any] | None, raw: bytes | None = None) -> grpc.aio.AioRpcError:
    trailers: list[tuple[str, Any]] = []
    if details is not None:
        packed = []
        for detail in details:
            holder = any_pb2.Any()
            holder.Pack(detail)
            packed.append(holder)
        status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=packed)
        trailers.append(("grpc-status-details-bin", status.SerializeToString()))
    if raw is not None:
        trailers.append(("grpc-status-details-bin", raw))
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailers), details=message)


@pytest.mark.parametrize(
    "code, kind",
    [
        (grpc.StatusCode.UNAUTHENTICATED, Unauthenticated),
        (grpc.StatusCode.PERMISSION_DENIED, PermissionDenied),
        (grpc.StatusCode.NOT_FOUND, NotFound),
        (grpc.StatusCode.INVALID_ARGUMENT, InvalidArgument),
        (grpc.StatusCode.ALREADY_EXISTS, AlreadyExists),
        (grpc.StatusCode.FAILED_PRECONDITION, FailedPrecondition),
        (grpc.StatusCode.ABORTED, Aborted),
        (grpc.StatusCode.UNAVAILABLE, Unavailable),
        (grpc.StatusCode.INTERNAL, UnexpectedError),
        (grpc.StatusCode.UNIMPLEMENTED, UnexpectedError),
        (grpc.StatusCode.DEADLINE_EXCEEDED, DeadlineExceeded),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, ResourceExhausted),
        (grpc.StatusCode.UNKNOWN, UnexpectedError),
    ],
)
def test_status_codes_map_to_exception_types(code, kind):
    error = from_rpc_error(_aio_error(code, "boom", [error_details_pb2.ErrorInfo(reason="SPECIAL", domain="d")]))
    assert type(error) is kind
    assert (error.code, error.message, error.reason) == (code, "boom", "SPECIAL")
    bare = from_rpc_error(_aio_error(code, "boom", None))
    assert type(bare) is kind and bare.reason == code.name and bare.details == ()
    garbage = from_rpc_error(_aio_error(code, "boom", None, raw=b"\xff\x00not a status"))
    assert type(garbage) is kind and garbage.reason == code.name


def test_quota_failure_is_exposed():
    error = from_rpc_error(_aio_error(
        grpc.StatusCode.RESOURCE_EXHAUSTED, "too many tails",
        [error_details_pb2.QuotaFailure(violations=[{"subject": "api-key:k1", "description": "at most 2"}])],
    ))
    assert isinstance(error, ResourceExhausted)
    assert [(v.subject, v.description) for v in error.violations] == [("api-key:k1", "at most 2")]


def test_rich_details_are_exposed():
    bad = from_rpc_error(
        _aio_error(
            grpc.StatusCode.INVALID_ARGUMENT,
            "name: too long",
            [error_details_pb2.BadRequest(field_violations=[{"field": "name", "description": "too long"}])],
        )
    )
    assert isinstance(bad, InvalidArgument) and (bad.field, bad.description) == ("name", "too long")
    assert bad.reason == "INVALID_ARGUMENT"  # no ErrorInfo: the code name
    missing = from_rpc_error(
        _aio_error(grpc.StatusCode.NOT_FOUND, "x", [error_details_pb2.ResourceInfo(resource_type="robot_part", resource_name="p")])
    )
    assert isinstance(missing, NotFound) and (missing.resource_type, missing.resource_name) == ("robot_part", "p")
    assert not isinstance(from_rpc_error(_aio_error(grpc.StatusCode.ALREADY_EXISTS, "x", [])), NotFound)
    failed = from_rpc_error(
        _aio_error(
            grpc.StatusCode.FAILED_PRECONDITION,
            "x",
            [error_details_pb2.PreconditionFailure(violations=[{"type": "STATE", "subject": "s", "description": "d"}])],
        )
    )
    assert isinstance(failed, FailedPrecondition) and failed.violations == [client.Violation("STATE", "s", "d")]
    stale = from_rpc_error(
        _aio_error(
            grpc.StatusCode.ABORTED,
            "conflict",
            [error_details_pb2.PreconditionFailure(violations=[{"type": "STALE", "subject": "last_known_update", "description": "d"}])],
        )
    )
    assert isinstance(stale, Aborted) and not isinstance(stale, FailedPrecondition)
    assert stale.violations == [client.Violation("STALE", "last_known_update", "d")]
    assert stale.hint == "the part changed since you read it; re-read and retry"
    assert str(stale) == f"ABORTED: conflict ({stale.hint})", "the hint is added when the server's message lacks one"
    assert from_rpc_error(_aio_error(grpc.StatusCode.ABORTED, "x", None)).violations == []


# --------------------------------------------------------------------------- organizations


def test_organizations(server):
    async def body(fleet: FleetClient) -> None:
        name = unique("org")
        org = await fleet.create_organization(f"  {name}  ")
        assert org.name == name and org.default_region == "us-east-1" and org.id
        assert (await fleet.get_organization(org.id)) == org
        assert org.id in {o.id for o in await fleet.list_organizations()}

        namespace = unique_namespace()
        assert await fleet.get_organization_namespace_availability(namespace) is True
        renamed = await fleet.update_organization(org.id, name="Renamed", public_namespace=namespace)
        assert (renamed.name, renamed.public_namespace) == ("Renamed", namespace)
        assert await fleet.get_organization_namespace_availability(namespace) is False
        kept = await fleet.update_organization(org.id, cid="c-1")
        assert (kept.name, kept.cid) == ("Renamed", "c-1")
        with pytest.raises(FailedPrecondition) as caught:
            await fleet.update_organization(org.id, public_namespace=unique_namespace())
        assert caught.value.violations and caught.value.reason == "FAILED_PRECONDITION"

        assert await fleet.get_organization_metadata(org.id) == {}
        await fleet.update_organization_metadata(org.id, SAMPLE_METADATA)
        assert await fleet.get_organization_metadata(org.id) == SAMPLE_METADATA
        await fleet.update_organization_metadata(org.id, None)
        assert await fleet.get_organization_metadata(org.id) == {}

        await fleet.delete_organization(org.id)
        assert org.id not in {o.id for o in await fleet.list_organizations()}
        with pytest.raises(PermissionDenied):
            await fleet.get_organization(org.id)

    run(body, server)


# --------------------------------------------------------------------------- locations


def test_locations(server):
    async def body(fleet: FleetClient) -> None:
        org = await fleet.create_organization(unique("org"))
        parent = await fleet.create_location(org.id, "Plant")
        child = await fleet.create_location(org.id, "Floor 1", parent_location_id=parent.id)
        assert child.parent_location_id == parent.id and parent.parent_location_id == ""
        assert (await fleet.get_location(child.id)).name == "Floor 1"
        assert {v.id for v in await fleet.list_locations(org.id)} == {parent.id, child.id}

        renamed = await fleet.update_location(child.id, name="Floor 2")
        assert (renamed.name, renamed.parent_location_id) == ("Floor 2", parent.id)
        moved = await fleet.update_location(child.id, parent_location_id="")
        assert (moved.name, moved.parent_location_id) == ("Floor 2", "")
        await fleet.update_location(child.id, parent_location_id=parent.id)

        await fleet.update_location_metadata(parent.id, {"site": "north"})
        assert await fleet.get_location_metadata(parent.id) == {"site": "north"}

        with pytest.raises(FailedPrecondition) as caught:
            await fleet.delete_location(parent.id)
        assert caught.value.violations, "PreconditionFailure detail"
        assert caught.value.violations[0].description == caught.value.message
        await fleet.delete_location(child.id)
        await fleet.delete_location(parent.id)
        assert await fleet.list_locations(org.id) == []

    run(body, server)


# --------------------------------------------------------------------------- machines


def test_machines(server):
    async def body(fleet: FleetClient) -> None:
        org = await fleet.create_organization(unique("org"))
        first = await fleet.create_location(org.id, "A")
        second = await fleet.create_location(org.id, "B")
        robot_id = await fleet.new_robot("rover", first.id)
        robot = await fleet.get_robot(robot_id)
        assert (robot.id, robot.name, robot.location) == (robot_id, "rover", first.id)
        assert robot.online_state == app_pb2.ONLINE_STATE_AWAITING_SETUP

        with pytest.raises(AlreadyExists) as caught:
            await fleet.new_robot("rover", first.id)
        assert caught.value.resource_type and caught.value.resource_name
        assert caught.value.reason == "ALREADY_EXISTS"

        other_id = await fleet.new_robot("digger", second.id)
        assert [r.id for r in await fleet.list_robots(first.id)] == [robot_id]
        assert {r.id for r in await fleet.list_robots_for_org(org.id)} == {robot_id, other_id}
        assert {r.id for r in await fleet.list_robots_for_locations([first.id, second.id])} == {robot_id, other_id}

        renamed = await fleet.update_robot(robot_id, "rover-2")
        assert (renamed.name, renamed.location) == ("rover-2", first.id)
        moved = await fleet.update_robot(robot_id, "rover-2", second.id)
        assert moved.location == second.id

        await fleet.update_robot_metadata(robot_id, {"serial": 42})
        assert await fleet.get_robot_metadata(robot_id) == {"serial": 42}

        await fleet.delete_robot(other_id)
        assert [r.id for r in await fleet.list_robots(second.id)] == [robot_id]

    run(body, server)


# --------------------------------------------------------------------------- parts


def test_parts(server):
    async def body(fleet: FleetClient) -> None:
        org = await fleet.create_organization(unique("org"))
        location = await fleet.create_location(org.id, "Lab")
        robot_id = await fleet.new_robot("arm", location.id)
        (main,) = await fleet.get_robot_parts(robot_id)
        assert (main.name, main.main_part) == ("arm-main", True)
        assert main.secret, "owners see part secrets"

        part_id = await fleet.new_robot_part(robot_id, "Camera Node")
        part = await fleet.get_robot_part(part_id)
        assert (part.name, part.dns_name, part.robot, part.main_part) == ("Camera Node", "camera-node", robot_id, False)
        assert part.fqdn == f"camera-node.{location.id}.fleet.local"
        assert {p.id for p in await fleet.get_robot_parts(robot_id)} == {main.id, part_id}
        assert (await fleet.get_robot_part_by_name_and_location("Camera Node", location.id)).id == part_id
        assert (await fleet.get_robot_part_by_name_and_location(part.fqdn, location.id)).id == part_id

        with pytest.raises(NotFound) as caught:
            await fleet.get_robot_part_by_name_and_location("nope", location.id)
        assert caught.value.resource_name == "nope" and caught.value.resource_type
        with pytest.raises(AlreadyExists):
            await fleet.new_robot_part(robot_id, "Camera Node")
        with pytest.raises(FailedPrecondition):
            await fleet.delete_robot_part(main.id)

        await fleet.update_robot_part_metadata(part_id, {"lens": "wide"})
        assert await fleet.get_robot_part_metadata(part_id) == {"lens": "wide"}

        await fleet.mark_part_as_main(part_id)
        assert (await fleet.get_robot_part(part_id)).main_part is True
        await fleet.delete_robot_part(main.id)
        assert [p.id for p in await fleet.get_robot_parts(robot_id)] == [part_id]

    run(body, server)


# --------------------------------------------------------------------------- part configs, history, restarts


def utc(stamp: Any) -> datetime:
    return stamp.ToDatetime(tzinfo=timezone.utc)


def test_update_robot_part_and_stale_updates_are_aborted(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        read = await fleet.get_robot_part(part_id)
        assert read.robot_config_json == "{}"

        updated = await fleet.update_robot_part(
            part_id, read.name, config={"components": [{"name": "arm1"}]}, last_known_update=utc(read.last_updated)
        )
        assert isinstance(updated, app_pb2.RobotPart) and updated.id == part_id
        assert struct_to_dict(updated.robot_config) == {"components": [{"name": "arm1"}]}
        assert utc(updated.last_updated) > utc(read.last_updated)

        # A second writer that read the same version is refused, and nothing changes.
        with pytest.raises(Aborted) as caught:
            await fleet.update_robot_part(part_id, "renamed", config_json='{"x":1}', last_known_update=utc(read.last_updated))
        error = caught.value
        assert error.code == grpc.StatusCode.ABORTED and error.reason == "ABORTED"
        assert error.violations and error.violations[0].subject == "last_known_update"
        assert "re-read" in error.message and error.hint
        current = await fleet.get_robot_part(part_id)
        assert (current.name, current.robot_config_json, current.last_updated) == (
            read.name,
            '{"components":[{"name":"arm1"}]}',
            updated.last_updated,
        )

        # config_json keeps key order (stored compact); the Timestamp itself works as last_known_update.
        text = '{\n  "zeta": 1,\n  "alpha": {"y": [1, 2.5, "é"], "b": null},\n  "mid": true\n}'
        ordered = await fleet.update_robot_part(part_id, "renamed", config_json=text, last_known_update=current.last_updated)
        assert ordered.robot_config_json == '{"zeta":1,"alpha":{"y":[1,2.5,"é"],"b":null},"mid":true}'
        assert ordered.name == "renamed" and ordered.dns_name == read.dns_name, "renaming keeps the dns name"

        # neither config: kept; no last_known_update: no check
        kept = await fleet.update_robot_part(part_id, "renamed again")
        assert (kept.name, kept.robot_config_json) == ("renamed again", ordered.robot_config_json)

        with pytest.raises(ValueError):
            await fleet.update_robot_part(part_id, "x", config={}, config_json="{}")
        with pytest.raises(InvalidArgument) as invalid:
            await fleet.update_robot_part(part_id, "renamed again", config_json="[1, 2]")
        assert invalid.value.field == "robot_config_json"
        with pytest.raises(InvalidArgument) as invalid:
            await fleet.update_robot_part(part_id, "  ")
        assert invalid.value.field == "name"
        with pytest.raises(PermissionDenied):
            await fleet.update_robot_part(UNKNOWN_PART, "x")
        assert (await fleet.get_robot_part(part_id)).last_updated == kept.last_updated, "refused updates write nothing"

    run(body, server)


def test_part_history_pages_and_iterator(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        assert await fleet.get_robot_part_history(part_id) == client.PartHistoryPage([], "")
        assert [e async for e in fleet.iter_robot_part_history(part_id)] == []
        original = (await fleet.get_robot_part(part_id)).name
        for i in range(5):
            await fleet.update_robot_part(part_id, f"v{i}", config_json=f'{{"step":{i}}}')
        # entry i holds the part before update i: names original, v0..v3, newest first
        expected = [f"v{i}" for i in reversed(range(4))] + [original]

        page = await fleet.get_robot_part_history(part_id, limit=2)
        assert isinstance(page, client.PartHistoryPage)
        assert [e.old.name for e in page.entries] == expected[:2] and page.next_page_token
        entry = page.entries[0]
        assert isinstance(entry, app_pb2.RobotPartHistoryEntry)
        assert (entry.part, entry.old.robot_config_json) == (part_id, '{"step":3}')
        assert (entry.edited_by.type, entry.edited_by.value) == (app_pb2.AUTHENTICATION_TYPE_API_KEY, server.boot.api_key_id)
        assert not entry.edited_by.is_deactivated
        assert entry.when == (await fleet.get_robot_part(part_id)).last_updated, "when = the part's new last_updated"
        second = await fleet.get_robot_part_history(part_id, page_token=page.next_page_token, limit=2)
        assert [e.old.name for e in second.entries] == expected[2:4]

        calls: list[str] = []
        fetch = fleet.get_robot_part_history

        async def counting(*args: Any, **kwargs: Any) -> client.PartHistoryPage:
            calls.append(kwargs.get("page_token", ""))
            return await fetch(*args, **kwargs)

        fleet.get_robot_part_history = counting  # type: ignore[method-assign]
        entries = [e async for e in fleet.iter_robot_part_history(part_id, page_size=2)]
        assert [e.old.name for e in entries] == expected
        assert len(calls) == 3 and calls[0] == "" and all(calls[1:]), "three pages of 2, following the tokens"
        assert [e.old.name async for e in fleet.iter_robot_part_history(part_id)] == expected
        assert len(calls) == 4, "the default page holds them all"

        whens = [utc(e.when) for e in entries]
        window = [e.old.name async for e in fleet.iter_robot_part_history(part_id, start=whens[3], end=whens[1])]
        assert window == expected[2:4], "start inclusive, end exclusive"
        with pytest.raises(InvalidArgument) as caught:
            await fleet.get_robot_part_history(part_id, page_token="not-a-token")
        assert caught.value.field == "page_token"

    run(body, server)


def test_machine_config_and_restart_flag(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        part = await fleet.get_robot_part(part_id)
        await fleet.update_robot_part(
            part_id, part.name, config_json='{"components":[{"name":"arm1","api":"rdk:component:arm","model":"fake"}],"extra":1}'
        )
        with pytest.raises(ValueError):
            await fleet.needs_restart()  # an API-key client has no part of its own
        with pytest.raises(ValueError):
            await fleet.config()
        async with machine_of(fleet, part_id) as machine:
            response = await machine.config(agent_info=robot_pb2.AgentInfo(host="rover-host", os="linux", version="0.1"))
            assert isinstance(response, robot_pb2.ConfigResponse)
            assert (response.config.cloud.id, response.config.cloud.fqdn) == (part_id, part.fqdn)
            assert [c.name for c in response.config.components] == ["arm1"]
            revision = response.config.revision
            assert revision

            assert await machine.needs_restart() is False
            await fleet.mark_part_for_restart(part_id)
            await fleet.mark_part_for_restart(part_id)  # marking twice changes nothing
            assert await machine.needs_restart() is True
            assert await machine.needs_restart() is False, "reported once, then cleared"

            await fleet.update_robot_part(part_id, part.name, config={})
            assert (await machine.config()).config.revision != revision, "the revision follows updates"
            other = await new_part(fleet)
            with pytest.raises(PermissionDenied):
                await machine.needs_restart(part_id=other)
            with pytest.raises(PermissionDenied):
                await machine.mark_part_for_restart(part_id)  # machines only call RobotService
        assert (await fleet.get_robot_part(part_id)).online_state == app_pb2.ONLINE_STATE_ONLINE
        with pytest.raises(PermissionDenied):
            await fleet.mark_part_for_restart(UNKNOWN_PART)

    run(body, server)


# --------------------------------------------------------------------------- logs: writing and paging


def test_machine_logs_and_reads_a_page(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        async with machine_of(fleet, part_id) as machine:
            assert machine.part_id == part_id
            await machine.log(
                [
                    log_entry("boot", "info", time=recent(10), logger_name="robot", host="h1"),
                    log_entry("motor stalled", "error", time=recent(9), fields=[{"motor": "left", "amps": 3.5}]),
                    log_entry("retrying", "warn", time=recent(8), caller={"File": "x.go", "Line": 12}),
                    log_entry("ok", "debug", time=recent(7)),
                ]
            )
        page = await fleet.get_robot_part_logs(part_id)
        assert isinstance(page, client.LogPage)
        assert [e.message for e in page.entries] == ["ok", "retrying", "motor stalled", "boot"], "newest first"
        assert page.next_page_token == ""
        assert all(isinstance(e, LogEntry) for e in page.entries)
        boot, stalled = page.entries[3], page.entries[2]
        assert (boot.level, boot.logger_name, boot.host) == ("info", "robot", "h1")
        assert struct_to_dict(stalled.fields[0]) == {"motor": "left", "amps": 3.5}

        ascending = await fleet.get_robot_part_logs(part_id, ascending=True)
        assert [e.message for e in ascending.entries] == ["boot", "motor stalled", "retrying", "ok"]
        errors = await fleet.get_robot_part_logs(part_id, levels=["error", "warn"])
        assert [e.message for e in errors.entries] == ["retrying", "motor stalled"]
        assert [e.message for e in (await fleet.get_robot_part_logs(part_id, errors_only=True)).entries] == ["motor stalled"]
        assert [e.message for e in (await fleet.get_robot_part_logs(part_id, filter="stall")).entries] == ["motor stalled"]
        window = await fleet.get_robot_part_logs(part_id, start=recent(9.5), end=recent(7.5))
        assert [e.message for e in window.entries] == ["retrying", "motor stalled"]
        two = await fleet.get_robot_part_logs(part_id, limit=2)
        assert [e.message for e in two.entries] == ["ok", "retrying"] and two.next_page_token
        rest = await fleet.get_robot_part_logs(part_id, limit=2, page_token=two.next_page_token)
        assert [e.message for e in rest.entries] == ["motor stalled", "boot"]
        with pytest.raises(InvalidArgument) as caught:
            await fleet.get_robot_part_logs(part_id, start=recent(1), end=recent(2))
        assert caught.value.field == "end"

    run(body, server)


def test_log_entries_without_time_get_the_receipt_time(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        before = time.time()
        async with machine_of(fleet, part_id) as machine:
            await machine.log([log_entry("no time")])
        (entry,) = (await fleet.get_robot_part_logs(part_id)).entries
        assert before - 5 <= entry.time.ToDatetime(tzinfo=timezone.utc).timestamp() <= time.time() + 5

    run(body, server)


def test_default_page_is_100_and_the_iterator_follows_tokens(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        base = recent(30)
        async with machine_of(fleet, part_id) as machine:
            await machine.log([log_entry(f"m{i:03d}", time=base + timedelta(seconds=i)) for i in range(250)])

        first = await fleet.get_robot_part_logs(part_id)
        assert len(first.entries) == 100 and first.next_page_token
        assert first.entries[0].message == "m249"

        calls: list[str | None] = []
        original = fleet.get_robot_part_logs

        async def counting(*args: Any, **kwargs: Any) -> client.LogPage:
            calls.append(kwargs.get("page_token"))
            return await original(*args, **kwargs)

        fleet.get_robot_part_logs = counting  # type: ignore[method-assign]
        newest_first = [e.message async for e in fleet.iter_robot_part_logs(part_id, page_size=100)]
        assert newest_first == [f"m{i:03d}" for i in reversed(range(250))]
        assert len(calls) == 3 and calls[0] is None and all(calls[1:])
        oldest_first = [e.message async for e in fleet.iter_robot_part_logs(part_id, ascending=True, page_size=1000)]
        assert oldest_first == [f"m{i:03d}" for i in range(250)]
        assert len(calls) == 4, "one page of 1000 holds them all"
        filtered = [e.message async for e in fleet.iter_robot_part_logs(part_id, filter="m24", page_size=3)]
        assert filtered == [f"m24{i}" for i in reversed(range(10))]

    run(body, server)


def test_empty_log_iterator(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        assert [e async for e in fleet.iter_robot_part_logs(part_id)] == []

    run(body, server)


def test_log_batches_hold_at_most_1000_entries(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        async with machine_of(fleet, part_id) as machine:
            with pytest.raises(InvalidArgument) as caught:
                await machine.log([log_entry(f"x{i}") for i in range(client.MAX_LOG_BATCH + 1)])
            assert caught.value.field == "logs"
            await machine.log([log_entry(f"x{i}") for i in range(client.MAX_LOG_BATCH)])
        assert len((await fleet.get_robot_part_logs(part_id, limit=1000)).entries) == 1000

    run(body, server)


def test_a_machine_may_connect_with_a_location_secret(server):
    """The client only sent robot-secret credentials: a machine set up with its location's secret could not connect."""
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        part = await fleet.get_robot_part(part_id)
        location_secret = (await fleet.location_auth(part.location_id)).secrets[0].secret
        connect = FleetClient.connect_machine_with_location_secret
        async with await connect(server.server.address, part_id, location_secret) as machine:
            assert machine.part_id == part_id
            assert (await machine.config()).config.cloud.id == part_id
            await machine.log([log_entry("in with the location's secret")])
        assert [e.message for e in (await fleet.get_robot_part_logs(part_id)).entries] == ["in with the location's secret"]
        with pytest.raises(Unauthenticated):
            await connect(server.server.address, part_id, part.secret)  # a part secret is not the location's

    run(body, server)


def test_machine_credentials(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        with pytest.raises(Unauthenticated):
            await FleetClient.connect_machine(server.server.address, part_id, "not-the-secret")
        with pytest.raises(Unauthenticated):
            await FleetClient.connect_machine(server.server.address, UNKNOWN_PART, "not-the-secret")
        with pytest.raises(ValueError):
            await fleet.log([log_entry("who am I?")])  # an API-key client has no part of its own
        other_part = await new_part(fleet)
        async with machine_of(fleet, part_id) as machine:
            with pytest.raises(PermissionDenied):
                await machine.log([log_entry("not mine")], part_id=other_part)
            with pytest.raises(PermissionDenied):
                await machine.list_locations(server.boot.organization_id)

    run(body, server)


# --------------------------------------------------------------------------- logs: tail


async def _next(tail: AsyncIterator[LogEntry]) -> LogEntry:
    return await asyncio.wait_for(anext(tail), TAIL_WAIT_S)


async def subscribe(machine: FleetClient, tail: AsyncIterator[LogEntry], level: str = "error", text: str = "") -> None:
    """Pushes probe entries until the tail delivers one: from then on it sees every new entry."""
    deadline = time.monotonic() + TAIL_WAIT_S
    pending = asyncio.ensure_future(anext(tail))
    try:
        while time.monotonic() < deadline:
            await machine.log([log_entry(f"{PROBE}{uuid.uuid4().hex[:8]} {text}", level)])
            done, _ = await asyncio.wait({pending}, timeout=0.2)
            if done:
                entry = pending.result()
                assert entry.message.startswith(PROBE), f"unexpected entry before subscribing: {entry.message!r}"
                return
        raise AssertionError(f"the tail delivered nothing within {TAIL_WAIT_S}s")
    except BaseException:
        pending.cancel()
        raise


async def collect(tail: AsyncIterator[LogEntry], count: int) -> list[str]:
    """The next `count` non-probe messages."""
    got: list[str] = []
    while len(got) < count:
        entry = await _next(tail)
        if not entry.message.startswith(PROBE):
            got.append(entry.message)
    return got


def test_tail_streams_new_entries(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        async with machine_of(fleet, part_id) as machine:
            await machine.log([log_entry("before the tail")])
            tail = fleet.tail_robot_part_logs(part_id)
            async with contextlib.aclosing(tail):
                await subscribe(machine, tail)
                await machine.log([log_entry(f"live {i}", "info") for i in range(3)])
                await machine.log([log_entry("live 3", "debug", fields=[{"k": 1}])])
                assert await collect(tail, 4) == ["live 0", "live 1", "live 2", "live 3"]

    run(body, server)


def test_tail_filters(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        async with machine_of(fleet, part_id) as machine:
            errors = fleet.tail_robot_part_logs(part_id, errors_only=True)
            matching = fleet.tail_robot_part_logs(part_id, filter="needle")
            async with contextlib.aclosing(errors), contextlib.aclosing(matching):
                await subscribe(machine, errors, "error")
                await subscribe(machine, matching, "info", text="needle")
                await machine.log(
                    [log_entry("info needle", "info"), log_entry("bad hay", "error"), log_entry("fatal needle", "fatal")]
                )
                assert await collect(errors, 2) == ["bad hay", "fatal needle"]
                assert await collect(matching, 2) == ["info needle", "fatal needle"]

    run(body, server)


def test_tail_of_a_part_you_cannot_see(server):
    async def body(fleet: FleetClient) -> None:
        tail = fleet.tail_robot_part_logs(UNKNOWN_PART)
        with pytest.raises(PermissionDenied):
            await _next(tail)
        with pytest.raises(InvalidArgument) as caught:
            await _next(fleet.tail_robot_part_logs(""))
        assert caught.value.field == "id"

    run(body, server)


def test_closing_a_tail_cancels_the_stream(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        async with machine_of(fleet, part_id) as machine:
            for _ in range(3):
                tail = fleet.tail_robot_part_logs(part_id)
                await subscribe(machine, tail)
                await asyncio.wait_for(tail.aclose(), TAIL_WAIT_S)
            # the client still works after closing tails
            assert (await fleet.get_robot_part(part_id)).id == part_id

    run(body, server)


def test_tls_to_a_plaintext_server_is_unavailable(server):
    with pytest.raises(Unavailable):
        asyncio.run(FleetClient.connect(server.server.address, server.boot.api_key_id, server.boot.api_key, tls=True, timeout=5))


# --------------------------------------------------------------------------- access control: API keys


def test_role_values():
    role = Role("operator", "location", "abc1234567")
    assert str(role) == "operator:location:abc1234567"
    assert Role.parse(str(role)) == role
    assert Role.parse(" Owner:ORG:o-1 ") == Role.owner_of("o-1") == Role("owner", "organization", "o-1")
    assert Role.parse("operator:machine:r-1") == Role("operator", "robot", "r-1")
    for bad in ["", "owner", "owner:organization", "owner:organization:", "boss:location:x", "owner:planet:x"]:
        with pytest.raises(ValueError):
            Role.parse(bad)
    wire = role.authorization("org-1")
    assert (wire.authorization_type, wire.authorization_id, wire.resource_type, wire.resource_id) == (
        "role",
        "location_operator",
        "location",
        "abc1234567",
    )
    assert (wire.organization_id, wire.identity_type, wire.identity_id) == ("org-1", "api-key", "")
    assert Role.of(wire) == role
    user_wire = role.authorization("org-1", "user", "u-1")
    assert (user_wire.identity_type, user_wire.identity_id) == ("user", "u-1")


def test_api_keys(server):
    async def body(fleet: FleetClient) -> None:
        org = await fleet.create_organization(unique("org"))
        location = await fleet.create_location(org.id, "Lab")
        robot_id = await fleet.new_robot("rover", location.id)
        roles = [Role("operator", "location", location.id)]

        created = await fleet.create_key(org.id, roles, name="  reader  ")
        assert isinstance(created, NewKey)
        key_id, key = created  # unpacks like a tuple
        assert key_id and key and key_id != key

        listed = {k.api_key.id: k for k in await fleet.list_keys(org.id)}
        assert set(listed) == {key_id}, "the bootstrap key belongs to another organization"
        assert listed[key_id].api_key.name == "reader" and listed[key_id].api_key.key == ""
        assert [Role.of(a) for a in listed[key_id].authorizations] == roles
        assert listed[key_id].authorizations[0].org_id == org.id

        async with await FleetClient.connect(server.server.address, key_id, key) as reader:
            assert (await reader.get_location(location.id)).id == location.id
            with pytest.raises(PermissionDenied):
                await reader.update_location(location.id, name="nope")

        assert await fleet.rename_key(key_id, "renamed") == "renamed"
        assert (await fleet.list_keys(org.id))[0].api_key.name == "renamed"

        robot_keys = await fleet.get_robot_api_keys(robot_id)
        assert [(k.api_key.id, [Role.of(a) for a in k.authorizations]) for k in robot_keys if k.api_key.id == key_id] == [
            (key_id, roles)
        ]

        copy = await fleet.create_key_from_existing_key_authorizations(key_id)
        assert copy.id not in (key_id, "") and copy.key
        copies = {k.api_key.id: k for k in await fleet.list_keys(org.id)}
        assert [Role.of(a) for a in copies[copy.id].authorizations] == roles

        default = await fleet.create_key(org.id, [Role.owner_of(org.id)])
        names = {k.api_key.id: k.api_key.name for k in await fleet.list_keys(org.id)}
        assert names[default.id] == f"key-{default.id[:8]}"

        with pytest.raises(InvalidArgument):
            await fleet.create_key(org.id, [Role("operator", "location", location.id)], name="x" * 101)
        with pytest.raises(PermissionDenied):
            await fleet.create_key(UNKNOWN_ORG, [Role.owner_of(UNKNOWN_ORG)])
        with pytest.raises(InvalidArgument) as caught:
            await fleet.create_key(org.id, [Role("boss", "location", location.id)])
        assert caught.value.field

        await fleet.delete_key(copy.id)
        with pytest.raises(Unauthenticated):
            await FleetClient.connect(server.server.address, copy.id, copy.key)
        assert copy.id not in {k.api_key.id for k in await fleet.list_keys(org.id)}
        with pytest.raises(PermissionDenied):
            await fleet.delete_key(copy.id)

    run(body, server)


def test_rotate_key_stops_the_old_secret_and_its_tokens(server):
    async def body(fleet: FleetClient) -> None:
        org = await fleet.create_organization(unique("org"))
        old = await fleet.create_key(org.id, [Role.owner_of(org.id)], name="rotating")
        async with await FleetClient.connect(server.server.address, old.id, old.key) as before:
            assert (await before.get_organization(org.id)).id == org.id
            new = await fleet.rotate_key(old.id)
            assert new.id == old.id and new.key != old.key
            with pytest.raises(Unauthenticated):
                await before.get_organization(org.id)  # its token was issued for the old secret
        with pytest.raises(Unauthenticated):
            await FleetClient.connect(server.server.address, old.id, old.key)
        async with await FleetClient.connect(server.server.address, new.id, new.key) as after:
            # a key may rotate itself: its own session ends, the new secret works
            newest = await after.rotate_key(new.id)
            with pytest.raises(Unauthenticated):
                await after.list_keys(org.id)
        async with await FleetClient.connect(server.server.address, newest.id, newest.key) as again:
            assert [k.api_key.id for k in await again.list_keys(org.id)] == [old.id]

    run(body, server)


# --------------------------------------------------------------------------- access control: roles


def test_roles_and_permissions(server):
    async def body(fleet: FleetClient) -> None:
        org = await fleet.create_organization(unique("org"))
        location = await fleet.create_location(org.id, "Lab")
        robot_id = await fleet.new_robot("rover", location.id)
        key = await fleet.create_key(org.id, [Role("operator", "location", location.id)])

        await fleet.add_role(org.id, key.id, "api-key", "operator", "robot", robot_id)
        with pytest.raises(AlreadyExists):
            await fleet.add_role(org.id, key.id, "api-key", "operator", "robot", robot_id)
        on_robot = await fleet.list_authorizations(org.id, [robot_id])
        assert [(a.identity_id, a.identity_type, Role.of(a)) for a in on_robot] == [
            (key.id, "api-key", Role("operator", "robot", robot_id))
        ]
        everything = await fleet.list_authorizations(org.id)
        assert {(a.identity_id, str(Role.of(a))) for a in everything} == {
            (server.boot.api_key_id, f"owner:organization:{org.id}"),
            (key.id, f"operator:location:{location.id}"),
            (key.id, f"operator:robot:{robot_id}"),
        }

        asked = [
            ("location", location.id, ["read_location", "update_location", "no_such_permission"]),
            ("robot", robot_id, ["read_robot", "control_robot", "delete_robot"]),
            ("organization", org.id, ["read_organization"]),
            ("location", UNKNOWN_LOCATION, ["read_location"]),
        ]
        async with await FleetClient.connect(server.server.address, key.id, key.key) as operator:
            assert await operator.check_permissions(asked) == {
                ("location", location.id): {"read_location"},
                ("robot", robot_id): {"read_robot", "control_robot"},
            }
            await fleet.change_role(
                org.id, key.id, "api-key", Role("operator", "location", location.id), Role("owner", "location", location.id)
            )
            held = await operator.check_permissions(asked)
            assert held[("location", location.id)] == {"read_location", "update_location"}
            assert "delete_robot" in held[("robot", robot_id)], "owning a location covers its machines"
            await operator.update_location(location.id, name="Lab 2")

            await fleet.remove_role(org.id, key.id, "api-key", "owner", "location", location.id)
            await fleet.remove_role(org.id, key.id, "api-key", "operator", "robot", robot_id)
            assert await operator.check_permissions(asked) == {}
            with pytest.raises(PermissionDenied):
                await operator.get_location(location.id)
        with pytest.raises(NotFound):
            await fleet.remove_role(org.id, key.id, "api-key", "owner", "location", location.id)

        owner = await fleet.check_permissions([("organization", org.id, ["read_organization", "manage_keys"])])
        assert owner == {("organization", org.id): {"read_organization", "manage_keys"}}
        with pytest.raises(FailedPrecondition) as caught:
            await fleet.remove_role(org.id, server.boot.api_key_id, "api-key", "owner", "organization", org.id)
        assert caught.value.violations, "an organization keeps its last owner"
        with pytest.raises(PermissionDenied):
            await fleet.add_role(UNKNOWN_ORG, key.id, "api-key", "owner", "organization", UNKNOWN_ORG)

    run(body, server)


# --------------------------------------------------------------------------- access control: users, members, invites


def test_connect_user_and_from_token(server):
    user = add_user(server)

    async def main() -> None:
        async with await FleetClient.connect_user(server.server.address, user.email, user.password) as session:
            assert await session.list_organizations() == []
            token = session.connection.token
        async with await FleetClient.from_token(server.server.address, token) as reused:
            assert await reused.list_organizations() == []
        with pytest.raises(Unauthenticated):
            await FleetClient.connect_user(server.server.address, user.email, "wrong password")
        with pytest.raises(Unauthenticated):
            await FleetClient.connect_user(server.server.address, f"nobody-{uuid.uuid4().hex[:6]}@example.com", user.password)
        async with await FleetClient.from_token(server.server.address, "not.a.token") as bogus:
            with pytest.raises(Unauthenticated):
                await bogus.list_organizations()

    asyncio.run(main())


def test_members_and_invites(server):
    email = f"invitee-{uuid.uuid4().hex[:10]}@example.com"
    pending = f"pending-{uuid.uuid4().hex[:10]}@example.com"

    async def invite(fleet: FleetClient) -> tuple[str, str, str]:
        org = await fleet.create_organization(unique("org"))
        location = await fleet.create_location(org.id, "Lab")
        robot_id = await fleet.new_robot("rover", location.id)
        created = await fleet.create_organization_invite(org.id, email, [Role("operator", "location", location.id)])
        assert (created.organization_id, created.email) == (org.id, email)
        assert [Role.of(a) for a in created.authorizations] == [Role("operator", "location", location.id)]
        assert created.authorizations[0].identity_type == "user"
        updated = await fleet.update_organization_invite_authorizations(
            org.id, email, add_roles=[Role("owner", "robot", robot_id)]
        )
        assert {str(Role.of(a)) for a in updated.authorizations} == {
            f"operator:location:{location.id}",
            f"owner:robot:{robot_id}",
        }
        assert (await fleet.resend_organization_invite(org.id, email, send_email_invite=True)) == updated
        owner_invite = await fleet.create_organization_invite(org.id, pending)  # no roles: owner of the organization
        assert [Role.of(a) for a in owner_invite.authorizations] == [Role.owner_of(org.id)]
        with pytest.raises(AlreadyExists):
            await fleet.create_organization_invite(org.id, pending)
        with pytest.raises(InvalidArgument):
            await fleet.update_organization_invite_authorizations(org.id, email, remove_roles=[Role.owner_of(org.id)])

        listed = await fleet.list_organization_members(org.id)
        assert isinstance(listed, Members)
        assert listed.members == [] and {i.email for i in listed.invites} == {email, pending}
        await fleet.delete_organization_invite(org.id, pending)
        assert [i.email for i in (await fleet.list_organization_members(org.id)).invites] == [email]
        return org.id, location.id, robot_id

    org_id, location_id, robot_id = run(invite, server)
    user = add_user(server, email=email)

    async def as_user() -> None:
        # the invite's roles are granted at the password login
        async with await FleetClient.connect_user(server.server.address, email, user.password) as session:
            assert (await session.get_location(location_id)).id == location_id
            assert (await session.get_robot(robot_id)).id == robot_id
            assert [o.org_id for o in await session.list_organizations_by_user(user.id)] == [org_id]

    asyncio.run(as_user())

    async def manage(fleet: FleetClient) -> None:
        members, invites = await fleet.list_organization_members(org_id)
        assert invites == [], "the invite was used up"
        assert [(m.user_id, list(m.emails)) for m in members] == [(user.id, [email])]
        assert members[0].HasField("last_login")
        assert await fleet.get_user_id_by_email(email) == user.id
        assert [o.org_id for o in await fleet.list_organizations_by_user(user.id)] == [org_id]
        organizations = await fleet.get_organizations_with_access_to_location(location_id)
        assert [o.id for o in organizations] == [org_id]
        await fleet.delete_organization_member(org_id, user.id)
        assert (await fleet.list_organization_members(org_id)).members == []
        assert await fleet.list_organizations_by_user(user.id) == []

    run(manage, server)

    async def locked_out() -> None:
        async with await FleetClient.connect_user(server.server.address, email, user.password) as session:
            with pytest.raises(PermissionDenied):
                await session.get_location(location_id)

    asyncio.run(locked_out())


# --------------------------------------------------------------------------- access control: secrets and sharing


def test_location_and_part_secrets(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        part = await fleet.get_robot_part(part_id)
        location_id = part.location_id

        auth = await fleet.location_auth(location_id)
        assert isinstance(auth, app_pb2.LocationAuth) and auth.location_id == location_id
        (first,) = auth.secrets
        assert auth.secret == first.secret and first.state == app_pb2.SharedSecret.STATE_ENABLED
        grown = await fleet.create_location_secret(location_id)
        assert [s.id for s in grown.secrets][0] == first.id and len(grown.secrets) == 2
        await fleet.delete_location_secret(location_id, first.id)
        assert [s.id for s in (await fleet.location_auth(location_id)).secrets] == [grown.secrets[1].id]
        with pytest.raises(NotFound):
            await fleet.delete_location_secret(location_id, first.id)

        (old,) = part.secrets
        with_two = await fleet.create_robot_part_secret(part_id)
        assert isinstance(with_two, app_pb2.RobotPart) and with_two.id == part_id
        assert [s.id for s in with_two.secrets][0] == old.id and len(with_two.secrets) == 2
        new = with_two.secrets[1]
        async with await FleetClient.connect_machine(server.server.address, part_id, old.secret) as machine:
            await machine.log([log_entry("with the old secret")])
            await fleet.delete_robot_part_secret(part_id, old.id)
            with pytest.raises(Unauthenticated):
                await machine.log([log_entry("revoked")])
        async with await FleetClient.connect_machine(server.server.address, part_id, new.secret) as machine:
            await machine.log([log_entry("with the new secret")])
        with pytest.raises(FailedPrecondition):
            await fleet.delete_robot_part_secret(part_id, new.id)
        with pytest.raises(PermissionDenied):
            await fleet.location_auth(UNKNOWN_LOCATION)

    run(body, server)


def test_share_and_unshare_a_location(server):
    async def body(fleet: FleetClient) -> None:
        home = await fleet.create_organization(unique("home"))
        guest = await fleet.create_organization(unique("guest"))
        location = await fleet.create_location(home.id, "Shared lab")
        assert [o.id for o in await fleet.get_organizations_with_access_to_location(location.id)] == [home.id]

        await fleet.share_location(location.id, guest.id)
        assert [o.id for o in await fleet.get_organizations_with_access_to_location(location.id)] == [home.id, guest.id]
        assert location.id in {v.id for v in await fleet.list_locations(guest.id)}
        with pytest.raises(AlreadyExists):
            await fleet.share_location(location.id, guest.id)
        with pytest.raises(InvalidArgument):
            await fleet.share_location(location.id, home.id)
        with pytest.raises(PermissionDenied):
            await fleet.share_location(location.id, UNKNOWN_ORG)

        with pytest.raises(FailedPrecondition):
            await fleet.unshare_location(location.id, home.id)
        await fleet.unshare_location(location.id, guest.id)
        assert location.id not in {v.id for v in await fleet.list_locations(guest.id)}
        with pytest.raises(NotFound):
            await fleet.unshare_location(location.id, guest.id)

    run(body, server)


# --------------------------------------------------------------------------- fragments and machine summaries


def test_visibility_values():
    assert client.Visibility.of("Public") is client.Visibility.PUBLIC
    assert client.Visibility.of(app_pb2.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED) is client.Visibility.UNLISTED
    assert client.Visibility.PRIVATE.proto == app_pb2.FRAGMENT_VISIBILITY_PRIVATE
    assert str(client.Visibility.UNLISTED) == "unlisted" and client.Visibility.PUBLIC == "public"
    with pytest.raises(ValueError):
        client.Visibility.of("secret")
    with pytest.raises(ValueError):
        client.Visibility.of(app_pb2.FRAGMENT_VISIBILITY_UNSPECIFIED)


def test_fragment_round_trip(server):
    async def body(fleet: FleetClient) -> None:
        part_id = await new_part(fleet)
        part = await fleet.get_robot_part(part_id)
        org_id = (await fleet.get_location(part.location_id)).organizations[0].organization_id
        created = await fleet.create_fragment(org_id, "base", {"components": [{"name": "cam"}]})
        assert isinstance(created, app_pb2.Fragment) and created.revision == "1"
        assert created.visibility == app_pb2.FRAGMENT_VISIBILITY_PRIVATE and created.organization_owner == org_id
        assert struct_to_dict(created.fragment) == {"components": [{"name": "cam"}]}

        # Updates write revisions; key order of config_json is kept; stale updates are Aborted.
        second = await fleet.update_fragment(
            created.id, "base", config_json='{"zeta":1,"alpha":2}', visibility="unlisted", last_known_update=utc(created.last_updated)
        )
        assert second.revision == "2" and second.fragment_config_json == '{"zeta":1,"alpha":2}'
        assert client.Visibility.of(second.visibility) is client.Visibility.UNLISTED
        with pytest.raises(Aborted) as stale:
            await fleet.update_fragment(created.id, "other", config={"x": 1}, last_known_update=created.last_updated)
        assert stale.value.violations and stale.value.violations[0].subject == "last_known_update"
        third = await fleet.update_fragment(created.id, "renamed", last_known_update=second.last_updated)
        assert (third.revision, third.name, third.fragment_config_json) == ("3", "renamed", second.fragment_config_json)
        with pytest.raises(ValueError):
            await fleet.update_fragment(created.id, "x", config={}, config_json="{}")

        got = await fleet.get_fragment(created.id)
        assert got.fragment.revision == "3" and [r.revision for r in got.revisions] == ["3", "2", "1"]
        assert (got.fragment_usage.machines, list(got.tags)) == (0, [])
        old = await fleet.get_fragment(created.id, version="1")
        assert old.fragment.name == "base" and struct_to_dict(old.fragment.fragment) == {"components": [{"name": "cam"}]}

        # Tags name revisions; a tag works as a version.
        tags = await fleet.set_fragment_tag(created.id, "stable", "2")
        assert [(t.tag, t.revision) for t in tags] == [("stable", "2")]
        assert (await fleet.get_fragment(created.id, version="stable")).fragment.fragment_config_json == '{"zeta":1,"alpha":2}'
        with pytest.raises(InvalidArgument):
            await fleet.set_fragment_tag(created.id, "123", "1")
        assert await fleet.delete_fragment_tag(created.id, "stable") == []
        with pytest.raises(FleetError):
            await fleet.get_fragment(created.id, version="stable")

        # History pages, newest first, and the iterator follows tokens.
        first_page = await fleet.get_fragment_history(created.id, limit=2)
        assert isinstance(first_page, client.FragmentHistoryPage)
        assert [e.revision for e in first_page.entries] == ["3", "2"] and first_page.next_page_token
        rest = await fleet.get_fragment_history(created.id, page_token=first_page.next_page_token, limit=2)
        assert [e.revision for e in rest.entries] == ["1"] and rest.next_page_token == ""
        assert [e.revision async for e in fleet.iter_fragment_history(created.id, page_size=1)] == ["3", "2", "1"]
        assert [e.old.name async for e in fleet.iter_fragment_history(created.id)] == ["renamed", "base", "base"]

        listed = await fleet.list_fragments(org_id)
        assert [f.id for f in listed] == [created.id]
        assert await fleet.list_fragments(org_id, visibilities=["private"]) == []
        assert [f.id for f in await fleet.list_fragments(org_id, visibilities=[client.Visibility.UNLISTED])] == [created.id]

        # A part naming the fragment uses it: usage counts, machine fragments, summaries, delete refused.
        assert await fleet.get_fragment_usage(created.id) == []
        await fleet.update_robot_part(part_id, part.name, config={"fragments": [created.id]})
        usage = await fleet.get_fragment_usage(created.id)
        assert [(u.fragment_id, u.machines, u.organizations, u.HasField("version")) for u in usage] == [(created.id, 1, 1, False)]
        assert (await fleet.get_fragment(created.id)).fragment_usage.machines == 1
        machine = await fleet.list_machine_fragments(part.robot)
        assert [f.id for f in machine.fragments] == [created.id]
        assert [r.fragment_id for r in machine.resolved_fragments] == [created.id]
        with pytest.raises(FailedPrecondition):
            await fleet.delete_fragment(created.id)

        summaries = await fleet.list_machine_summaries(org_id)
        assert [s.location_id for s in summaries] == [part.location_id]
        (machine_summary,) = summaries[0].machine_summaries
        assert machine_summary.machine_id == part.robot
        (part_summary,) = machine_summary.part_summaries
        assert part_summary.part_id == part_id and part_summary.is_main_part
        assert [(f.id, f.name) for f in part_summary.fragments] == [(created.id, "renamed")]
        assert await fleet.list_machine_summaries(org_id, fragment_ids=[UNKNOWN_PART]) == []
        filtered = await fleet.list_machine_summaries(org_id, location_ids=[part.location_id], fragment_ids=[created.id])
        assert [s.location_id for s in filtered] == [part.location_id]

        # Once no part uses it, it can be deleted.
        await fleet.update_robot_part(part_id, part.name, config={})
        await fleet.delete_fragment(created.id)
        with pytest.raises(PermissionDenied):
            await fleet.get_fragment(created.id)

    run(body, server)


def test_nested_fragments(server):
    async def body(fleet: FleetClient) -> None:
        org = await fleet.create_organization(unique("org"))
        leaf = await fleet.create_fragment(org.id, "leaf", {"services": [{"name": "s"}]}, visibility="public")
        assert client.Visibility.of(leaf.visibility) is client.Visibility.PUBLIC and leaf.public
        top = await fleet.create_fragment(org.id, "top", {"fragments": [leaf.id]})
        nested = await fleet.list_nested_fragments(top.id)
        assert leaf.id in {f.id for f in nested.fragments}
        assert [r.fragment_id for r in nested.resolved_fragments] == [leaf.id]
        extra = await fleet.list_nested_fragments(additional={top.id: "1"})  # what the additional ones import
        assert [f.id for f in extra.fragments] == [leaf.id]
        with pytest.raises(InvalidArgument):  # a cycle
            await fleet.update_fragment(leaf.id, "leaf", config={"fragments": [top.id]})
        with pytest.raises(FailedPrecondition):  # imported by top
            await fleet.delete_fragment(leaf.id)

    run(body, server)
