"""Locations: Create/Get/Update/Delete/List/metadata."""

from __future__ import annotations

import grpc
import pytest

from conftest import (
    BAD_NAMES,
    UNKNOWN_LOCATION,
    UNKNOWN_ORG,
    LOCATION_ID_RE,
    LOCATION_METADATA,
    ORG_METADATA,
    denied,
    invalid,
    new_key,
    role,
    rpc_error,
    run_metadata_contract,
    run_metadata_id_errors,
    run_metadata_validation,
    unique,
)
from generated.viam.app.v1 import app_pb2

FAILED = grpc.StatusCode.FAILED_PRECONDITION


def _ids(locations) -> list[str]:
    return [l.id for l in locations]


# --------------------------------------------------------------------------- CreateLocation


def test_create_top_level_location(fleet, org):
    name = unique("Lab")
    loc = fleet.call("CreateLocation", organization_id=org.id, name=name).location
    assert LOCATION_ID_RE.match(loc.id), loc.id
    assert loc.name == name
    assert loc.parent_location_id == ""
    assert loc.HasField("created_on") and loc.created_on.seconds > 0
    assert loc.robot_count == 0
    # auth: one enabled secret on creation (the caller is owner, so it is filled)
    assert loc.auth.location_id == loc.id
    assert len(loc.auth.secrets) == 1
    secret = loc.auth.secrets[0]
    assert secret.id and secret.secret
    assert secret.state == app_pb2.SharedSecret.STATE_ENABLED
    assert secret.HasField("created_on")
    assert loc.auth.secret == secret.secret
    # organizations / identity
    assert [(o.organization_id, o.primary) for o in loc.organizations] == [(org.id, True)]
    assert loc.HasField("primary_org_identity")
    assert loc.primary_org_identity.id == org.id
    assert loc.primary_org_identity.name == org.name
    assert loc.HasField("config")
    assert fleet.get_location(loc.id) == loc


def test_location_ids_and_secrets_are_unique(fleet, org):
    a, b = fleet.new_location(org.id, "same"), fleet.new_location(org.id, "same")
    assert a.id != b.id
    assert a.auth.secrets[0].secret != b.auth.secrets[0].secret
    assert a.auth.secrets[0].id != b.auth.secrets[0].id


def test_create_nested_location(fleet, org):
    parent = fleet.new_location(org.id)
    child = fleet.new_location(org.id, parent=parent.id)
    grandchild = fleet.new_location(org.id, parent=child.id)
    assert child.parent_location_id == parent.id
    assert grandchild.parent_location_id == child.id
    assert fleet.get_location(grandchild.id).parent_location_id == child.id


def test_create_location_with_empty_parent_is_top_level(fleet, org):
    loc = fleet.call("CreateLocation", organization_id=org.id, name="top", parent_location_id="").location
    assert loc.parent_location_id == ""


@pytest.mark.parametrize("name", ["x", "x" * 100, "Café 東京"])
def test_create_location_valid_names(fleet, org, name):
    assert fleet.new_location(org.id, name).name == name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_create_location_bad_name(fleet, org, name):
    fleet.new_location(org.id)
    before = fleet.locations(org.id)
    with invalid("name"):
        fleet.call("CreateLocation", organization_id=org.id, name=name)
    assert fleet.locations(org.id) == before


def test_create_location_parent_in_other_org(fleet, org):
    other = fleet.new_org()
    foreign_parent = fleet.new_location(other.id)
    with invalid("parent_location_id"):
        fleet.new_location(org.id, parent=foreign_parent.id)
    assert fleet.locations(org.id) == []
    assert _ids(fleet.locations(other.id)) == [foreign_parent.id]


def test_create_location_unknown_parent(fleet, org):
    with denied():  # as for a location the caller can't see: an unknown id reveals nothing
        fleet.new_location(org.id, parent=UNKNOWN_LOCATION)
    assert fleet.locations(org.id) == []


def test_create_location_org_errors(fleet):
    with invalid("organization_id"):
        fleet.call("CreateLocation", organization_id="", name="x")
    with denied():
        fleet.call("CreateLocation", organization_id=UNKNOWN_ORG, name="x")


def test_create_location_in_deleted_org(fleet):
    org = fleet.new_org()
    fleet.call("DeleteOrganization", organization_id=org.id)
    with denied():
        fleet.new_location(org.id)


# --------------------------------------------------------------------------- GetLocation


def test_get_location_errors(fleet):
    with invalid("location_id"):
        fleet.call("GetLocation", location_id="")
    with denied():
        fleet.get_location(UNKNOWN_LOCATION)


