"""Machine parts through viam-sdk's AppClient.

new_robot_part, get_robot_part, get_robot_parts, delete_robot_part,
mark_part_as_main, get_robot_part_metadata, update_robot_part_metadata, and
GetRobotPartByNameAndLocation (no AppClient helper in viam-sdk 0.85.1: called
through AppServiceStub on the SDK's channel with the SDK's metadata).
"""

from __future__ import annotations

import json
from pathlib import Path

from grpclib.const import Status
from sdk_helpers import (
    UNKNOWN_LOCATION_ID,
    UNKNOWN_UUID,
    AppClient,
    SdkServer,
    assert_recent,
    expect_error,
    stub,
    sdk_view,
    unique,
)
from viam.app.app_client import RobotPart
from viam.proto.app import (
    GetRobotPartByNameAndLocationRequest,
    GetRobotPartByNameAndLocationResponse,
    GetRobotPartRequest,
    GetRobotPartResponse,
)
from viam.proto.app import RobotPart as RobotPartPB

DNS_DOMAIN = "fleet.local"  # the server's default


async def part_by_name_and_location(app: AppClient, name: str, location_id: str) -> RobotPartPB:
    response: GetRobotPartByNameAndLocationResponse = await stub(app).GetRobotPartByNameAndLocation(
        GetRobotPartByNameAndLocationRequest(name=name, location_id=location_id), metadata=app._metadata
    )
    return response.part


async def new_machine(app: AppClient, org_id: str) -> tuple[str, str, str]:
    """(location_id, robot_id, main_part_id) of a fresh machine in a fresh location."""
    loc = await app.create_location(org_id, unique("loc"))
    robot_id = await app.new_robot(unique("robot"), loc.id)
    parts = await app.get_robot_parts(robot_id)
    return loc.id, robot_id, parts[0].id


def test_new_robot_part_and_get_robot_part(sdk_server: SdkServer, org_id: str, tmp_path: Path) -> None:
    part_name = unique("Part")

    async def body(app: AppClient) -> None:
        loc_id, robot_id, _ = await new_machine(app, org_id)
        part_id = await app.new_robot_part(robot_id, part_name)
        assert isinstance(part_id, str) and part_id

        dest = tmp_path / "config.json"
        part = await app.get_robot_part(part_id, dest=str(dest))
        assert isinstance(part, RobotPart)
        assert part.id == part_id
        assert part.name == part_name
        assert part.robot == robot_id
        assert part.location_id == loc_id
        assert part.main_part is False
        dns = part_name.lower()
        assert part.dns_name == dns
        assert part.fqdn == f"{dns}.{loc_id}.{DNS_DOMAIN}"
        assert part.local_fqdn == f"{dns}.{loc_id}.local.{DNS_DOMAIN}"
        assert part.robot_config == {}, f"robot_config must be set and empty, got {part.robot_config!r}"
        assert part.robot_config_json == "{}"
        assert part.user_supplied_info is None
        assert part.last_access is None
        assert part.created_on is not None
        assert_recent(part.created_on, "RobotPart.created_on")
        assert part.last_updated is not None
        assert part.secrets is not None and len(part.secrets) == 1
        assert part.secrets[0].id != ""
        assert part.secret == part.secrets[0].secret != ""
        # GetRobotPartResponse.config_json, as written by the SDK's `dest` option
        assert json.loads(dest.read_text()) == {}

        # the raw response too
        raw: GetRobotPartResponse = await stub(app).GetRobotPart(GetRobotPartRequest(id=part_id), metadata=app._metadata)
        assert raw.config_json == "{}"
        assert raw.part.id == part_id

    sdk_server.run(body)


def test_dns_name_is_derived_from_the_name(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc_id, robot_id, _ = await new_machine(app, org_id)
        suffix = unique("x")
        part_id = await app.new_robot_part(robot_id, f"My Part_{suffix}.v2")
        part = await app.get_robot_part(part_id)
        expected = f"my-part-{suffix}-v2"
        assert part.dns_name == expected
        assert part.fqdn == f"{expected}.{loc_id}.{DNS_DOMAIN}"

    sdk_server.run(body)


def test_new_robot_part_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        _, robot_id, _ = await new_machine(app, org_id)
        name = unique("part")
        await app.new_robot_part(robot_id, name)
        await expect_error(Status.ALREADY_EXISTS, app.new_robot_part(robot_id, name))
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot_part(robot_id, ""), field="part_name")
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot_part(robot_id, "   "), field="part_name")
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot_part(robot_id, "p" * 101), field="part_name")
        await expect_error(Status.PERMISSION_DENIED, app.new_robot_part(UNKNOWN_UUID, unique("part")))
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot_part("", unique("part")), field="robot_id")
        assert len(await app.get_robot_parts(robot_id)) == 2

        # the same part name on another machine is fine
        _, other_robot, _ = await new_machine(app, org_id)
        assert await app.new_robot_part(other_robot, name)

    sdk_server.run(body)


def test_get_robot_part_unknown_or_empty(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_part(UNKNOWN_UUID))
        await expect_error(Status.INVALID_ARGUMENT, app.get_robot_part(""), field="id")
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_parts(UNKNOWN_UUID))
        await expect_error(Status.INVALID_ARGUMENT, app.get_robot_parts(""), field="robot_id")

    sdk_server.run(body)


