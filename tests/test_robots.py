"""Machines (robots): NewRobot/GetRobot/UpdateRobot/DeleteRobot/List*/metadata."""

from __future__ import annotations

import grpc
import pytest

from conftest import (
    BAD_NAMES,
    ROBOT_METADATA,
    UNKNOWN_LOCATION,
    UNKNOWN_ORG,
    UNKNOWN_ROBOT,
    UUID_RE,
    denied,
    invalid,
    new_key,
    role,
    rpc_error,
    run_metadata_contract,
    run_metadata_id_errors,
    run_concurrently,
    run_metadata_validation,
    unique,
)
from generated.viam.app.v1 import app_pb2

EXISTS = grpc.StatusCode.ALREADY_EXISTS


def _ids(robots) -> set[str]:
    return {r.id for r in robots}


# --------------------------------------------------------------------------- NewRobot / GetRobot


def test_new_robot(fleet, org):
    loc = fleet.new_location(org.id)
    name = unique("Rover")
    robot_id = fleet.call("NewRobot", name=name, location=loc.id).id
    assert UUID_RE.match(robot_id), robot_id
    robot = fleet.get_robot(robot_id)
    assert robot.id == robot_id
    assert robot.name == name
    assert robot.location == loc.id
    assert robot.HasField("created_on") and robot.created_on.seconds > 0
    assert robot.online_state == app_pb2.ONLINE_STATE_AWAITING_SETUP
    assert robot.seconds_since_online == 0
    assert not robot.HasField("last_access")
    assert fleet.get_location(loc.id).robot_count == 1


def test_new_robot_creates_main_part(fleet, org):
    loc = fleet.new_location(org.id)
    robot_id = fleet.new_robot(loc.id, "Arm 1")
    parts = fleet.parts(robot_id)
    assert len(parts) == 1
    main = parts[0]
    assert main.main_part is True
    assert main.name == "Arm 1-main"
    assert main.dns_name == "arm-1-main"
    assert main.robot == robot_id
    assert main.location_id == loc.id
    assert len(main.secrets) == 1 and main.secret == main.secrets[0].secret


def test_new_robot_same_name_other_location_ok(fleet, org):
    a, b = fleet.new_location(org.id), fleet.new_location(org.id)
    r1, r2 = fleet.new_robot(a.id, "twin"), fleet.new_robot(b.id, "twin")
    assert r1 != r2
    assert fleet.get_robot(r1).name == fleet.get_robot(r2).name == "twin"


def test_new_robot_duplicate_name(fleet, org):
    loc = fleet.new_location(org.id)
    first = fleet.new_robot(loc.id, "dup")
    with rpc_error(EXISTS):
        fleet.new_robot(loc.id, "dup")
    assert _ids(fleet.robots(loc.id)) == {first}
    assert fleet.get_location(loc.id).robot_count == 1
    assert len(fleet.parts(first)) == 1


def test_names_that_differ_only_in_unicode_composition_are_the_same_name(fleet, org):
    loc = fleet.new_location(org.id)
    robot_id = fleet.new_robot(loc.id, "Cafe\u0301")  # "e" and a combining accent
    assert fleet.get_robot(robot_id).name == "Caf\u00e9"  # stored composed (NFC)
    with rpc_error(EXISTS):
        fleet.new_robot(loc.id, "Caf\u00e9")
    part_id = fleet.new_part(robot_id, "Ble\u0301")
    with rpc_error(EXISTS):
        fleet.new_part(robot_id, "Bl\u00e9")
    found = fleet.call("GetRobotPartByNameAndLocation", name="Ble\u0301", location_id=loc.id).part
    assert found.id == part_id and found.name == "Bl\u00e9"


def test_concurrent_new_robot_same_name(fleet, org):
    loc = fleet.new_location(org.id)
    results, errors = run_concurrently(lambda: fleet.new_robot(loc.id, "racer"))
    assert len(results) == 1, f"exactly one NewRobot may win, {len(results)} did"
    assert all(e.code() == EXISTS for e in errors), [(e.code().name, e.details()) for e in errors]
    assert _ids(fleet.robots(loc.id)) == set(results)
    assert fleet.get_location(loc.id).robot_count == 1
    assert len(fleet.parts(results[0])) == 1


