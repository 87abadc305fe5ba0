"""API keys: CreateKey, ListKeys, DeleteKey, RotateKey, RenameKey, CreateKeyFromExistingKeyAuthorizations, GetRobotAPIKeys."""

from __future__ import annotations

import grpc
import pytest

from conftest import (
    UNKNOWN_LOCATION,
    UNKNOWN_ORG,
    UNKNOWN_ROBOT,
    UUID_RE,
    authenticate,
    bearer,
    denied,
    invalid,
    new_key,
    role,
    rpc_error,
    unique,
)
from generated.viam.app.v1 import app_pb2

UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
FAILED = grpc.StatusCode.FAILED_PRECONDITION
UNKNOWN_KEY = "00000000-0000-4000-8000-0000000000aa"


def _keys(fleet, org_id) -> dict[str, app_pb2.APIKeyWithAuthorizations]:
    return {k.api_key.id: k for k in fleet.call("ListKeys", org_id=org_id).api_keys}


def _roles(entry: app_pb2.APIKeyWithAuthorizations) -> set[tuple[str, str, str, str]]:
    return {(a.authorization_id, a.resource_type, a.resource_id, a.org_id) for a in entry.authorizations}


def _authorizations(fleet, org_id) -> list[tuple[str, str, str, str]]:
    return sorted(
        (a.identity_id, a.authorization_id, a.resource_id, a.organization_id)
        for a in fleet.call("ListAuthorizations", organization_id=org_id).authorizations
    )


# --------------------------------------------------------------------------- CreateKey / ListKeys


def test_create_key_and_list_it(fleet, tree):
    org = tree.org.id
    name = unique("ci key")
    created = fleet.call(
        "CreateKey",
        authorizations=[role(org, "owner", "organization", org, identity_type="api-key"), role(org, "operator", "robot", tree.robot_id)],
        name=name,
    )
    assert UUID_RE.match(created.id)
    assert len(created.key) == 37 and created.key.isalnum()
    keys = _keys(fleet, org)
    assert created.id in keys
    entry = keys[created.id]
    assert entry.api_key.name == name
    assert entry.api_key.key == "", "ListKeys never returns the secret (only its hash is stored)"
    assert entry.api_key.HasField("created_on") and entry.api_key.created_on.seconds > 0
    assert _roles(entry) == {("organization_owner", "organization", org, org), ("robot_operator", "robot", tree.robot_id, org)}
    assert all(a.authorization_type == "role" for a in entry.authorizations)
    # the key works, as an owner of its organization
    token = authenticate(fleet.channel, created.id, created.key)
    assert fleet.call("GetOrganization", organization_id=org, metadata=bearer(token)).organization.id == org
    fleet.call("UpdateOrganization", organization_id=org, name=unique("renamed"), metadata=bearer(token))
    # its roles are rows of the organization with identity_type "api-key"
    mine = [a for a in fleet.call("ListAuthorizations", organization_id=org).authorizations if a.identity_id == created.id]
    assert {a.identity_type for a in mine} == {"api-key"} and len(mine) == 2


def test_create_key_default_and_trimmed_names(fleet, org):
    unnamed = fleet.call("CreateKey", authorizations=[role(org.id, "owner", "organization", org.id)], name="")
    blank = fleet.call("CreateKey", authorizations=[role(org.id, "owner", "organization", org.id)], name="   ")
    padded = fleet.call("CreateKey", authorizations=[role(org.id, "owner", "organization", org.id)], name="  padded  ")
    keys = _keys(fleet, org.id)
    assert keys[unnamed.id].api_key.name == f"key-{unnamed.id[:8]}"
    assert keys[blank.id].api_key.name == f"key-{blank.id[:8]}"
    assert keys[padded.id].api_key.name == "padded"
    assert len({unnamed.key, blank.key, padded.key}) == 3


def test_list_keys_only_the_organizations_keys(fleet):
    first, second = fleet.new_org(), fleet.new_org()
    a = fleet.call("CreateKey", authorizations=[role(first.id, "owner", "organization", first.id)]).id
    b = fleet.call("CreateKey", authorizations=[role(second.id, "owner", "organization", second.id)]).id
    assert set(_keys(fleet, first.id)) == {a}
    assert set(_keys(fleet, second.id)) == {b}
    assert fleet.boot.api_key_id in _keys(fleet, fleet.boot.organization_id)


