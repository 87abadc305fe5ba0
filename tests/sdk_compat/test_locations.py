"""Locations through viam-sdk's AppClient.

create_location (with and without parent), get_location, update_location (rename,
re-parent, move to top level), delete_location (and its refusals), list_locations,
get_location_metadata, update_location_metadata.
"""

from __future__ import annotations

from grpclib.const import Status
from sdk_helpers import (
    LOCATION_ID_RE,
    UNKNOWN_LOCATION_ID,
    AppClient,
    SdkServer,
    assert_recent,
    expect_error,
    sdk_view,
    unique,
)
from viam.proto.app import Location, SharedSecret


def assert_location_shape(loc: Location, org_id: str, name: str, parent: str = "") -> None:
    assert LOCATION_ID_RE.match(loc.id), f"location id {loc.id!r} is not 10 lowercase alphanumerics"
    assert loc.name == name
    assert loc.parent_location_id == parent
    assert loc.HasField("created_on")
    assert_recent(loc.created_on, "Location.created_on")
    assert [(o.organization_id, o.primary) for o in loc.organizations] == [(org_id, True)]
    assert loc.HasField("primary_org_identity"), "Location.primary_org_identity must be set"
    assert loc.primary_org_identity.id == org_id
    assert loc.primary_org_identity.name != ""
    # the caller is an owner, so secrets are filled in
    assert loc.auth.location_id == loc.id
    assert len(loc.auth.secrets) == 1, f"expected 1 location secret, got {len(loc.auth.secrets)}"
    secret = loc.auth.secrets[0]
    assert secret.id != "" and secret.secret != ""
    assert secret.state == SharedSecret.State.STATE_ENABLED
    assert loc.auth.secret == secret.secret, "LocationAuth.secret (deprecated) should mirror the first secret"


def test_create_top_level_location(sdk_server: SdkServer, org_id: str) -> None:
    name = unique("loc")

    async def body(app: AppClient) -> None:
        org = await app.get_organization(org_id)
        loc = await app.create_location(org_id, name)
        assert_location_shape(loc, org_id, name)
        assert loc.robot_count == 0
        assert loc.primary_org_identity.name == org.name

        got = await app.get_location(loc.id)
        assert_location_shape(got, org_id, name)
        assert got.created_on == loc.created_on
        assert got.auth.secrets[0].secret == loc.auth.secrets[0].secret

    sdk_server.run(body)