@pytest.mark.parametrize("name", ["x", "x" * 100, "é" * 100, "Rover Ü 東京"])
def test_new_robot_valid_names(fleet, org, name):
    loc = fleet.new_location(org.id)
    assert fleet.get_robot(fleet.new_robot(loc.id, name)).name == name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_new_robot_bad_name(fleet, org, name):
    loc = fleet.new_location(org.id)
    with invalid("name"):
        fleet.call("NewRobot", name=name, location=loc.id)
    assert fleet.robots(loc.id) == []
    assert fleet.get_location(loc.id).robot_count == 0


def test_new_robot_location_errors(fleet, org):
    with invalid("location"):
        fleet.call("NewRobot", name="r", location="")
    with denied():
        fleet.call("NewRobot", name="r", location=UNKNOWN_LOCATION)
    assert fleet.call("ListRobotsForOrg", org_id=org.id).robots == []


def test_get_robot_errors(fleet):
    with invalid("id"):
        fleet.call("GetRobot", id="")
    with denied():
        fleet.get_robot(UNKNOWN_ROBOT)


@pytest.mark.parametrize("bad_id", ["nope", "x" * 300, "' OR 1=1 --"])
def test_get_robot_malformed_id_is_not_internal(fleet, bad_id):
    with rpc_error((grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT)):
        fleet.get_robot(bad_id)


# --------------------------------------------------------------------------- UpdateRobot


def test_update_robot_rename(fleet, tree):
    before = fleet.get_robot(tree.robot_id)
    robot = fleet.call("UpdateRobot", id=tree.robot_id, name="renamed", location=tree.location.id).robot
    assert robot.name == "renamed"
    assert robot.location == tree.location.id
    assert robot.created_on == before.created_on
    assert fleet.get_robot(tree.robot_id) == robot


def test_update_robot_empty_location_keeps(fleet, tree):
    robot = fleet.call("UpdateRobot", id=tree.robot_id, name="renamed", location="").robot
    assert robot.location == tree.location.id and robot.name == "renamed"


def test_update_robot_same_name_is_fine(fleet, tree):
    robot = fleet.call("UpdateRobot", id=tree.robot_id, name=tree.robot_name, location="").robot
    assert robot.name == tree.robot_name


def test_update_robot_move(fleet, tree):
    target = fleet.new_location(tree.org.id, parent=tree.location.id)
    part_id = fleet.new_part(tree.robot_id)
    robot = fleet.call("UpdateRobot", id=tree.robot_id, name=tree.robot_name, location=target.id).robot
    assert robot.location == target.id
    assert fleet.get_robot(tree.robot_id).location == target.id
    assert fleet.robots(tree.location.id) == []
    assert _ids(fleet.robots(target.id)) == {tree.robot_id}
    assert fleet.get_location(tree.location.id).robot_count == 0
    assert fleet.get_location(target.id).robot_count == 1
    # the parts follow the machine
    for part in fleet.parts(tree.robot_id):
        assert part.location_id == target.id
        assert part.fqdn == f"{part.dns_name}.{target.id}.fleet.local"
        assert part.local_fqdn == f"{part.dns_name}.{target.id}.local.fleet.local"
    assert fleet.get_part(part_id).location_id == target.id


@pytest.mark.parametrize("name", BAD_NAMES)
def test_update_robot_bad_name(fleet, tree, name):
    before = fleet.get_robot(tree.robot_id)
    with invalid("name"):
        fleet.call("UpdateRobot", id=tree.robot_id, name=name, location=tree.location.id)
    assert fleet.get_robot(tree.robot_id) == before