def test_list_keys_errors(fleet, tree, foreign):
    with invalid("org_id"):
        fleet.call("ListKeys", org_id="")
    for org_id in (UNKNOWN_ORG, foreign["org_id"]):
        with denied():
            fleet.call("ListKeys", org_id=org_id)
    operator = new_key(fleet, [role(tree.org.id, "operator", "organization", tree.org.id)])
    with denied():
        operator.fleet.call("ListKeys", org_id=tree.org.id)


BAD_AUTHORIZATIONS = [
    pytest.param(dict(authorization_type="group"), id="authorization-type"),
    pytest.param(dict(authorization_id="organization_admin"), id="unknown-role"),
    pytest.param(dict(authorization_id="location_owner"), id="id-prefix-mismatch"),
    pytest.param(dict(authorization_id="owner"), id="id-without-type"),
    pytest.param(dict(authorization_id=""), id="empty-id"),
    pytest.param(dict(resource_type="robot_part", authorization_id="robot_part_owner"), id="part-resource-type"),
    pytest.param(dict(resource_type="", authorization_id="_owner"), id="empty-resource-type"),
    pytest.param(dict(resource_id=""), id="empty-resource-id"),
    pytest.param(dict(organization_id=""), id="empty-organization-id"),
    pytest.param(dict(identity_id="00000000-0000-4000-8000-0000000000bb"), id="identity-id-set"),
    pytest.param(dict(identity_type="user"), id="identity-type-user"),
]


@pytest.mark.parametrize("change", BAD_AUTHORIZATIONS)
def test_create_key_bad_authorization(fleet, org, change):
    before = _keys(fleet, org.id)
    good = role(org.id, "owner", "organization", org.id)
    bad = role(org.id, "owner", "organization", org.id)
    for field_name, value in change.items():
        setattr(bad, field_name, value)
    with invalid("authorizations"):
        fleet.call("CreateKey", authorizations=[good, bad], name=unique("k"))
    assert _keys(fleet, org.id) == before


def test_create_key_invalid_requests(fleet, tree):
    org = tree.org.id
    other = fleet.new_tree()  # also owned by the caller
    before = _keys(fleet, org), _authorizations(fleet, org)
    with invalid("authorizations"):
        fleet.call("CreateKey", authorizations=[], name="nothing")
    # roles in two organizations
    with invalid("authorizations") as error:
        fleet.call("CreateKey", authorizations=[role(org, "owner", "organization", org), role(other.org.id, "owner", "organization", other.org.id)])
    assert "one organization" in error.message
    # a resource of another organization, named under this one
    for bad in (
        role(org, "operator", "location", other.location.id),
        role(org, "operator", "robot", other.robot_id),
        role(org, "operator", "organization", other.org.id),
    ):
        with invalid("authorizations"):
            fleet.call("CreateKey", authorizations=[role(org, "owner", "location", tree.location.id), bad])
    # the same role twice
    with invalid("authorizations"):
        fleet.call("CreateKey", authorizations=[role(org, "owner", "robot", tree.robot_id), role(org, "owner", "robot", tree.robot_id)])
    for name in ("x" * 101, "bad\nname", "bad\x00name"):
        with invalid("name"):
            fleet.call("CreateKey", authorizations=[role(org, "owner", "organization", org)], name=name)
    assert (_keys(fleet, org), _authorizations(fleet, org)) == before
    assert _keys(fleet, other.org.id) == {}


def test_create_key_needs_ownership_of_every_resource(fleet, tree, foreign):
    org = tree.org.id
    with denied():
        fleet.call("CreateKey", authorizations=[role(org, "owner", "location", UNKNOWN_LOCATION)])
    with denied():
        fleet.call("CreateKey", authorizations=[role(UNKNOWN_ORG, "owner", "organization", UNKNOWN_ORG)])
    with denied():
        fleet.call("CreateKey", authorizations=[role(foreign["org_id"], "owner", "location", foreign["location_id"])])
    operator = new_key(fleet, [role(org, "operator", "organization", org)])
    with denied():
        operator.fleet.call("CreateKey", authorizations=[role(org, "operator", "robot", tree.robot_id)])
    # a location owner may create keys for its location, not above it
    location_owner = new_key(fleet, [role(org, "owner", "location", tree.location.id)])
    location_owner.fleet.call("CreateKey", authorizations=[role(org, "operator", "robot", tree.robot_id)])
    with denied():
        location_owner.fleet.call("CreateKey", authorizations=[role(org, "operator", "organization", org)])