def test_create_location_with_parent(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        parent = await app.create_location(org_id, unique("parent"))
        child_name = unique("child")
        child = await app.create_location(org_id, child_name, parent_location_id=parent.id)
        assert_location_shape(child, org_id, child_name, parent=parent.id)
        grandchild = await app.create_location(org_id, unique("grand"), parent_location_id=child.id)
        assert grandchild.parent_location_id == child.id
        assert (await app.get_location(child.id)).parent_location_id == parent.id
        assert (await app.get_location(grandchild.id)).parent_location_id == child.id
        # empty parent id = top level
        top = await app.create_location(org_id, unique("top"), parent_location_id="")
        assert top.parent_location_id == ""

    sdk_server.run(body)


def test_create_location_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        await expect_error(Status.INVALID_ARGUMENT, app.create_location(org_id, ""), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.create_location(org_id, "  "), field="name")
        await expect_error(Status.INVALID_ARGUMENT, app.create_location(org_id, "n" * 101), field="name")
        # an unknown parent is refused like one the caller can't see
        await expect_error(Status.PERMISSION_DENIED, app.create_location(org_id, unique("loc"), parent_location_id=UNKNOWN_LOCATION_ID))
        # a parent in another organization (even one the caller owns) is refused
        other_org = await app.create_organization(unique("org"))
        foreign = await app.create_location(other_org.id, unique("loc"))
        await expect_error(
            Status.INVALID_ARGUMENT,
            app.create_location(org_id, unique("loc"), parent_location_id=foreign.id),
            field="parent_location_id",
        )
        await expect_error(Status.INVALID_ARGUMENT, app.create_location("", unique("loc")), field="organization_id")
        assert await app.list_locations(org_id) == []

    sdk_server.run(body)


def test_get_location_unknown_or_empty(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        await expect_error(Status.PERMISSION_DENIED, app.get_location(UNKNOWN_LOCATION_ID))
        # the SDK sends "" when no id is given
        await expect_error(Status.INVALID_ARGUMENT, app.get_location(), field="location_id")

    sdk_server.run(body)


def test_update_location_rename(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        parent = await app.create_location(org_id, unique("parent"))
        loc = await app.create_location(org_id, unique("loc"), parent_location_id=parent.id)

        new_name = unique("renamed")
        updated = await app.update_location(loc.id, name=new_name)
        assert updated.id == loc.id
        assert updated.name == new_name
        assert updated.parent_location_id == parent.id, "unset parent_location_id must keep the parent"
        assert (await app.get_location(loc.id)).name == new_name

        # name unset or "" keeps the name (the SDK docs use name="" for "no change")
        assert (await app.update_location(loc.id)).name == new_name
        kept = await app.update_location(loc.id, name="")
        assert kept.name == new_name
        assert kept.parent_location_id == parent.id

        await expect_error(Status.INVALID_ARGUMENT, app.update_location(loc.id, name="x" * 101), field="name")
        await expect_error(Status.PERMISSION_DENIED, app.update_location(UNKNOWN_LOCATION_ID, name="x"))

    sdk_server.run(body)


def test_update_location_reparent_and_move_to_top(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        a = await app.create_location(org_id, unique("a"))
        b = await app.create_location(org_id, unique("b"))
        loc = await app.create_location(org_id, unique("loc"))
        assert loc.parent_location_id == ""

        moved = await app.update_location(loc.id, parent_location_id=a.id)
        assert moved.parent_location_id == a.id
        assert moved.name == loc.name, "name unset must be kept"
        assert (await app.get_location(loc.id)).parent_location_id == a.id

        moved = await app.update_location(loc.id, name="", parent_location_id=b.id)
        assert moved.parent_location_id == b.id
        assert moved.name == loc.name

        top = await app.update_location(loc.id, parent_location_id="")
        assert top.parent_location_id == ""
        assert (await app.get_location(loc.id)).parent_location_id == ""

        # rename and re-parent in one call
        both = await app.update_location(loc.id, name="Both", parent_location_id=a.id)
        assert (both.name, both.parent_location_id) == ("Both", a.id)

    sdk_server.run(body)


def test_update_location_reparent_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        root = await app.create_location(org_id, unique("root"))
        child = await app.create_location(org_id, unique("child"), parent_location_id=root.id)
        grandchild = await app.create_location(org_id, unique("grand"), parent_location_id=child.id)

        # cycles: itself, a child, a grandchild
        for target in (root.id, child.id, grandchild.id):
            await expect_error(
                Status.INVALID_ARGUMENT,
                app.update_location(root.id, parent_location_id=target),
                field="parent_location_id",
            )
        await expect_error(Status.PERMISSION_DENIED, app.update_location(root.id, parent_location_id=UNKNOWN_LOCATION_ID))
        other_org = await app.create_organization(unique("org"))
        foreign = await app.create_location(other_org.id, unique("loc"))
        await expect_error(
            Status.INVALID_ARGUMENT,
            app.update_location(child.id, parent_location_id=foreign.id),
            field="parent_location_id",
        )
        assert (await app.get_location(root.id)).parent_location_id == ""
        assert (await app.get_location(child.id)).parent_location_id == root.id

    sdk_server.run(body)


def test_list_locations(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        a = await app.create_location(org_id, unique("a"))
        a1 = await app.create_location(org_id, unique("a1"), parent_location_id=a.id)
        b = await app.create_location(org_id, unique("b"))
        a11 = await app.create_location(org_id, unique("a11"), parent_location_id=a1.id)
        created = [a.id, a1.id, b.id, a11.id]

        locations = await app.list_locations(org_id)
        ids = [loc.id for loc in locations]
        assert ids == created, "ListLocations: every location of the org (nested included), in creation order"
        by_id = {loc.id: loc for loc in locations}
        assert by_id[a1.id].parent_location_id == a.id
        assert by_id[a11.id].parent_location_id == a1.id
        assert all(loc.organizations[0].organization_id == org_id for loc in locations)

        # another org's locations are not listed
        other_org = await app.create_organization(unique("org"))
        other = await app.create_location(other_org.id, unique("loc"))
        assert other.id not in [loc.id for loc in await app.list_locations(org_id)]
        assert [loc.id for loc in await app.list_locations(other_org.id)] == [other.id]

        await expect_error(Status.PERMISSION_DENIED, app.list_locations("00000000-0000-4000-8000-000000000000"))

    sdk_server.run(body)


def test_robot_count(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        sub = await app.create_location(org_id, unique("sub"), parent_location_id=loc.id)
        assert (await app.get_location(loc.id)).robot_count == 0
        r1 = await app.new_robot(unique("robot"), loc.id)
        await app.new_robot(unique("robot"), loc.id)
        await app.new_robot(unique("robot"), sub.id)
        assert (await app.get_location(loc.id)).robot_count == 2, "robot_count counts machines directly in the location"
        assert (await app.get_location(sub.id)).robot_count == 1
        await app.delete_robot(r1)
        assert (await app.get_location(loc.id)).robot_count == 1

    sdk_server.run(body)


def test_delete_location(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        keep = await app.create_location(org_id, unique("keep"))
        loc = await app.create_location(org_id, unique("loc"))
        await app.delete_location(loc.id)
        await expect_error(Status.PERMISSION_DENIED, app.get_location(loc.id))
        assert [x.id for x in await app.list_locations(org_id)] == [keep.id]
        await expect_error(Status.PERMISSION_DENIED, app.delete_location(loc.id))
        await expect_error(Status.PERMISSION_DENIED, app.delete_location(UNKNOWN_LOCATION_ID))
        await expect_error(Status.INVALID_ARGUMENT, app.delete_location(""), field="location_id")

    sdk_server.run(body)


def test_delete_location_refused_while_it_has_machines(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        robot_id = await app.new_robot(unique("robot"), loc.id)
        await expect_error(Status.FAILED_PRECONDITION, app.delete_location(loc.id))
        assert (await app.get_location(loc.id)).id == loc.id
        assert [r.id for r in await app.list_robots(loc.id)] == [robot_id]

        await app.delete_robot(robot_id)
        await app.delete_location(loc.id)
        await expect_error(Status.PERMISSION_DENIED, app.get_location(loc.id))

    sdk_server.run(body)


def test_delete_location_refused_while_it_has_sub_locations(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        parent = await app.create_location(org_id, unique("parent"))
        child = await app.create_location(org_id, unique("child"), parent_location_id=parent.id)
        await expect_error(Status.FAILED_PRECONDITION, app.delete_location(parent.id))
        assert (await app.get_location(parent.id)).id == parent.id

        # moving the child away empties the parent
        await app.update_location(child.id, parent_location_id="")
        await app.delete_location(parent.id)
        assert [x.id for x in await app.list_locations(org_id)] == [child.id]

    sdk_server.run(body)


def test_location_metadata(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        assert await app.get_location_metadata(loc.id) == {}
        data = {"address": "1 Main St", "coords": [40.7, -74.0], "open": False, "n": None, "nested": {"k": "v"}}
        await app.update_location_metadata(loc.id, data)
        assert await app.get_location_metadata(loc.id) == sdk_view(data)
        await app.update_location_metadata(loc.id, {"only": "this"})
        assert await app.get_location_metadata(loc.id) == {"only": "this"}
        await app.update_location_metadata(loc.id, {})
        assert await app.get_location_metadata(loc.id) == {}

        await expect_error(Status.INVALID_ARGUMENT, app.update_location_metadata(loc.id, {"x": float("nan")}), field="data")
        await expect_error(Status.PERMISSION_DENIED, app.get_location_metadata(UNKNOWN_LOCATION_ID))
        await expect_error(Status.PERMISSION_DENIED, app.update_location_metadata(UNKNOWN_LOCATION_ID, {"a": 1}))

    sdk_server.run(body)