def test_update_robot_location_in_other_org(fleet, tree):
    before = fleet.get_robot(tree.robot_id)
    other = fleet.new_location(fleet.new_org().id)
    with invalid("location"):
        fleet.call("UpdateRobot", id=tree.robot_id, name="Not Applied", location=other.id)
    assert fleet.get_robot(tree.robot_id) == before
    assert fleet.robots(other.id) == []


def test_update_robot_unknown_location(fleet, tree):
    before = fleet.get_robot(tree.robot_id)
    # the caller has no role on an unknown location: either answer is defensible
    with rpc_error((grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED)) as e:
        fleet.call("UpdateRobot", id=tree.robot_id, name="Not Applied", location=UNKNOWN_LOCATION)
    if e.code == grpc.StatusCode.INVALID_ARGUMENT:
        assert e.fields[0] == "location"
    assert fleet.get_robot(tree.robot_id) == before


def test_update_robot_name_clash_in_target(fleet, tree):
    target = fleet.new_location(tree.org.id)
    fleet.new_robot(target.id, tree.robot_name)
    before = fleet.get_robot(tree.robot_id)
    with rpc_error(EXISTS):
        fleet.call("UpdateRobot", id=tree.robot_id, name=tree.robot_name, location=target.id)
    assert fleet.get_robot(tree.robot_id) == before
    # and clash by renaming within the same location
    sibling = fleet.new_robot(tree.location.id, "sibling")
    with rpc_error(EXISTS):
        fleet.call("UpdateRobot", id=sibling, name=tree.robot_name, location="")
    assert fleet.get_robot(sibling).name == "sibling"


def test_update_robot_id_errors(fleet, tree):
    with invalid("id"):
        fleet.call("UpdateRobot", id="", name="x", location=tree.location.id)
    with denied():
        fleet.call("UpdateRobot", id=UNKNOWN_ROBOT, name="x", location=tree.location.id)


# --------------------------------------------------------------------------- DeleteRobot


def test_delete_robot_deletes_parts(fleet, tree):
    extra = fleet.new_part(tree.robot_id)
    main = fleet.main_part(tree.robot_id).id
    keep = fleet.new_robot(tree.location.id)
    fleet.call("DeleteRobot", id=tree.robot_id)
    with denied():
        fleet.get_robot(tree.robot_id)
    for pid in (extra, main):
        with denied():
            fleet.get_part(pid)
    with denied():
        fleet.parts(tree.robot_id)
    with rpc_error(grpc.StatusCode.NOT_FOUND):
        fleet.call("GetRobotPartByNameAndLocation", name=f"{tree.robot_name}-main", location_id=tree.location.id)
    assert _ids(fleet.robots(tree.location.id)) == {keep}
    assert fleet.get_location(tree.location.id).robot_count == 1
    with denied():
        fleet.call("DeleteRobot", id=tree.robot_id)
    # the name is free again
    again = fleet.new_robot(tree.location.id, tree.robot_name)
    assert fleet.main_part(again).name == f"{tree.robot_name}-main"


def test_deleting_a_robot_drops_it_from_pending_invites(fleet, tree):
    """An invite would otherwise hand its user a role on a machine that is gone."""
    keep = fleet.new_robot(tree.location.id)
    email = unique("invited") + "@example.com"
    fleet.call("CreateOrganizationInvite", organization_id=tree.org.id, email=email,
               authorizations=[role(tree.org.id, "owner", "robot", tree.robot_id), role(tree.org.id, "operator", "robot", keep)])
    fleet.call("DeleteRobot", id=tree.robot_id)
    invites = fleet.call("ListOrganizationMembers", organization_id=tree.org.id).invites
    assert [(i.email, [a.resource_id for a in i.authorizations]) for i in invites] == [(email.lower(), [keep])]


def test_delete_robot_id_errors(fleet):
    with invalid("id"):
        fleet.call("DeleteRobot", id="")
    with denied():
        fleet.call("DeleteRobot", id=UNKNOWN_ROBOT)


# --------------------------------------------------------------------------- listing