def test_location_operator_key_reads_only_its_location(fleet, tree):
    org = tree.org.id
    sub = fleet.new_location(org, parent=tree.location.id)
    sub_robot = fleet.new_robot(sub.id)
    elsewhere = fleet.new_location(org)
    other_robot = fleet.new_robot(elsewhere.id)
    operator = new_key(fleet, [role(org, "operator", "location", tree.location.id)]).fleet
    # reads: the location, its sub-locations and their machines and parts
    assert operator.get_location(tree.location.id).id == tree.location.id
    assert operator.get_location(sub.id).id == sub.id
    assert {r.id for r in operator.robots(tree.location.id)} == {tree.robot_id}
    assert operator.get_robot(sub_robot).id == sub_robot
    assert operator.parts(tree.robot_id)
    # no writes
    with denied():
        operator.call("UpdateLocation", location_id=tree.location.id, name="nope")
    with denied():
        operator.call("NewRobot", name=unique("r"), location=tree.location.id)
    with denied():
        operator.call("DeleteRobot", id=tree.robot_id)
    with denied():
        operator.call("CreateLocation", organization_id=org, name="nope")
    # nothing outside the location
    with denied():
        operator.get_location(elsewhere.id)
    with denied():
        operator.get_robot(other_robot)
    with denied():
        operator.call("GetOrganization", organization_id=org)
    with denied():
        operator.call("ListLocations", organization_id=org)
    assert fleet.get_location(tree.location.id).name == tree.location.name


# --------------------------------------------------------------------------- RotateKey


def test_rotate_key(fleet, channel, org):
    key = new_key(fleet, [role(org.id, "owner", "organization", org.id)], name="rotating")
    rotated = fleet.call("RotateKey", id=key.id)
    assert rotated.id == key.id
    assert rotated.key and rotated.key != key.key and len(rotated.key) == 37
    with rpc_error(UNAUTHENTICATED):
        authenticate(channel, key.id, key.key)
    token = authenticate(channel, key.id, rotated.key)
    assert fleet.call("GetOrganization", organization_id=org.id, metadata=bearer(token)).organization.id == org.id
    # a token issued for the old secret stops at once (tokens are bound to the secret they were issued for)
    with rpc_error(UNAUTHENTICATED):
        key.fleet.get_org(org.id)
    # name, roles and listing unchanged
    entry = _keys(fleet, org.id)[key.id]
    assert entry.api_key.name == "rotating" and _roles(entry) == {("organization_owner", "organization", org.id, org.id)}
    # the rotated key can rotate itself
    again = fleet.call("RotateKey", id=key.id, metadata=bearer(token))
    with rpc_error(UNAUTHENTICATED):
        authenticate(channel, key.id, rotated.key)
    authenticate(channel, key.id, again.key)


def test_rotate_and_copy_need_ownership_of_the_keys_roles(fleet, org):
    # `creator` (a key of org) creates another organization, so it also owns that one
    creator = new_key(fleet, [role(org.id, "owner", "organization", org.id)])
    elsewhere = creator.fleet.new_org()
    owner_of_org_only = new_key(fleet, [role(org.id, "owner", "organization", org.id)])
    # owning creator's organization is not enough to obtain a secret with its roles
    with denied():
        owner_of_org_only.fleet.call("RotateKey", id=creator.id)
    with denied():
        owner_of_org_only.fleet.call("CreateKeyFromExistingKeyAuthorizations", id=creator.id)
    authenticate(fleet.channel, creator.id, creator.key)  # not rotated
    assert elsewhere.id not in owner_of_org_only.fleet.org_ids()
    # renaming is fine
    owner_of_org_only.fleet.call("RenameKey", id=creator.id, name="renamed")


# --------------------------------------------------------------------------- DeleteKey


def test_delete_key(fleet, channel, tree):
    org = tree.org.id
    key = new_key(fleet, [role(org, "operator", "location", tree.location.id), role(org, "owner", "robot", tree.robot_id)])
    assert key.fleet.get_location(tree.location.id).id == tree.location.id
    fleet.call("DeleteKey", id=key.id)
    with rpc_error(UNAUTHENTICATED):
        key.fleet.get_location(tree.location.id)
    with rpc_error(UNAUTHENTICATED):
        authenticate(channel, key.id, key.key)
    assert key.id not in _keys(fleet, org)
    assert all(a.identity_id != key.id for a in fleet.call("ListAuthorizations", organization_id=org).authorizations)
    with denied():
        fleet.call("DeleteKey", id=key.id)