@pytest.mark.parametrize("bad_id", ["short", "UPPERCASE0", "x" * 300, "' OR 1=1 --"])
def test_get_location_malformed_id_is_not_internal(fleet, bad_id):
    with rpc_error((grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT)):
        fleet.get_location(bad_id)


def test_robot_count_counts_direct_machines(fleet, org):
    parent = fleet.new_location(org.id)
    child = fleet.new_location(org.id, parent=parent.id)
    fleet.new_robot(parent.id)
    fleet.new_robot(child.id)
    fleet.new_robot(child.id)
    assert fleet.get_location(parent.id).robot_count == 1
    assert fleet.get_location(child.id).robot_count == 2
    counts = {l.id: l.robot_count for l in fleet.locations(org.id)}
    assert counts == {parent.id: 1, child.id: 2}


# --------------------------------------------------------------------------- UpdateLocation


def test_update_location_rename(fleet, org):
    loc = fleet.new_location(org.id, "old")
    updated = fleet.call("UpdateLocation", location_id=loc.id, name="new").location
    assert updated.name == "new"
    assert updated.id == loc.id and updated.created_on == loc.created_on
    assert updated.auth == loc.auth
    assert fleet.get_location(loc.id) == updated


def test_update_location_empty_or_unset_name_keeps(fleet, org):
    parent = fleet.new_location(org.id)
    loc = fleet.new_location(org.id, "keep", parent=parent.id)
    assert fleet.call("UpdateLocation", location_id=loc.id, name="").location == loc
    assert fleet.call("UpdateLocation", location_id=loc.id).location == loc
    assert fleet.get_location(loc.id) == loc


@pytest.mark.parametrize("name", [n for n in BAD_NAMES if n.id not in ("empty",)])
def test_update_location_bad_name(fleet, org, name):
    # an empty name means "keep"; every other bad name is refused
    loc = fleet.new_location(org.id)
    with invalid("name"):
        fleet.call("UpdateLocation", location_id=loc.id, name=name)
    assert fleet.get_location(loc.id) == loc


def test_update_location_reparent_and_move_to_top(fleet, org):
    a, b = fleet.new_location(org.id), fleet.new_location(org.id)
    loc = fleet.new_location(org.id, parent=a.id)
    moved = fleet.call("UpdateLocation", location_id=loc.id, parent_location_id=b.id).location
    assert moved.parent_location_id == b.id
    kept = fleet.call("UpdateLocation", location_id=loc.id, name="renamed").location
    assert kept.parent_location_id == b.id and kept.name == "renamed"
    top = fleet.call("UpdateLocation", location_id=loc.id, parent_location_id="").location
    assert top.parent_location_id == ""
    assert fleet.get_location(loc.id).parent_location_id == ""
    # top-level location under another top-level one
    under = fleet.call("UpdateLocation", location_id=b.id, parent_location_id=a.id).location
    assert under.parent_location_id == a.id


def test_moving_to_the_top_level_needs_the_organization(fleet, org):
    """As moving under a parent needs ownership of that parent, moving to the top level needs ownership
    of the organization: an owner of just the location can't pull it out from under its parent."""
    parent = fleet.new_location(org.id)
    loc = fleet.new_location(org.id, parent=parent.id)
    top = fleet.new_location(org.id)
    owner = new_key(fleet, [role(org.id, "owner", "location", loc.id), role(org.id, "owner", "location", top.id)])
    parent_operator = new_key(fleet, [role(org.id, "operator", "location", parent.id)])
    with denied():
        owner.fleet.call("UpdateLocation", location_id=loc.id, parent_location_id="")
    assert fleet.get_location(loc.id).parent_location_id == parent.id
    assert parent_operator.fleet.get_location(loc.id).id == loc.id
    # the rest of the location is still its owner's to change; a top-level location stays where it is
    assert owner.fleet.call("UpdateLocation", location_id=loc.id, name="renamed").location.name == "renamed"
    assert owner.fleet.call("UpdateLocation", location_id=top.id, parent_location_id="", name="kept").location.parent_location_id == ""
    assert fleet.call("UpdateLocation", location_id=loc.id, parent_location_id="").location.parent_location_id == ""


