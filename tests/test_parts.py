"""Machine parts: NewRobotPart/GetRobotPart(s)/ByNameAndLocation/Delete/MarkPartAsMain/metadata."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlalchemy import DateTime, bindparam, create_engine, text

from conftest import (
    BAD_NAMES,
    PART_METADATA,
    ROBOT_METADATA,
    UNKNOWN_LOCATION,
    UNKNOWN_PART,
    UNKNOWN_ROBOT,
    denied,
    invalid,
    rpc_error,
    run_metadata_contract,
    run_metadata_id_errors,
    run_concurrently,
    run_metadata_validation,
)
from generated.viam.app.v1 import app_pb2
from harness import effective_database_url

EXISTS = grpc.StatusCode.ALREADY_EXISTS
FAILED = grpc.StatusCode.FAILED_PRECONDITION
NOT_FOUND = grpc.StatusCode.NOT_FOUND


def _names(parts) -> list[str]:
    return [p.name for p in parts]


def _by_name(fleet, name: str, location_id: str) -> app_pb2.RobotPart:
    return fleet.call("GetRobotPartByNameAndLocation", name=name, location_id=location_id).part


# --------------------------------------------------------------------------- NewRobotPart / GetRobotPart


def test_new_robot_part(fleet, tree):
    part_id = fleet.call("NewRobotPart", robot_id=tree.robot_id, part_name="Camera Node").part_id
    assert part_id
    response = fleet.call("GetRobotPart", id=part_id)
    assert response.config_json == "{}"
    part = response.part
    loc = tree.location.id
    assert part.id == part_id
    assert part.name == "Camera Node"
    assert part.dns_name == "camera-node"
    assert part.robot == tree.robot_id
    assert part.location_id == loc
    assert part.main_part is False
    assert part.fqdn == f"camera-node.{loc}.fleet.local"
    assert part.local_fqdn == f"camera-node.{loc}.local.fleet.local"
    assert part.HasField("robot_config") and len(part.robot_config.fields) == 0
    assert not part.HasField("user_supplied_info")
    assert part.HasField("created_on") and part.created_on.seconds > 0
    assert part.HasField("last_updated")
    assert part.HasField("robot_config_json") and part.robot_config_json == "{}"
    assert part.online_state != app_pb2.ONLINE_STATE_ONLINE
    assert len(part.secrets) == 1
    secret = part.secrets[0]
    assert secret.id and secret.secret
    assert secret.state == app_pb2.SharedSecret.STATE_ENABLED
    assert part.secret == secret.secret


def test_main_part_fields(fleet, tree):
    main = fleet.main_part(tree.robot_id)
    response = fleet.call("GetRobotPart", id=main.id)
    assert response.part == main
    assert response.config_json == "{}"
    assert main.name == f"{tree.robot_name}-main"
    assert main.dns_name == f"{tree.robot_name}-main".lower()
    assert main.fqdn == f"{main.dns_name}.{tree.location.id}.fleet.local"
    assert main.local_fqdn == f"{main.dns_name}.{tree.location.id}.local.fleet.local"


def test_part_secrets_are_unique(fleet, tree):
    a, b = fleet.get_part(fleet.new_part(tree.robot_id)), fleet.get_part(fleet.new_part(tree.robot_id))
    main = fleet.main_part(tree.robot_id)
    secrets = {a.secret, b.secret, main.secret}
    assert len(secrets) == 3
    assert len({a.id, b.id, main.id}) == 3


@pytest.mark.parametrize(
    ("name", "dns"),
    [
        ("ABC", "abc"),
        ("My Part_1", "my-part-1"),
        ("a.b c", "a-b-c"),
        ("a  b", "a-b"),  # runs of other characters become one dash
        ("keep-dash-9", "keep-dash-9"),
        ("x" * 63, "x" * 63),
    ],
)
def test_dns_name(fleet, tree, name, dns):
    part = fleet.get_part(fleet.new_part(tree.robot_id, name))
    assert part.name == name
    assert part.dns_name == dns
    assert part.fqdn == f"{dns}.{tree.location.id}.fleet.local"


DNS_LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@pytest.mark.parametrize(
    "name",
    [
        "Ünïcode",
        "-dash-",
        "x" * 100,
        "東京",
        pytest.param("x" * 62 + " y", id="dash-at-the-cut"),
        pytest.param("x" * 60 + " yz", id="dash-at-the-cut-for-a-suffix"),
    ],
)
def test_dns_name_is_a_dns_label(fleet, tree, name):
    # Taken literally, the spec's rule would give a leading '-' or a label longer
    # than 63 characters here; fqdn is a DNS name, so only require a valid label
    # made of the allowed characters.
    part = fleet.get_part(fleet.new_part(tree.robot_id, name))
    assert set(part.dns_name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert DNS_LABEL_RE.match(part.dns_name), part.dns_name
    assert part.fqdn == f"{part.dns_name}.{tree.location.id}.fleet.local"
    # The same name on another machine of the location gets a numbered label, a valid one too.
    twin = fleet.get_part(fleet.new_part(fleet.new_robot(tree.location.id), name))
    assert twin.dns_name != part.dns_name and DNS_LABEL_RE.match(twin.dns_name), twin.dns_name
    assert "--" not in part.dns_name + twin.dns_name  # none of these names has a run of dashes


@pytest.mark.parametrize("name", BAD_NAMES)
def test_new_robot_part_bad_name(fleet, tree, name):
    with invalid("part_name"):
        fleet.call("NewRobotPart", robot_id=tree.robot_id, part_name=name)
    assert len(fleet.parts(tree.robot_id)) == 1


def test_new_robot_part_duplicate_name(fleet, tree):
    fleet.new_part(tree.robot_id, "dup")
    with rpc_error(EXISTS):
        fleet.new_part(tree.robot_id, "dup")
    with rpc_error(EXISTS):
        fleet.new_part(tree.robot_id, f"{tree.robot_name}-main")
    assert sorted(_names(fleet.parts(tree.robot_id))) == sorted([f"{tree.robot_name}-main", "dup"])


def test_concurrent_new_part_same_name(fleet, tree):
    results, errors = run_concurrently(lambda: fleet.new_part(tree.robot_id, "racer"))
    assert len(results) == 1, f"exactly one NewRobotPart may win, {len(results)} did"
    assert all(e.code() == EXISTS for e in errors), [(e.code().name, e.details()) for e in errors]
    assert sorted(_names(fleet.parts(tree.robot_id))) == sorted([f"{tree.robot_name}-main", "racer"])


def test_same_part_name_on_other_machine_ok(fleet, tree):
    other = fleet.new_robot(tree.location.id)
    a, b = fleet.new_part(tree.robot_id, "shared"), fleet.new_part(other, "shared")
    assert a != b


def test_new_robot_part_robot_errors(fleet):
    with invalid("robot_id"):
        fleet.call("NewRobotPart", robot_id="", part_name="p")
    with denied():
        fleet.call("NewRobotPart", robot_id=UNKNOWN_ROBOT, part_name="p")


def test_get_robot_part_errors(fleet):
    with invalid("id"):
        fleet.call("GetRobotPart", id="")
    with denied():
        fleet.get_part(UNKNOWN_PART)


@pytest.mark.parametrize("bad_id", ["nope", "x" * 300, "' OR 1=1 --"])
def test_get_robot_part_malformed_id_is_not_internal(fleet, bad_id):
    with rpc_error((grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT)):
        fleet.get_part(bad_id)


# --------------------------------------------------------------------------- GetRobotParts


def test_get_robot_parts_main_first_then_creation(fleet, tree):
    ids = [fleet.new_part(tree.robot_id, n) for n in ("c", "a", "b")]
    parts = fleet.parts(tree.robot_id)
    assert _names(parts) == [f"{tree.robot_name}-main", "c", "a", "b"]
    assert [p.id for p in parts[1:]] == ids
    assert [p.main_part for p in parts] == [True, False, False, False]
    for p in parts:
        assert p == fleet.get_part(p.id)


def test_get_robot_parts_errors(fleet):
    with invalid("robot_id"):
        fleet.call("GetRobotParts", robot_id="")
    with denied():
        fleet.call("GetRobotParts", robot_id=UNKNOWN_ROBOT)


# --------------------------------------------------------------------------- GetRobotPartByNameAndLocation


def test_get_part_by_name_and_location(fleet, tree):
    part_id = fleet.new_part(tree.robot_id, "Lidar")
    assert _by_name(fleet, "Lidar", tree.location.id) == fleet.get_part(part_id)
    main = fleet.main_part(tree.robot_id)
    assert _by_name(fleet, f"{tree.robot_name}-main", tree.location.id) == main


def test_get_part_by_fqdn_and_location(fleet, tree):
    # the proto documents lookup "by its name or fqdn"
    main = fleet.main_part(tree.robot_id)
    assert _by_name(fleet, main.fqdn, tree.location.id).id == main.id


def test_get_part_by_fqdn_ignores_case_and_a_root_dot(fleet, tree):
    main = fleet.main_part(tree.robot_id)
    assert _by_name(fleet, main.fqdn.upper(), tree.location.id).id == main.id
    assert _by_name(fleet, main.fqdn + ".", tree.location.id).id == main.id
    with rpc_error(NOT_FOUND):  # names, unlike fqdns, are matched exactly
        _by_name(fleet, main.name.upper(), tree.location.id)


def test_get_part_by_name_not_found(fleet, tree):
    with rpc_error(NOT_FOUND):
        _by_name(fleet, "no-such-part", tree.location.id)
    # only machines directly in that location count
    child = fleet.new_location(tree.org.id, parent=tree.location.id)
    nested_robot = fleet.new_robot(child.id, "nested")
    fleet.new_part(nested_robot, "deep-part")
    with rpc_error(NOT_FOUND):
        _by_name(fleet, "deep-part", tree.location.id)
    with rpc_error(NOT_FOUND):
        _by_name(fleet, f"{tree.robot_name}-main", child.id)
    assert _by_name(fleet, "deep-part", child.id).robot == nested_robot
    # another org's location does not see it either
    other = fleet.new_tree()
    with rpc_error(NOT_FOUND):
        _by_name(fleet, f"{tree.robot_name}-main", other.location.id)


def test_get_part_by_name_after_machine_move(fleet, tree):
    target = fleet.new_location(tree.org.id)
    fleet.call("UpdateRobot", id=tree.robot_id, name=tree.robot_name, location=target.id)
    with rpc_error(NOT_FOUND):
        _by_name(fleet, f"{tree.robot_name}-main", tree.location.id)
    assert _by_name(fleet, f"{tree.robot_name}-main", target.id).robot == tree.robot_id


def test_get_part_by_name_errors(fleet, tree):
    with invalid("location_id"):
        _by_name(fleet, f"{tree.robot_name}-main", "")
    with denied():
        _by_name(fleet, f"{tree.robot_name}-main", UNKNOWN_LOCATION)
    with denied():
        _by_name(fleet, "no-such-part", UNKNOWN_LOCATION)


def test_get_part_by_empty_name_is_invalid(fleet, tree):
    # an empty required argument is INVALID_ARGUMENT naming the field, not a lookup miss
    with invalid("name"):
        _by_name(fleet, "", tree.location.id)


# --------------------------------------------------------------------------- DeleteRobotPart


def test_delete_non_main_part(fleet, tree):
    keep = fleet.new_part(tree.robot_id, "keep")
    doomed = fleet.new_part(tree.robot_id, "doomed")
    fleet.call("DeleteRobotPart", part_id=doomed)
    with denied():
        fleet.get_part(doomed)
    assert _names(fleet.parts(tree.robot_id)) == [f"{tree.robot_name}-main", "keep"]
    assert fleet.get_part(keep).name == "keep"
    with denied():
        fleet.call("DeleteRobotPart", part_id=doomed)
    # the name can be reused
    fleet.new_part(tree.robot_id, "doomed")


def test_delete_main_part_with_others_refused(fleet, tree):
    other = fleet.new_part(tree.robot_id)
    main = fleet.main_part(tree.robot_id)
    before = fleet.parts(tree.robot_id)
    with rpc_error(FAILED):
        fleet.call("DeleteRobotPart", part_id=main.id)
    assert fleet.parts(tree.robot_id) == before
    # once it is alone, the main part can go (the precondition only concerns other parts)
    fleet.call("DeleteRobotPart", part_id=other)
    fleet.call("DeleteRobotPart", part_id=main.id)
    assert fleet.parts(tree.robot_id) == []
    assert fleet.get_robot(tree.robot_id).id == tree.robot_id


def test_delete_robot_part_errors(fleet):
    with invalid("part_id"):
        fleet.call("DeleteRobotPart", part_id="")
    with denied():
        fleet.call("DeleteRobotPart", part_id=UNKNOWN_PART)


# --------------------------------------------------------------------------- MarkPartAsMain


def test_mark_part_as_main(fleet, tree):
    old_main = fleet.main_part(tree.robot_id)
    new_id = fleet.new_part(tree.robot_id, "promoted")
    fleet.new_part(tree.robot_id, "bystander")
    fleet.call("MarkPartAsMain", part_id=new_id)
    assert fleet.get_part(new_id).main_part is True
    assert fleet.get_part(old_main.id).main_part is False
    parts = fleet.parts(tree.robot_id)
    assert [p.main_part for p in parts] == [True, False, False]
    assert parts[0].id == new_id
    assert fleet.main_part(tree.robot_id).id == new_id
    # the old main is an ordinary part now; the new one is protected
    with rpc_error(FAILED):
        fleet.call("DeleteRobotPart", part_id=new_id)
    fleet.call("DeleteRobotPart", part_id=old_main.id)
    assert _names(fleet.parts(tree.robot_id)) == ["promoted", "bystander"]


def test_mark_main_part_as_main_is_noop(fleet, tree):
    main = fleet.main_part(tree.robot_id)
    fleet.new_part(tree.robot_id)
    fleet.call("MarkPartAsMain", part_id=main.id)
    assert fleet.main_part(tree.robot_id).id == main.id
    assert sum(p.main_part for p in fleet.parts(tree.robot_id)) == 1


def test_mark_part_as_main_errors(fleet, tree):
    with invalid("part_id"):
        fleet.call("MarkPartAsMain", part_id="")
    with denied():
        fleet.call("MarkPartAsMain", part_id=UNKNOWN_PART)
    assert fleet.main_part(tree.robot_id).name == f"{tree.robot_name}-main"


def test_mark_part_as_main_moves_last_updated_strictly_forward(fleet, server, tree):
    """MarkPartAsMain set last_updated to the clock's time: a last_updated already past it (a
    replica whose clock runs ahead wrote it, or the clock stepped back) went backwards."""
    old_main = fleet.main_part(tree.robot_id)
    new_id = fleet.new_part(tree.robot_id)
    ahead = datetime.now(UTC) + timedelta(hours=1)
    engine = create_engine(effective_database_url(server.data_dir))
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE robot_part SET last_updated = :t WHERE robot_id = :r").bindparams(bindparam("t", type_=DateTime(timezone=True))),
                {"t": ahead, "r": tree.robot_id},
            )
    finally:
        engine.dispose()
    fleet.call("MarkPartAsMain", part_id=new_id)
    for part_id in (old_main.id, new_id):
        assert fleet.get_part(part_id).last_updated.ToDatetime(tzinfo=UTC) > ahead


def test_mark_part_as_main_only_affects_its_machine(fleet, tree):
    other = fleet.new_robot(tree.location.id)
    other_main = fleet.main_part(other)
    pid = fleet.new_part(tree.robot_id)
    fleet.call("MarkPartAsMain", part_id=pid)
    assert fleet.main_part(other).id == other_main.id


# --------------------------------------------------------------------------- metadata


def test_part_metadata(fleet, tree):
    run_metadata_contract(fleet, PART_METADATA, fleet.new_part(tree.robot_id))


def test_main_part_metadata(fleet, tree):
    run_metadata_contract(fleet, PART_METADATA, fleet.main_part(tree.robot_id).id)


def test_part_metadata_validation(fleet, tree):
    run_metadata_validation(fleet, PART_METADATA, fleet.new_part(tree.robot_id))


def test_part_metadata_id_errors(fleet):
    run_metadata_id_errors(fleet, PART_METADATA, UNKNOWN_PART)


def test_part_metadata_independent_of_robot_metadata(fleet, tree):
    pid = fleet.new_part(tree.robot_id)
    PART_METADATA.update(fleet, pid, {"p": 1})
    assert ROBOT_METADATA.get(fleet, tree.robot_id) == {}
    assert PART_METADATA.get(fleet, pid) == {"p": 1}


def test_part_metadata_gone_with_part(fleet, tree):
    pid = fleet.new_part(tree.robot_id)
    PART_METADATA.update(fleet, pid, {"x": 1})
    fleet.call("DeleteRobotPart", part_id=pid)
    with denied():
        PART_METADATA.get(fleet, pid)


def test_a_machine_whose_last_part_was_deleted_gets_a_main_part_again(fleet, tree):
    fleet.call("DeleteRobotPart", part_id=fleet.main_part(tree.robot_id).id)
    added = fleet.new_part(tree.robot_id)
    assert [(p.id, p.main_part) for p in fleet.parts(tree.robot_id)] == [(added, True)]


def test_moving_a_machine_keeps_dns_names_unique_in_its_new_location(fleet, tree):
    there = fleet.new_location(tree.org.id)
    main = fleet.main_part(tree.robot_id)
    resident = fleet.new_part(fleet.new_robot(there.id), main.name)  # the same dns_name, in the target location
    fleet.call("UpdateRobot", id=tree.robot_id, name=tree.robot_name, location=there.id)
    moved = fleet.get_part(main.id)
    assert moved.dns_name != fleet.get_part(resident).dns_name and moved.fqdn != fleet.get_part(resident).fqdn