def test_delete_own_key_locks_the_caller_out(fleet, org):
    key = new_key(fleet, [role(org.id, "owner", "organization", org.id)])
    key.fleet.call("DeleteKey", id=key.id)
    with rpc_error(UNAUTHENTICATED):
        key.fleet.org_ids()


def test_delete_key_never_removes_an_organizations_last_owner(fleet, org):
    sole = new_key(fleet, [role(org.id, "owner", "organization", org.id)])
    # the bootstrap key created the organization; drop its owner role so `sole` is the last owner
    sole.fleet.call("RemoveRole", authorization=role(org.id, "owner", "organization", org.id, identity_id=fleet.boot.api_key_id))
    with rpc_error(FAILED) as error:
        sole.fleet.call("DeleteKey", id=sole.id)
    assert "organization must keep at least one owner" in error.message
    assert sole.fleet.get_org(org.id).id == org.id  # still works, roles intact
    assert _roles(_keys(sole.fleet, org.id)[sole.id]) == {("organization_owner", "organization", org.id, org.id)}
    # with a second owner, it can go
    second = new_key(sole.fleet, [role(org.id, "owner", "organization", org.id)])
    sole.fleet.call("DeleteKey", id=sole.id)
    assert set(_keys(second.fleet, org.id)) == {second.id}


def test_only_a_key_that_owns_its_organization_creates_organizations(fleet, tree):
    """A key scoped lower would own the new organization, beyond its own owners' reach."""
    org = tree.org.id
    for scope in (role(org, "owner", "robot", tree.robot_id), role(org, "owner", "location", tree.location.id),
                  role(org, "operator", "organization", org)):
        key = new_key(fleet, [scope])
        with denied():
            key.fleet.new_org()
    assert new_key(fleet, [role(org, "owner", "organization", org)]).fleet.new_org().name


def test_a_key_that_created_an_organization_can_still_be_deleted(fleet, channel, org):
    """Revoking a key always works for its organization's owners, even if it alone owns an
    organization it created (that organization is left without an owner)."""
    key = new_key(fleet, [role(org.id, "owner", "organization", org.id)])
    created = key.fleet.new_org()
    fleet.call("DeleteKey", id=key.id)
    with rpc_error(UNAUTHENTICATED):
        authenticate(channel, key.id, key.key)
    with denied():
        fleet.get_org(created.id)


# --------------------------------------------------------------------------- RenameKey


def test_rename_key(fleet, org):
    key = new_key(fleet, [role(org.id, "owner", "organization", org.id)], name="before")
    renamed = fleet.call("RenameKey", id=key.id, name="  after  ")
    assert (renamed.id, renamed.name) == (key.id, "after")
    assert _keys(fleet, org.id)[key.id].api_key.name == "after"
    for bad in ("", "   ", "x" * 101, "tab\there"):
        with invalid("name"):
            fleet.call("RenameKey", id=key.id, name=bad)
    assert _keys(fleet, org.id)[key.id].api_key.name == "after"
    authenticate(fleet.channel, key.id, key.key)  # renaming leaves the secret alone


# --------------------------------------------------------------------------- CreateKeyFromExistingKeyAuthorizations


def test_create_key_from_existing_key_authorizations(fleet, channel, tree):
    org = tree.org.id
    original = new_key(fleet, [role(org, "operator", "location", tree.location.id), role(org, "owner", "robot", tree.robot_id)], name="orig")
    copied = fleet.call("CreateKeyFromExistingKeyAuthorizations", id=original.id)
    assert UUID_RE.match(copied.id) and copied.id != original.id
    assert copied.key and copied.key != original.key
    keys = _keys(fleet, org)
    assert _roles(keys[copied.id]) == _roles(keys[original.id])
    assert keys[copied.id].api_key.name == f"key-{copied.id[:8]}"
    token = authenticate(channel, copied.id, copied.key)
    assert fleet.call("GetRobot", id=tree.robot_id, metadata=bearer(token)).robot.id == tree.robot_id
    with denied():
        fleet.call("UpdateLocation", location_id=tree.location.id, name="x", metadata=bearer(token))
    # independent: deleting the original leaves the copy working
    fleet.call("DeleteKey", id=original.id)
    assert fleet.call("GetRobot", id=tree.robot_id, metadata=bearer(token)).robot.id == tree.robot_id


# --------------------------------------------------------------------------- unknown / foreign key ids