def test_list_robots_direct_only(fleet, org):
    parent = fleet.new_location(org.id)
    child = fleet.new_location(org.id, parent=parent.id)
    p1, p2 = fleet.new_robot(parent.id), fleet.new_robot(parent.id)
    c1 = fleet.new_robot(child.id)
    listed = fleet.robots(parent.id)
    assert _ids(listed) == {p1, p2}
    assert _ids(fleet.robots(child.id)) == {c1}
    for robot in listed:
        assert robot == fleet.get_robot(robot.id)


def test_list_robots_errors(fleet):
    with invalid("location_id"):
        fleet.call("ListRobots", location_id="")
    with denied():
        fleet.call("ListRobots", location_id=UNKNOWN_LOCATION)


def test_list_robots_for_org(fleet, org):
    parent = fleet.new_location(org.id)
    child = fleet.new_location(org.id, parent=parent.id)
    ids = {fleet.new_robot(parent.id), fleet.new_robot(child.id), fleet.new_robot(fleet.new_location(org.id).id)}
    other_org_robot = fleet.new_tree().robot_id
    listed = fleet.call("ListRobotsForOrg", org_id=org.id).robots
    assert _ids(listed) == ids
    assert other_org_robot not in _ids(listed)
    assert len(listed) == 3


def test_list_robots_for_org_errors(fleet):
    with invalid("org_id"):
        fleet.call("ListRobotsForOrg", org_id="")
    with denied():
        fleet.call("ListRobotsForOrg", org_id=UNKNOWN_ORG)


def test_list_robots_for_locations(fleet, org):
    a, b, c = fleet.new_location(org.id), fleet.new_location(org.id), fleet.new_location(org.id)
    ra, rb = fleet.new_robot(a.id), fleet.new_robot(b.id)
    fleet.new_robot(c.id)
    other = fleet.new_tree()  # another org of the same caller: accessible
    listed = fleet.call("ListRobotsForLocations", location_ids=[a.id, b.id, other.location.id]).robots
    assert _ids(listed) == {ra, rb, other.robot_id}
    assert len(listed) == 3
    assert fleet.call("ListRobotsForLocations", location_ids=[]).robots == []


def test_list_robots_for_locations_requires_every_location(fleet, tree):
    with denied():
        fleet.call("ListRobotsForLocations", location_ids=[tree.location.id, UNKNOWN_LOCATION])
    with denied():
        fleet.call("ListRobotsForLocations", location_ids=[UNKNOWN_LOCATION])


def test_list_robots_for_locations_empty_id(fleet, tree):
    # an empty id is not an accessible location; never INTERNAL
    with rpc_error((grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED)):
        fleet.call("ListRobotsForLocations", location_ids=[tree.location.id, ""])


# --------------------------------------------------------------------------- metadata


def test_robot_metadata(fleet, tree):
    run_metadata_contract(fleet, ROBOT_METADATA, tree.robot_id)


def test_robot_metadata_validation(fleet, tree):
    run_metadata_validation(fleet, ROBOT_METADATA, tree.robot_id)


def test_robot_metadata_id_errors(fleet):
    run_metadata_id_errors(fleet, ROBOT_METADATA, UNKNOWN_ROBOT)


def test_robot_metadata_gone_with_robot(fleet, tree):
    ROBOT_METADATA.update(fleet, tree.robot_id, {"x": 1})
    fleet.call("DeleteRobot", id=tree.robot_id)
    with denied():
        ROBOT_METADATA.get(fleet, tree.robot_id)


def test_moving_to_an_unknown_or_unseen_location_is_denied_alike(fleet, tree):
    """A key that owns only the machine learns nothing about other locations from UpdateRobot."""
    other = fleet.new_location(tree.org.id)
    key = new_key(fleet, [role(tree.org.id, "owner", "robot", tree.robot_id)])
    for target in (other.id, UNKNOWN_LOCATION):
        with denied():
            key.fleet.call("UpdateRobot", id=tree.robot_id, name="moved", location=target)
