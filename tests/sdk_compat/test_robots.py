"""Machines (robots) through viam-sdk's AppClient.

new_robot, get_robot, update_robot (rename, move), delete_robot, list_robots,
list_robots_for_locations, get_robot_metadata, update_robot_metadata, and
ListRobotsForOrg (no AppClient helper in viam-sdk 0.85.1: called through
AppServiceStub on the SDK's channel with the SDK's metadata).
"""

from __future__ import annotations

from grpclib.const import Status
from sdk_helpers import (
    UNKNOWN_LOCATION_ID,
    UNKNOWN_UUID,
    UUID_RE,
    AppClient,
    SdkServer,
    assert_recent,
    expect_error,
    stub,
    sdk_view,
    unique,
)
from viam.proto.app import ListRobotsForOrgRequest, ListRobotsForOrgResponse, Robot


def online_state_name(value: int) -> str:
    return Robot.DESCRIPTOR.fields_by_name["online_state"].enum_type.values_by_number[value].name


async def list_robots_for_org(app: AppClient, org_id: str) -> list[Robot]:
    response: ListRobotsForOrgResponse = await stub(app).ListRobotsForOrg(
        ListRobotsForOrgRequest(org_id=org_id), metadata=app._metadata
    )
    return list(response.robots)


def test_new_robot_and_get_robot(sdk_server: SdkServer, org_id: str) -> None:
    name = unique("robot")

    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        robot_id = await app.new_robot(name, loc.id)
        assert UUID_RE.match(robot_id), robot_id

        robot = await app.get_robot(robot_id)
        assert robot.id == robot_id
        assert robot.name == name
        assert robot.location == loc.id
        assert robot.HasField("created_on")
        assert_recent(robot.created_on, "Robot.created_on")
        assert online_state_name(robot.online_state) == "ONLINE_STATE_AWAITING_SETUP"
        assert robot.seconds_since_online == 0
        assert not robot.HasField("last_access"), "last_access must be unset until a part checks in"

    sdk_server.run(body)


def test_new_robot_creates_main_part(sdk_server: SdkServer, org_id: str) -> None:
    name = unique("robot")

    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        robot_id = await app.new_robot(name, loc.id)
        parts = await app.get_robot_parts(robot_id)
        assert len(parts) == 1, f"a new machine must have exactly one part, got {[p.name for p in parts]}"
        main = parts[0]
        assert main.name == f"{name}-main"
        assert main.main_part is True
        assert main.robot == robot_id
        assert main.location_id == loc.id
        assert main.secrets is not None and len(main.secrets) == 1
        assert main.secret == main.secrets[0].secret != ""

    sdk_server.run(body)


def test_new_robot_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        # the SDK sends location="" when no location is given
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot(unique("robot")), field="location")
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot("", loc.id), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot("  ", loc.id), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot("r" * 101, loc.id), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.new_robot("tab\tname", loc.id), field="name")
        await expect_error(Status.PERMISSION_DENIED, app.new_robot(unique("robot"), UNKNOWN_LOCATION_ID))
        assert await app.list_robots(loc.id) == []

    sdk_server.run(body)


def test_new_robot_duplicate_name(sdk_server: SdkServer, org_id: str) -> None:
    name = unique("robot")

    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        other = await app.create_location(org_id, unique("loc"))
        first = await app.new_robot(name, loc.id)
        await expect_error(Status.ALREADY_EXISTS, app.new_robot(name, loc.id))
        assert [r.id for r in await app.list_robots(loc.id)] == [first]
        # the same name in another location is fine
        second = await app.new_robot(name, other.id)
        assert second != first

    sdk_server.run(body)