def test_get_robot_parts_order(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        _, robot_id, main_id = await new_machine(app, org_id)
        p1 = await app.new_robot_part(robot_id, unique("p1"))
        p2 = await app.new_robot_part(robot_id, unique("p2"))
        p3 = await app.new_robot_part(robot_id, unique("p3"))

        parts = await app.get_robot_parts(robot_id)
        assert all(isinstance(p, RobotPart) for p in parts)
        assert [p.id for p in parts] == [main_id, p1, p2, p3], "main part first, then by creation"
        assert [p.main_part for p in parts] == [True, False, False, False]
        assert all(p.robot == robot_id for p in parts)

        # after mark_part_as_main the new main comes first, the rest by creation
        await app.mark_part_as_main(p2)
        parts = await app.get_robot_parts(robot_id)
        assert [p.id for p in parts] == [p2, main_id, p1, p3]
        assert [p.main_part for p in parts] == [True, False, False, False]

    sdk_server.run(body)


def test_mark_part_as_main(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        _, robot_id, main_id = await new_machine(app, org_id)
        other_id = await app.new_robot_part(robot_id, unique("part"))

        await app.mark_part_as_main(other_id)
        assert (await app.get_robot_part(other_id)).main_part is True
        assert (await app.get_robot_part(main_id)).main_part is False
        assert [p.id for p in await app.get_robot_parts(robot_id) if p.main_part] == [other_id]

        # idempotent
        await app.mark_part_as_main(other_id)
        assert [p.id for p in await app.get_robot_parts(robot_id) if p.main_part] == [other_id]

        # and back
        await app.mark_part_as_main(main_id)
        assert [p.id for p in await app.get_robot_parts(robot_id) if p.main_part] == [main_id]

        await expect_error(Status.PERMISSION_DENIED, app.mark_part_as_main(UNKNOWN_UUID))
        await expect_error(Status.INVALID_ARGUMENT, app.mark_part_as_main(""), field="part_id")

    sdk_server.run(body)


def test_delete_robot_part(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        _, robot_id, main_id = await new_machine(app, org_id)
        extra_id = await app.new_robot_part(robot_id, unique("part"))
        keep_id = await app.new_robot_part(robot_id, unique("keep"))

        await app.delete_robot_part(extra_id)
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_part(extra_id))
        assert [p.id for p in await app.get_robot_parts(robot_id)] == [main_id, keep_id]
        await expect_error(Status.PERMISSION_DENIED, app.delete_robot_part(extra_id))
        await expect_error(Status.INVALID_ARGUMENT, app.delete_robot_part(""), field="part_id")

    sdk_server.run(body)


def test_delete_main_part_refused_while_other_parts_exist(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        _, robot_id, main_id = await new_machine(app, org_id)
        other_id = await app.new_robot_part(robot_id, unique("part"))

        await expect_error(Status.FAILED_PRECONDITION, app.delete_robot_part(main_id))
        assert [p.id for p in await app.get_robot_parts(robot_id)] == [main_id, other_id]

        # make the other part main; the old main can then go
        await app.mark_part_as_main(other_id)
        await app.delete_robot_part(main_id)
        parts = await app.get_robot_parts(robot_id)
        assert [(p.id, p.main_part) for p in parts] == [(other_id, True)]

    sdk_server.run(body)


def test_get_robot_part_by_name_and_location(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        sub = await app.create_location(org_id, unique("sub"), parent_location_id=loc.id)
        robot_name = unique("robot")
        robot_id = await app.new_robot(robot_name, loc.id)
        part_name = unique("part")
        part_id = await app.new_robot_part(robot_id, part_name)
        nested_robot = await app.new_robot(unique("robot"), sub.id)
        nested_part_name = unique("nested")
        nested_part = await app.new_robot_part(nested_robot, nested_part_name)

        part = await part_by_name_and_location(app, part_name, loc.id)
        assert isinstance(part, RobotPartPB)
        assert (part.id, part.name, part.robot, part.location_id) == (part_id, part_name, robot_id, loc.id)
        # the SDK's RobotPart wrapper understands it
        assert RobotPart.from_proto(part).id == part_id

        main = await part_by_name_and_location(app, f"{robot_name}-main", loc.id)
        assert main.main_part is True and main.robot == robot_id

        assert (await part_by_name_and_location(app, nested_part_name, sub.id)).id == nested_part
        # only machines directly in the location are searched
        await expect_error(Status.NOT_FOUND, part_by_name_and_location(app, nested_part_name, loc.id))
        await expect_error(Status.NOT_FOUND, part_by_name_and_location(app, part_name, sub.id))
        await expect_error(Status.NOT_FOUND, part_by_name_and_location(app, unique("nope"), loc.id))
        # unknown location: no role on it
        await expect_error(Status.PERMISSION_DENIED, part_by_name_and_location(app, part_name, UNKNOWN_LOCATION_ID))
        await expect_error(Status.INVALID_ARGUMENT, part_by_name_and_location(app, part_name, ""), field="location_id")

    sdk_server.run(body)


def test_robot_part_metadata(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        _, _, part_id = await new_machine(app, org_id)
        assert await app.get_robot_part_metadata(part_id) == {}
        data = {"board": "pi5", "gpio": [1, 2, 3], "cal": {"offset": -0.25, "ok": True}, "none": None}
        await app.update_robot_part_metadata(part_id, data)
        assert await app.get_robot_part_metadata(part_id) == sdk_view(data)
        await app.update_robot_part_metadata(part_id, {"only": "this"})
        assert await app.get_robot_part_metadata(part_id) == {"only": "this"}
        await app.update_robot_part_metadata(part_id, {})
        assert await app.get_robot_part_metadata(part_id) == {}

        await expect_error(
            Status.INVALID_ARGUMENT, app.update_robot_part_metadata(part_id, {"big": "x" * (65 * 1024)}), field="data"
        )
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_part_metadata(UNKNOWN_UUID))
        await expect_error(Status.PERMISSION_DENIED, app.update_robot_part_metadata(UNKNOWN_UUID, {"a": 1}))

    sdk_server.run(body)