def test_update_location_cycles_refused(fleet, org):
    root = fleet.new_location(org.id)
    child = fleet.new_location(org.id, parent=root.id)
    grandchild = fleet.new_location(org.id, parent=child.id)
    before = fleet.locations(org.id)
    for target in (root.id, child.id, grandchild.id):
        with invalid("parent_location_id"):
            fleet.call("UpdateLocation", location_id=root.id, parent_location_id=target, name="Not Applied")
    with invalid("parent_location_id"):
        fleet.call("UpdateLocation", location_id=child.id, parent_location_id=child.id)
    with invalid("parent_location_id"):
        fleet.call("UpdateLocation", location_id=child.id, parent_location_id=grandchild.id)
    assert fleet.locations(org.id) == before


def test_nesting_is_limited_to_the_depth_access_checks_reach(fleet, org):
    """Past 100 levels an owner of the top location lost access to the deeper ones: creating or
    moving a location that deep is refused instead."""
    top = fleet.new_location(org.id)
    key = new_key(fleet, [role(org.id, "owner", "location", top.id)])
    levels = [top.id]
    while len(levels) < 100:
        levels.append(fleet.new_location(org.id, parent=levels[-1]).id)
    assert key.fleet.get_location(levels[-1]).id == levels[-1]
    with invalid("parent_location_id") as too_deep:
        fleet.call("CreateLocation", organization_id=org.id, name="Too Deep", parent_location_id=levels[-1])
    assert "100" in too_deep.message
    # a two-level subtree fits under level 98, not under level 99
    subtree = fleet.new_location(org.id)
    fleet.new_location(org.id, parent=subtree.id)
    with invalid("parent_location_id"):
        fleet.call("UpdateLocation", location_id=subtree.id, parent_location_id=levels[98])
    fleet.call("UpdateLocation", location_id=subtree.id, parent_location_id=levels[97])
    assert len(fleet.locations(org.id)) == 102


def test_update_location_parent_in_other_org_or_unknown(fleet, org):
    loc = fleet.new_location(org.id)
    other_loc = fleet.new_location(fleet.new_org().id)
    with invalid("parent_location_id"):  # the caller sees it: it is in another organization
        fleet.call("UpdateLocation", location_id=loc.id, parent_location_id=other_loc.id, name="Not Applied")
    with denied():  # unknown: the same answer as for a location the caller can't see
        fleet.call("UpdateLocation", location_id=loc.id, parent_location_id=UNKNOWN_LOCATION, name="Not Applied")
    assert fleet.get_location(loc.id) == loc


def test_update_location_region(fleet, org):
    loc = fleet.new_location(org.id)
    updated = fleet.call("UpdateLocation", location_id=loc.id, region="eu-central-1").location
    assert updated.config.region == "eu-central-1"
    assert updated.name == loc.name and updated.parent_location_id == loc.parent_location_id
    assert fleet.get_location(loc.id).config.region == "eu-central-1"


@pytest.mark.parametrize("region", ["", "EU", "eu_west", "r" * 41])
def test_update_location_bad_region(fleet, org, region):
    loc = fleet.new_location(org.id)
    with invalid("region"):
        fleet.call("UpdateLocation", location_id=loc.id, region=region, name="Not Applied")
    assert fleet.get_location(loc.id) == loc


def test_update_location_id_errors(fleet):
    with invalid("location_id"):
        fleet.call("UpdateLocation", location_id="", name="x")
    with denied():
        fleet.call("UpdateLocation", location_id=UNKNOWN_LOCATION, name="x")


def test_update_location_keeps_robot_count(fleet, org):
    loc = fleet.new_location(org.id)
    fleet.new_robot(loc.id)
    assert fleet.call("UpdateLocation", location_id=loc.id, name="n").location.robot_count == 1


# --------------------------------------------------------------------------- DeleteLocation


def test_delete_location(fleet, org):
    keep, doomed = fleet.new_location(org.id), fleet.new_location(org.id)
    fleet.call("DeleteLocation", location_id=doomed.id)
    assert _ids(fleet.locations(org.id)) == [keep.id]
    with denied():
        fleet.get_location(doomed.id)
    with denied():
        fleet.call("DeleteLocation", location_id=doomed.id)


def test_deleting_a_location_drops_it_from_pending_invites(fleet, org):
    """An invite would otherwise hand its user a role on a location that is gone, in the
    location's organization and in one it was shared with."""
    keep, doomed = fleet.new_location(org.id), fleet.new_location(org.id)
    partner = fleet.new_org()
    fleet.call("ShareLocation", location_id=doomed.id, organization_id=partner.id)
    both, only_doomed = unique("both") + "@example.com", unique("only") + "@example.com"
    fleet.call("CreateOrganizationInvite", organization_id=org.id, email=both,
               authorizations=[role(org.id, "owner", "location", doomed.id), role(org.id, "operator", "location", keep.id)])
    fleet.call("CreateOrganizationInvite", organization_id=partner.id, email=only_doomed,
               authorizations=[role(partner.id, "operator", "location", doomed.id)])
    fleet.call("DeleteLocation", location_id=doomed.id)

    invites = fleet.call("ListOrganizationMembers", organization_id=org.id).invites
    assert [(i.email, [a.resource_id for a in i.authorizations]) for i in invites] == [(both.lower(), [keep.id])]
    assert not fleet.call("ListOrganizationMembers", organization_id=partner.id).invites, "its only role was on the location"