def test_get_robot_unknown_or_empty(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        await expect_error(Status.PERMISSION_DENIED, app.get_robot(UNKNOWN_UUID))
        await expect_error(Status.INVALID_ARGUMENT, app.get_robot(""), field="id")

    sdk_server.run(body)


def test_update_robot_rename(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        robot_id = await app.new_robot(unique("robot"), loc.id)
        new_name = unique("renamed")

        # location omitted: the SDK sends location="" which keeps the location
        robot = await app.update_robot(robot_id, new_name)
        assert robot.id == robot_id
        assert robot.name == new_name
        assert robot.location == loc.id
        got = await app.get_robot(robot_id)
        assert (got.name, got.location) == (new_name, loc.id)

        # explicitly the same location also works
        robot = await app.update_robot(robot_id, "again", loc.id)
        assert (robot.name, robot.location) == ("again", loc.id)

        await expect_error(Status.INVALID_ARGUMENT, app.update_robot(robot_id, ""), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.update_robot(robot_id, "   "), field="name")
        await expect_error(Status.PERMISSION_DENIED, app.update_robot(UNKNOWN_UUID, "x"))
        assert (await app.get_robot(robot_id)).name == "again"

    sdk_server.run(body)


def test_update_robot_move(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        src = await app.create_location(org_id, unique("src"))
        dst = await app.create_location(org_id, unique("dst"), parent_location_id=src.id)
        name = unique("robot")
        robot_id = await app.new_robot(name, src.id)
        part_id = await app.new_robot_part(robot_id, unique("part"))

        robot = await app.update_robot(robot_id, name, dst.id)
        assert robot.location == dst.id
        assert robot.name == name
        assert (await app.get_robot(robot_id)).location == dst.id
        assert [r.id for r in await app.list_robots(src.id)] == []
        assert [r.id for r in await app.list_robots(dst.id)] == [robot_id]
        # the parts follow the machine
        assert (await app.get_robot_part(part_id)).location_id == dst.id
        assert {p.location_id for p in await app.get_robot_parts(robot_id)} == {dst.id}

        # move + rename at once
        robot = await app.update_robot(robot_id, "moved-back", src.id)
        assert (robot.name, robot.location) == ("moved-back", src.id)

    sdk_server.run(body)


def test_update_robot_move_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        other = await app.create_location(org_id, unique("other"))
        taken = unique("taken")
        await app.new_robot(taken, other.id)
        robot_id = await app.new_robot(unique("robot"), loc.id)

        # name clash in the target location
        await expect_error(Status.ALREADY_EXISTS, app.update_robot(robot_id, taken, other.id))
        # name clash in its own location
        sibling = unique("sibling")
        await app.new_robot(sibling, loc.id)
        await expect_error(Status.ALREADY_EXISTS, app.update_robot(robot_id, sibling))

        # a location of another organization (that the caller also owns)
        other_org = await app.create_organization(unique("org"))
        foreign = await app.create_location(other_org.id, unique("loc"))
        await expect_error(Status.INVALID_ARGUMENT, app.update_robot(robot_id, unique("r"), foreign.id), field="location")
        # an unknown location: not in the same org (INVALID_ARGUMENT), or not accessible (PERMISSION_DENIED)
        await expect_error((Status.INVALID_ARGUMENT, Status.PERMISSION_DENIED), app.update_robot(robot_id, unique("r"), UNKNOWN_LOCATION_ID))

        assert (await app.get_robot(robot_id)).location == loc.id
        assert await app.list_robots(foreign.id) == []

    sdk_server.run(body)


def test_delete_robot(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        name = unique("robot")
        robot_id = await app.new_robot(name, loc.id)
        keep_id = await app.new_robot(unique("keep"), loc.id)
        main_id = (await app.get_robot_parts(robot_id))[0].id
        extra_id = await app.new_robot_part(robot_id, unique("part"))

        await app.delete_robot(robot_id)

        await expect_error(Status.PERMISSION_DENIED, app.get_robot(robot_id))
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_parts(robot_id))
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_part(main_id))
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_part(extra_id))
        assert [r.id for r in await app.list_robots(loc.id)] == [keep_id]
        await expect_error(Status.PERMISSION_DENIED, app.delete_robot(robot_id))
        # the name is free again
        assert await app.new_robot(name, loc.id)

    sdk_server.run(body)


def test_list_robots(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        sub = await app.create_location(org_id, unique("sub"), parent_location_id=loc.id)
        direct = [await app.new_robot(unique("robot"), loc.id) for _ in range(3)]
        nested = await app.new_robot(unique("robot"), sub.id)

        robots = await app.list_robots(loc.id)
        assert sorted(r.id for r in robots) == sorted(direct), "ListRobots lists only machines directly in the location"
        assert all(r.location == loc.id for r in robots)
        assert all(r.name for r in robots)
        assert [r.id for r in await app.list_robots(sub.id)] == [nested]

        await expect_error(Status.PERMISSION_DENIED, app.list_robots(UNKNOWN_LOCATION_ID))
        # the SDK sends "" when no location is given
        await expect_error(Status.INVALID_ARGUMENT, app.list_robots(), field="location_id")

    sdk_server.run(body)


def test_list_robots_for_locations(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        a = await app.create_location(org_id, unique("a"))
        b = await app.create_location(org_id, unique("b"), parent_location_id=a.id)
        c = await app.create_location(org_id, unique("c"))
        ra = await app.new_robot(unique("robot"), a.id)
        rb1 = await app.new_robot(unique("robot"), b.id)
        rb2 = await app.new_robot(unique("robot"), b.id)
        rc = await app.new_robot(unique("robot"), c.id)

        robots = await app.list_robots_for_locations([a.id, b.id])
        assert sorted(r.id for r in robots) == sorted([ra, rb1, rb2])
        assert rc not in {r.id for r in robots}
        assert {r.location for r in robots} == {a.id, b.id}
        assert [r.id for r in await app.list_robots_for_locations([c.id])] == [rc]
        assert await app.list_robots_for_locations([]) == []

        # every location must be accessible
        await expect_error(Status.PERMISSION_DENIED, app.list_robots_for_locations([a.id, UNKNOWN_LOCATION_ID]))

    sdk_server.run(body)


def test_list_robots_for_org(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        a = await app.create_location(org_id, unique("a"))
        b = await app.create_location(org_id, unique("b"), parent_location_id=a.id)
        ids = [
            await app.new_robot(unique("robot"), a.id),
            await app.new_robot(unique("robot"), b.id),
            await app.new_robot(unique("robot"), b.id),
        ]
        other_org = await app.create_organization(unique("org"))
        other_loc = await app.create_location(other_org.id, unique("loc"))
        other_robot = await app.new_robot(unique("robot"), other_loc.id)

        robots = await list_robots_for_org(app, org_id)
        assert sorted(r.id for r in robots) == sorted(ids), "ListRobotsForOrg: every machine of the org, nested included"
        assert {r.location for r in robots} == {a.id, b.id}
        assert [r.id for r in await list_robots_for_org(app, other_org.id)] == [other_robot]

        await expect_error(Status.PERMISSION_DENIED, list_robots_for_org(app, UNKNOWN_UUID))
        await expect_error(Status.INVALID_ARGUMENT, list_robots_for_org(app, ""), field="org_id")

    sdk_server.run(body)


def test_robot_metadata(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        robot_id = await app.new_robot(unique("robot"), loc.id)
        assert await app.get_robot_metadata(robot_id) == {}
        data = {"serial": "SN-1", "rev": 2, "flags": [True, False], "nested": {"a": {"b": None}}}
        await app.update_robot_metadata(robot_id, data)
        assert await app.get_robot_metadata(robot_id) == sdk_view(data)
        await app.update_robot_metadata(robot_id, {"only": "this"})
        assert await app.get_robot_metadata(robot_id) == {"only": "this"}
        await app.update_robot_metadata(robot_id, {})
        assert await app.get_robot_metadata(robot_id) == {}

        await expect_error(Status.INVALID_ARGUMENT, app.update_robot_metadata(robot_id, {"x": float("inf")}), field="data")
        await expect_error(Status.PERMISSION_DENIED, app.get_robot_metadata(UNKNOWN_UUID))
        await expect_error(Status.PERMISSION_DENIED, app.update_robot_metadata(UNKNOWN_UUID, {"a": 1}))

    sdk_server.run(body)

