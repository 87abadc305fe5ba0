"""ListMachineSummaries through real gRPC calls: shape, order, status, fragments, filters, limit, access, scale."""

from __future__ import annotations

import time

from conftest import Fleet, RunningServer, Tree, denied, invalid, make_struct, new_key, role, unique
from generated.viam.app.v1 import app_pb2
from harness import effective_database_url
from test_checkin import boot_machine

ONLINE, AWAITING = app_pb2.ONLINE_STATE_ONLINE, app_pb2.ONLINE_STATE_AWAITING_SETUP


def _summaries(fleet: Fleet, org_id: str, **fields) -> list[app_pb2.LocationSummary]:  # type: ignore[no-untyped-def]
    return list(fleet.call("ListMachineSummaries", organization_id=org_id, **fields).location_summaries)


def _machine_ids(locations: list[app_pb2.LocationSummary]) -> list[str]:
    return [m.machine_id for loc in locations for m in loc.machine_summaries]


def test_locations_machines_parts_with_status_and_fragments(fleet: Fleet) -> None:
    org = fleet.new_org()
    lab = fleet.new_location(org.id, "b-lab")
    depot = fleet.new_location(org.id, "a-depot")
    nested = fleet.new_location(org.id, "c-nested", parent=lab.id)
    fleet.new_location(org.id, "d-empty")
    rover = fleet.new_robot(lab.id, "rover")
    arm = fleet.new_robot(lab.id, "arm")
    truck = fleet.new_robot(depot.id, "truck")
    drone = fleet.new_robot(nested.id, "drone")
    second = fleet.new_part(rover, "aux")
    fragment = fleet.call("CreateFragment", organization_id=org.id, name="base").fragment
    main = fleet.main_part(rover)
    fleet.call("UpdateRobotPart", id=main.id, name=main.name, robot_config=make_struct({"fragments": [fragment.id, "unknown-id"]}))
    boot_machine(fleet, main.id).config()

    locations = _summaries(fleet, org.id)
    assert [(loc.location_id, loc.location_name) for loc in locations] == [
        (depot.id, "a-depot"), (lab.id, "b-lab"), (nested.id, "c-nested")
    ], "by location name; locations without machines are left out"
    assert [[m.machine_name for m in loc.machine_summaries] for loc in locations] == [["truck"], ["arm", "rover"], ["drone"]]
    assert _machine_ids(locations) == [truck, arm, rover, drone]
    rover_summary = locations[1].machine_summaries[1]
    assert [p.part_id for p in rover_summary.part_summaries] == [main.id, second], "main part first"
    first, aux = rover_summary.part_summaries
    assert first.is_main_part and first.part_name == main.name and first.dns_name == main.dns_name
    assert first.online_state == ONLINE and first.HasField("last_access") and first.last_online == first.last_access
    assert [(f.id, f.name) for f in first.fragments] == [(fragment.id, "base")], "unknown ids are left out"
    assert not aux.is_main_part and aux.online_state == AWAITING and not aux.HasField("last_access") and not aux.fragments


def test_filters_and_limit(fleet: Fleet) -> None:
    org = fleet.new_org()
    one = fleet.new_location(org.id, "one")
    two = fleet.new_location(org.id, "two")
    robots = [fleet.new_robot(one.id, f"r{i}") for i in range(3)] + [fleet.new_robot(two.id, "s0")]
    fragment = fleet.call("CreateFragment", organization_id=org.id, name="f").fragment
    part = fleet.new_part(robots[1])  # not the main part: the machine still matches
    fleet.call("UpdateRobotPart", id=part, name="p", robot_config=make_struct({"fragments": [{"id": fragment.id, "version": "1"}]}))

    assert _machine_ids(_summaries(fleet, org.id, location_ids=[two.id])) == [robots[3]]
    by_fragment = _summaries(fleet, org.id, fragment_ids=[fragment.id])
    assert _machine_ids(by_fragment) == [robots[1]]
    assert len(by_fragment[0].machine_summaries[0].part_summaries) == 2, "every part of a matching machine"
    assert _machine_ids(_summaries(fleet, org.id, limit=2)) == robots[:2]
    assert _machine_ids(_summaries(fleet, org.id, limit=0)) == robots, "0: no limit"
    assert _summaries(fleet, org.id, fragment_ids=["no-such-fragment"]) == []
    other = fleet.new_tree()
    assert _summaries(fleet, org.id, location_ids=[other.location.id]) == [], "another organization's location"
    with invalid("limit"):
        _summaries(fleet, org.id, limit=-1)


def test_fragment_filter_matches_only_fragments_the_parts_can_use(fleet: Fleet, tree: Tree) -> None:
    """A part naming another organization's private fragment doesn't list it; the filter once matched it anyway."""
    theirs = fleet.call("CreateFragment", organization_id=fleet.new_org().id, name="theirs").fragment
    part = fleet.main_part(tree.robot_id)
    fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config=make_struct({"fragments": [theirs.id]}))
    assert _summaries(fleet, tree.org.id, fragment_ids=[theirs.id]) == []
    fleet.call("UpdateFragment", id=theirs.id, name=theirs.name, visibility=app_pb2.FRAGMENT_VISIBILITY_PUBLIC)
    matched = _summaries(fleet, tree.org.id, fragment_ids=[theirs.id])
    assert _machine_ids(matched) == [tree.robot_id]
    assert [f.id for f in matched[0].machine_summaries[0].part_summaries[0].fragments] == [theirs.id]


def test_access(fleet: Fleet, tree: Tree) -> None:
    other = fleet.new_org()
    stranger = new_key(fleet, [role(other.id, "owner", "organization", other.id)]).fleet
    with denied():
        _summaries(stranger, tree.org.id)
    operator = new_key(fleet, [role(tree.org.id, "operator", "organization", tree.org.id)]).fleet
    assert _machine_ids(_summaries(operator, tree.org.id)) == [tree.robot_id]


def test_a_large_fleet_in_few_queries(fleet: Fleet, server: RunningServer) -> None:
    """2000 machines x 2 parts bulk-loaded into the database; one call returns them all, quickly."""
    from bench.bench_machine_summaries import bulk_load

    org = fleet.new_org()
    location = fleet.new_location(org.id)
    fragment = fleet.call("CreateFragment", organization_id=org.id, name="f").fragment
    bulk_load(effective_database_url(server.data_dir), location.id, 2000, 2, fragment.id, prefix=unique("m"))
    started = time.perf_counter()
    locations = _summaries(fleet, org.id)
    elapsed = time.perf_counter() - started
    machines = [m for loc in locations for m in loc.machine_summaries]
    assert len(machines) == 2000 and all(len(m.part_summaries) == 2 for m in machines)
    assert sum(p.online_state == ONLINE for m in machines for p in m.part_summaries) == 2000, "every other machine checked in"
    assert all([f.id for f in m.part_summaries[0].fragments] == [fragment.id] for m in machines)
    assert elapsed < 5, f"{elapsed:.2f} s for 4000 parts"