@pytest.mark.parametrize(
    "method, extra",
    [
        ("DeleteKey", {}),
        ("RotateKey", {}),
        ("RenameKey", {"name": "x"}),
        ("CreateKeyFromExistingKeyAuthorizations", {}),
    ],
)
def test_key_id_errors(fleet, org, foreign, method, extra):
    with invalid("id"):
        fleet.call(method, id="", **extra)
    for key_id in (UNKNOWN_KEY, foreign["api_key_id"], "not-a-uuid"):
        with denied():
            fleet.call(method, id=key_id, **extra)
    # a key of an organization the caller only operates
    key = new_key(fleet, [role(org.id, "owner", "organization", org.id)])
    operator = new_key(fleet, [role(org.id, "operator", "organization", org.id)])
    with denied():
        operator.fleet.call(method, id=key.id, **extra)
    # a key of an organization the caller has nothing to do with
    other_org = fleet.new_org()
    outsider = new_key(fleet, [role(other_org.id, "owner", "organization", other_org.id)])
    with denied():
        outsider.fleet.call(method, id=key.id, **extra)
    # nothing changed
    authenticate(fleet.channel, key.id, key.key)
    assert key.id in _keys(fleet, org.id)


# --------------------------------------------------------------------------- GetRobotAPIKeys


def test_get_robot_api_keys(fleet, tree):
    org = tree.org.id
    sub = fleet.new_location(org, parent=tree.location.id)
    robot = fleet.new_robot(sub.id)
    elsewhere = fleet.new_location(org)
    on_robot = new_key(fleet, [role(org, "operator", "robot", robot)]).id
    on_parent_location = new_key(fleet, [role(org, "owner", "location", tree.location.id), role(org, "operator", "location", elsewhere.id)]).id
    on_org = new_key(fleet, [role(org, "operator", "organization", org)]).id
    on_other_robot = new_key(fleet, [role(org, "owner", "robot", tree.robot_id)]).id
    on_elsewhere = new_key(fleet, [role(org, "owner", "location", elsewhere.id)]).id
    found = {k.api_key.id: k for k in fleet.call("GetRobotAPIKeys", robot_id=robot).api_keys}
    assert {on_robot, on_parent_location, on_org} <= set(found)
    assert on_other_robot not in found and on_elsewhere not in found
    assert fleet.boot.api_key_id in found  # the bootstrap key created the organization: it owns it
    assert all(k.api_key.key == "" for k in found.values())
    # only the roles that reach the machine
    assert _roles(found[on_robot]) == {("robot_operator", "robot", robot, org)}
    assert _roles(found[on_parent_location]) == {("location_owner", "location", tree.location.id, org)}
    assert _roles(found[on_org]) == {("organization_operator", "organization", org, org)}
    assert found[on_robot].api_key.name.startswith("key-") and found[on_robot].api_key.HasField("created_on")


def test_get_robot_api_keys_errors(fleet, tree, foreign):
    with invalid("robot_id"):
        fleet.call("GetRobotAPIKeys", robot_id="")
    for robot_id in (UNKNOWN_ROBOT, foreign["robot_id"]):
        with denied():
            fleet.call("GetRobotAPIKeys", robot_id=robot_id)
    operator = new_key(fleet, [role(tree.org.id, "operator", "organization", tree.org.id)])
    with denied():
        operator.fleet.call("GetRobotAPIKeys", robot_id=tree.robot_id)
    robot_owner = new_key(fleet, [role(tree.org.id, "owner", "robot", tree.robot_id)])
    assert robot_owner.id in {k.api_key.id for k in robot_owner.fleet.call("GetRobotAPIKeys", robot_id=tree.robot_id).api_keys}


# --------------------------------------------------------------------------- shared locations


def test_key_of_a_sharing_organization_on_a_shared_location(fleet, tree):
    partner = fleet.new_org()
    with invalid("authorizations"):  # not shared yet: the location is not in the partner organization
        fleet.call("CreateKey", authorizations=[role(partner.id, "operator", "location", tree.location.id)])
    fleet.call("ShareLocation", location_id=tree.location.id, organization_id=partner.id)
    key = new_key(fleet, [role(partner.id, "operator", "location", tree.location.id)])
    assert set(_keys(fleet, partner.id)) == {key.id}
    assert key.id not in _keys(fleet, tree.org.id)
    assert key.fleet.get_robot(tree.robot_id).id == tree.robot_id
    assert key.id in {k.api_key.id for k in fleet.call("GetRobotAPIKeys", robot_id=tree.robot_id).api_keys}