def test_delete_location_with_machine_refused(fleet, org):
    loc = fleet.new_location(org.id)
    robot_id = fleet.new_robot(loc.id)
    with rpc_error(FAILED):
        fleet.call("DeleteLocation", location_id=loc.id)
    assert fleet.get_location(loc.id).robot_count == 1
    assert fleet.get_robot(robot_id).location == loc.id
    fleet.call("DeleteRobot", id=robot_id)
    fleet.call("DeleteLocation", location_id=loc.id)
    assert fleet.locations(org.id) == []


def test_delete_location_with_children_refused(fleet, org):
    parent = fleet.new_location(org.id)
    child = fleet.new_location(org.id, parent=parent.id)
    with rpc_error(FAILED):
        fleet.call("DeleteLocation", location_id=parent.id)
    assert sorted(_ids(fleet.locations(org.id))) == sorted([parent.id, child.id])
    fleet.call("DeleteLocation", location_id=child.id)
    fleet.call("DeleteLocation", location_id=parent.id)
    assert fleet.locations(org.id) == []


def test_delete_location_with_child_moved_away(fleet, org):
    parent = fleet.new_location(org.id)
    child = fleet.new_location(org.id, parent=parent.id)
    fleet.call("UpdateLocation", location_id=child.id, parent_location_id="")
    fleet.call("DeleteLocation", location_id=parent.id)
    assert _ids(fleet.locations(org.id)) == [child.id]


def test_delete_location_id_errors(fleet):
    with invalid("location_id"):
        fleet.call("DeleteLocation", location_id="")
    with denied():
        fleet.call("DeleteLocation", location_id=UNKNOWN_LOCATION)


# --------------------------------------------------------------------------- ListLocations


def test_list_locations_all_nested_in_creation_order(fleet, org):
    a = fleet.new_location(org.id, "a")
    a1 = fleet.new_location(org.id, "a1", parent=a.id)
    b = fleet.new_location(org.id, "b")
    a1x = fleet.new_location(org.id, "a1x", parent=a1.id)
    listed = fleet.locations(org.id)
    assert _ids(listed) == [a.id, a1.id, b.id, a1x.id]
    assert {l.id: l.parent_location_id for l in listed} == {a.id: "", a1.id: a.id, b.id: "", a1x.id: a1.id}
    for l in listed:
        assert l == fleet.get_location(l.id)


def test_list_locations_empty_and_scoped(fleet):
    org1, org2 = fleet.new_org(), fleet.new_org()
    assert fleet.locations(org1.id) == []
    loc = fleet.new_location(org2.id)
    assert fleet.locations(org1.id) == []
    assert _ids(fleet.locations(org2.id)) == [loc.id]


def test_list_locations_errors(fleet):
    with invalid("organization_id"):
        fleet.call("ListLocations", organization_id="")
    with denied():
        fleet.call("ListLocations", organization_id=UNKNOWN_ORG)


# --------------------------------------------------------------------------- metadata


def test_location_metadata(fleet, org):
    run_metadata_contract(fleet, LOCATION_METADATA, fleet.new_location(org.id).id)


def test_location_metadata_validation(fleet, org):
    run_metadata_validation(fleet, LOCATION_METADATA, fleet.new_location(org.id).id)


def test_location_metadata_id_errors(fleet):
    run_metadata_id_errors(fleet, LOCATION_METADATA, UNKNOWN_LOCATION)


def test_location_metadata_independent_of_org_metadata(fleet, org):
    loc = fleet.new_location(org.id)
    LOCATION_METADATA.update(fleet, loc.id, {"l": 1})
    assert ORG_METADATA.get(fleet, org.id) == {}
    assert LOCATION_METADATA.get(fleet, loc.id) == {"l": 1}


def test_location_metadata_gone_with_location(fleet, org):
    loc = fleet.new_location(org.id)
    LOCATION_METADATA.update(fleet, loc.id, {"x": 1})
    fleet.call("DeleteLocation", location_id=loc.id)
    with denied():
        LOCATION_METADATA.get(fleet, loc.id)
