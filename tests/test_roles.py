"""Roles: AddRole, RemoveRole, ChangeRole, ListAuthorizations, CheckPermissions."""

from __future__ import annotations

import grpc
import pytest

from conftest import (
    UNKNOWN_LOCATION,
    UNKNOWN_ORG,
    UNKNOWN_ROBOT,
    add_user,
    authenticate_user,
    bearer,
    denied,
    invalid,
    new_key,
    role,
    rpc_error,
)
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2

FAILED = grpc.StatusCode.FAILED_PRECONDITION
NOT_FOUND = grpc.StatusCode.NOT_FOUND
ALREADY_EXISTS = grpc.StatusCode.ALREADY_EXISTS
UNKNOWN_IDENTITY = "00000000-0000-4000-8000-0000000000cc"

OPERATOR_PERMISSIONS = [
    "read_organization", "read_location", "read_robot", "read_robot_logs", "read_robot_config", "control_robot",
]
OWNER_ONLY_PERMISSIONS = [
    "update_organization", "update_location", "update_robot", "update_robot_config", "delete_organization",
    "delete_location", "delete_robot", "manage_keys", "manage_roles", "manage_members",
]
ALL_PERMISSIONS = OPERATOR_PERMISSIONS + OWNER_ONLY_PERMISSIONS


def _rows(fleet, org_id, *resource_ids) -> set[tuple[str, str, str, str]]:
    response = fleet.call("ListAuthorizations", organization_id=org_id, resource_ids=list(resource_ids))
    return {(a.identity_id, a.identity_type, a.authorization_id, a.resource_id) for a in response.authorizations}


def _bare_key(fleet, org_id):
    """A key of the organization holding a robot-less, harmless role: an operator on a fresh location."""
    location = fleet.new_location(org_id)
    return new_key(fleet, [role(org_id, "operator", "location", location.id)]), location


# --------------------------------------------------------------------------- AddRole


def test_add_role_to_an_api_key(fleet, tree):
    org = tree.org.id
    key, _ = _bare_key(fleet, org)
    with denied():
        key.fleet.get_location(tree.location.id)
    fleet.call("AddRole", authorization=role(org, "operator", "location", tree.location.id, identity_id=key.id))
    assert key.fleet.get_location(tree.location.id).id == tree.location.id  # at once, same token
    with denied():
        key.fleet.call("UpdateLocation", location_id=tree.location.id, name="x")
    assert (key.id, "api-key", "location_operator", tree.location.id) in _rows(fleet, org)
    # the identity type may be given explicitly too
    fleet.call("AddRole", authorization=role(org, "owner", "robot", tree.robot_id, identity_id=key.id, identity_type="api-key"))
    key.fleet.call("UpdateRobot", id=tree.robot_id, name="renamed", location=tree.location.id)


def test_add_role_to_a_user(fleet, server, channel, tree):
    org = tree.org.id
    user = add_user(server)
    md = authenticate_user(channel, user.email, user.password)
    with denied():
        fleet.call("GetRobot", id=tree.robot_id, metadata=md)
    fleet.call("AddRole", authorization=role(org, "operator", "robot", tree.robot_id, identity_id=user.id))
    assert fleet.call("GetRobot", id=tree.robot_id, metadata=md).robot.id == tree.robot_id
    assert (user.id, "user", "robot_operator", tree.robot_id) in _rows(fleet, org)
    with rpc_error(ALREADY_EXISTS):
        fleet.call("AddRole", authorization=role(org, "operator", "robot", tree.robot_id, identity_id=user.id, identity_type="user"))


def test_add_role_duplicate(fleet, org):
    key, location = _bare_key(fleet, org.id)
    before = _rows(fleet, org.id)
    with rpc_error(ALREADY_EXISTS):
        fleet.call("AddRole", authorization=role(org.id, "operator", "location", location.id, identity_id=key.id))
    assert _rows(fleet, org.id) == before


BAD_SHAPES = [
    pytest.param(dict(authorization_type="group"), id="authorization-type"),
    pytest.param(dict(authorization_id="location_admin"), id="unknown-role"),
    pytest.param(dict(authorization_id="robot_owner"), id="id-prefix-mismatch"),
    pytest.param(dict(authorization_id=""), id="empty-id"),
    pytest.param(dict(resource_type="part", authorization_id="part_owner"), id="unknown-resource-type"),
    pytest.param(dict(resource_id=""), id="empty-resource-id"),
    pytest.param(dict(organization_id=""), id="empty-organization-id"),
    pytest.param(dict(identity_id=""), id="empty-identity-id"),
    pytest.param(dict(identity_type="robot"), id="unknown-identity-type"),
]


@pytest.mark.parametrize("change", BAD_SHAPES)
def test_role_rpcs_reject_malformed_authorizations(fleet, org, change):
    key, location = _bare_key(fleet, org.id)
    before = _rows(fleet, org.id)
    for method, field in (("AddRole", "authorization"), ("RemoveRole", "authorization")):
        bad = role(org.id, "owner", "location", location.id, identity_id=key.id)
        for name, value in change.items():
            setattr(bad, name, value)
        with invalid(field):
            fleet.call(method, authorization=bad)
    good_old = role(org.id, "operator", "location", location.id, identity_id=key.id)
    bad = role(org.id, "owner", "location", location.id, identity_id=key.id)
    for name, value in change.items():
        setattr(bad, name, value)
    if change != {"identity_id": ""}:  # ChangeRole takes the identity from old_authorization
        with invalid("new_authorization"):
            fleet.call("ChangeRole", old_authorization=good_old, new_authorization=bad)
    with invalid("old_authorization"):
        fleet.call("ChangeRole", old_authorization=bad, new_authorization=good_old)
    assert _rows(fleet, org.id) == before


def test_add_role_missing_authorization(fleet):
    with invalid("authorization"):
        fleet.call("AddRole")


def test_add_role_unknown_or_foreign_identity(fleet, server, org, foreign):
    location = fleet.new_location(org.id)
    other_org = fleet.new_org()
    key_of_other_org, _ = _bare_key(fleet, other_org.id)
    user = add_user(server)
    before = _rows(fleet, org.id)
    for identity_id, identity_type in (
        (UNKNOWN_IDENTITY, ""),
        (key_of_other_org.id, ""),  # API keys hold roles only in their own organization
        (key_of_other_org.id, "api-key"),
        (foreign["api_key_id"], ""),
        (user.id, "api-key"),  # wrong type
    ):
        with invalid("authorization"):
            fleet.call("AddRole", authorization=role(org.id, "operator", "location", location.id, identity_id, identity_type))
    assert _rows(fleet, org.id) == before


def test_add_role_resource_of_another_organization(fleet, tree):
    org = tree.org.id
    other = fleet.new_tree()  # the caller owns both organizations
    key, _ = _bare_key(fleet, org)
    before = _rows(fleet, org), _rows(fleet, other.org.id)
    for bad in (
        role(org, "operator", "location", other.location.id, identity_id=key.id),
        role(org, "operator", "robot", other.robot_id, identity_id=key.id),
        role(org, "owner", "organization", other.org.id, identity_id=key.id),
    ):
        with invalid("authorization"):
            fleet.call("AddRole", authorization=bad)
    assert (_rows(fleet, org), _rows(fleet, other.org.id)) == before


def test_add_role_needs_ownership_of_the_resource(fleet, tree, foreign):
    org = tree.org.id
    key, _ = _bare_key(fleet, org)
    for resource_type, resource_id in (("location", UNKNOWN_LOCATION), ("robot", UNKNOWN_ROBOT), ("organization", UNKNOWN_ORG),
                                       ("location", foreign["location_id"])):
        with denied():
            fleet.call("AddRole", authorization=role(org, "operator", resource_type, resource_id, identity_id=key.id))
    operator = new_key(fleet, [role(org, "operator", "organization", org)])
    with denied():
        operator.fleet.call("AddRole", authorization=role(org, "operator", "robot", tree.robot_id, identity_id=key.id))
    # an operator can't make itself an owner
    with denied():
        operator.fleet.call("AddRole", authorization=role(org, "owner", "organization", org, identity_id=operator.id))
    # a location owner may grant roles inside its location only
    location_owner = new_key(fleet, [role(org, "owner", "location", tree.location.id)])
    location_owner.fleet.call("AddRole", authorization=role(org, "operator", "robot", tree.robot_id, identity_id=key.id))
    with denied():
        location_owner.fleet.call("AddRole", authorization=role(org, "operator", "organization", org, identity_id=key.id))


def test_machine_tokens_cannot_manage_roles(fleet, channel, tree):
    part = fleet.main_part(tree.robot_id)
    token = auth_pb2_grpc.AuthServiceStub(channel).Authenticate(
        auth_pb2.AuthenticateRequest(entity=part.id, credentials=auth_pb2.Credentials(type="robot-secret", payload=part.secret))
    ).access_token
    with denied():
        fleet.call("CheckPermissions", metadata=bearer(token),
                   permissions=[app_pb2.AuthorizedPermissions(resource_type="robot", resource_id=tree.robot_id, permissions=["read_robot"])])
    with denied():
        fleet.call("AddRole", metadata=bearer(token), authorization=role(tree.org.id, "owner", "robot", tree.robot_id, identity_id=part.id))


# --------------------------------------------------------------------------- RemoveRole


def test_remove_role(fleet, tree):
    org = tree.org.id
    key = new_key(fleet, [role(org, "operator", "location", tree.location.id), role(org, "operator", "robot", tree.robot_id)])
    fleet.call("RemoveRole", authorization=role(org, "operator", "location", tree.location.id, identity_id=key.id))
    with denied():
        key.fleet.get_location(tree.location.id)
    assert key.fleet.get_robot(tree.robot_id).id == tree.robot_id  # its other role remains
    assert {r for r in _rows(fleet, org) if r[0] == key.id} == {(key.id, "api-key", "robot_operator", tree.robot_id)}
    with rpc_error(NOT_FOUND):
        fleet.call("RemoveRole", authorization=role(org, "operator", "location", tree.location.id, identity_id=key.id))


def test_remove_role_must_match_exactly(fleet, tree):
    org = tree.org.id
    key = new_key(fleet, [role(org, "operator", "robot", tree.robot_id)])
    other_org = fleet.new_org()
    before = _rows(fleet, org)
    for bad in (
        role(org, "owner", "robot", tree.robot_id, identity_id=key.id),  # other role
        role(org, "operator", "robot", tree.robot_id, identity_id=UNKNOWN_IDENTITY),  # other identity
        role(org, "operator", "robot", tree.robot_id, identity_id=key.id, identity_type="user"),  # other type
        role(org, "operator", "location", tree.location.id, identity_id=key.id),  # other resource
        role(other_org.id, "operator", "robot", tree.robot_id, identity_id=key.id),  # other organization
    ):
        with rpc_error(NOT_FOUND):
            fleet.call("RemoveRole", authorization=bad)
    assert _rows(fleet, org) == before
    with denied():
        fleet.call("RemoveRole", authorization=role(org, "operator", "robot", UNKNOWN_ROBOT, identity_id=key.id))
    operator = new_key(fleet, [role(org, "operator", "organization", org)])
    with denied():
        operator.fleet.call("RemoveRole", authorization=role(org, "operator", "robot", tree.robot_id, identity_id=key.id))
    assert _rows(fleet, org) == before | {(operator.id, "api-key", "organization_operator", org)}


def test_remove_last_owner_refused(fleet, server, channel, org):
    user = add_user(server, owner_of=org.id)
    user_md = authenticate_user(channel, user.email, user.password)
    boot_owner = role(org.id, "owner", "organization", org.id, identity_id=fleet.boot.api_key_id)
    user_owner = role(org.id, "owner", "organization", org.id, identity_id=user.id)
    fleet.call("RemoveRole", authorization=boot_owner)  # two owners: fine
    with rpc_error(FAILED) as error:
        fleet.call("RemoveRole", authorization=user_owner, metadata=user_md)
    assert "organization must keep at least one owner" in error.message
    assert fleet.call("GetOrganization", organization_id=org.id, metadata=user_md).organization.id == org.id
    # a location owner role does not count as an organization owner
    location = fleet.call("CreateLocation", organization_id=org.id, name="loc", metadata=user_md).location
    fleet.call("AddRole", metadata=user_md, authorization=role(org.id, "owner", "location", location.id, identity_id=user.id))
    with rpc_error(FAILED):
        fleet.call("RemoveRole", authorization=user_owner, metadata=user_md)
    # once there is another owner, the user may step down
    fleet.call("CreateKey", metadata=user_md, authorizations=[role(org.id, "owner", "organization", org.id)])
    fleet.call("RemoveRole", authorization=user_owner, metadata=user_md)
    with denied():
        fleet.call("UpdateOrganization", organization_id=org.id, name="x", metadata=user_md)


# --------------------------------------------------------------------------- ChangeRole


def test_change_role(fleet, tree):
    org = tree.org.id
    key = new_key(fleet, [role(org, "operator", "location", tree.location.id)])
    fleet.call(
        "ChangeRole",
        old_authorization=role(org, "operator", "location", tree.location.id, identity_id=key.id),
        new_authorization=role(org, "owner", "location", tree.location.id, identity_id=key.id),
    )
    assert {r for r in _rows(fleet, org) if r[0] == key.id} == {(key.id, "api-key", "location_owner", tree.location.id)}
    key.fleet.call("UpdateLocation", location_id=tree.location.id, name="now-mine")
    # to another resource, with the new identity left empty (taken from the old one)
    fleet.call(
        "ChangeRole",
        old_authorization=role(org, "owner", "location", tree.location.id, identity_id=key.id),
        new_authorization=role(org, "operator", "robot", tree.robot_id),
    )
    assert {r for r in _rows(fleet, org) if r[0] == key.id} == {(key.id, "api-key", "robot_operator", tree.robot_id)}
    with denied():
        key.fleet.get_location(tree.location.id)
    # unchanged is a no-op
    same = role(org, "operator", "robot", tree.robot_id, identity_id=key.id)
    fleet.call("ChangeRole", old_authorization=same, new_authorization=same)
    assert {r for r in _rows(fleet, org) if r[0] == key.id} == {(key.id, "api-key", "robot_operator", tree.robot_id)}


def test_change_role_errors_change_nothing(fleet, tree):
    org = tree.org.id
    other = fleet.new_tree()
    key = new_key(fleet, [role(org, "operator", "location", tree.location.id), role(org, "operator", "robot", tree.robot_id)])
    other_key, _ = _bare_key(fleet, org)
    old = role(org, "operator", "location", tree.location.id, identity_id=key.id)
    before = _rows(fleet, org)
    with invalid("new_authorization"):  # another identity
        fleet.call("ChangeRole", old_authorization=old, new_authorization=role(org, "owner", "location", tree.location.id, identity_id=other_key.id))
    with invalid("new_authorization"):  # another organization
        fleet.call("ChangeRole", old_authorization=old, new_authorization=role(other.org.id, "owner", "location", other.location.id, identity_id=key.id))
    with invalid("new_authorization"):  # a resource of another organization
        fleet.call("ChangeRole", old_authorization=old, new_authorization=role(org, "owner", "location", other.location.id, identity_id=key.id))
    with invalid("new_authorization"):
        fleet.call("ChangeRole", old_authorization=old, new_authorization=role(org, "owner", "location", tree.location.id, identity_id=key.id, identity_type="user"))
    with rpc_error(ALREADY_EXISTS):  # the identity already holds the new role
        fleet.call("ChangeRole", old_authorization=old, new_authorization=role(org, "operator", "robot", tree.robot_id, identity_id=key.id))
    with rpc_error(NOT_FOUND):
        fleet.call("ChangeRole", old_authorization=role(org, "owner", "location", tree.location.id, identity_id=key.id),
                   new_authorization=role(org, "owner", "robot", tree.robot_id, identity_id=key.id))
    with denied():
        fleet.call("ChangeRole", old_authorization=old, new_authorization=role(org, "owner", "location", UNKNOWN_LOCATION, identity_id=key.id))
    operator = new_key(fleet, [role(org, "operator", "organization", org)])
    with denied():
        operator.fleet.call("ChangeRole", old_authorization=old, new_authorization=role(org, "owner", "location", tree.location.id, identity_id=key.id))
    with invalid("old_authorization"):
        fleet.call("ChangeRole", new_authorization=old)
    assert _rows(fleet, org) == before | {(operator.id, "api-key", "organization_operator", org)}


def test_change_role_keeps_the_last_owner(fleet, org):
    sole = new_key(fleet, [role(org.id, "owner", "organization", org.id)])
    sole.fleet.call("RemoveRole", authorization=role(org.id, "owner", "organization", org.id, identity_id=fleet.boot.api_key_id))
    location = sole.fleet.new_location(org.id)
    owner = role(org.id, "owner", "organization", org.id, identity_id=sole.id)
    for new in (role(org.id, "operator", "organization", org.id, identity_id=sole.id),
                role(org.id, "owner", "location", location.id, identity_id=sole.id)):
        with rpc_error(FAILED) as error:
            sole.fleet.call("ChangeRole", old_authorization=owner, new_authorization=new)
        assert "organization must keep at least one owner" in error.message
    assert _rows(sole.fleet, org.id) == {(sole.id, "api-key", "organization_owner", org.id)}
    sole.fleet.call("ChangeRole", old_authorization=owner, new_authorization=owner)  # unchanged: allowed


# --------------------------------------------------------------------------- ListAuthorizations


def test_list_authorizations(fleet, tree):
    org = tree.org.id
    key = new_key(fleet, [role(org, "operator", "location", tree.location.id), role(org, "owner", "robot", tree.robot_id)])
    response = fleet.call("ListAuthorizations", organization_id=org)
    wire = {(a.authorization_type, a.authorization_id, a.resource_type, a.resource_id, a.identity_id, a.identity_type, a.organization_id)
            for a in response.authorizations}
    assert wire == {
        ("role", "organization_owner", "organization", org, fleet.boot.api_key_id, "api-key", org),
        ("role", "location_operator", "location", tree.location.id, key.id, "api-key", org),
        ("role", "robot_owner", "robot", tree.robot_id, key.id, "api-key", org),
    }
    assert _rows(fleet, org, tree.robot_id) == {(key.id, "api-key", "robot_owner", tree.robot_id)}
    assert _rows(fleet, org, tree.robot_id, tree.location.id) == {
        (key.id, "api-key", "robot_owner", tree.robot_id), (key.id, "api-key", "location_operator", tree.location.id)}
    assert _rows(fleet, org, UNKNOWN_ROBOT) == set()
    # readable by operators of the organization, not by a location operator
    operator = new_key(fleet, [role(org, "operator", "organization", org)])
    assert (key.id, "api-key", "robot_owner", tree.robot_id) in _rows(operator.fleet, org)
    with denied():
        key.fleet.call("ListAuthorizations", organization_id=org)


def test_list_authorizations_errors(fleet, org, foreign):
    with invalid("organization_id"):
        fleet.call("ListAuthorizations", organization_id="")
    for org_id in (UNKNOWN_ORG, foreign["org_id"]):
        with denied():
            fleet.call("ListAuthorizations", organization_id=org_id)
    with invalid("resource_ids"):
        fleet.call("ListAuthorizations", organization_id=org.id, resource_ids=[org.id, ""])


# --------------------------------------------------------------------------- CheckPermissions


def _check(fleet, *entries: tuple[str, str, list[str]]) -> list[tuple[str, str, list[str]]]:
    request = [app_pb2.AuthorizedPermissions(resource_type=t, resource_id=i, permissions=p) for t, i, p in entries]
    response = fleet.call("CheckPermissions", permissions=request)
    return [(a.resource_type, a.resource_id, list(a.permissions)) for a in response.authorized_permissions]


def test_check_permissions_owner_and_operator(fleet, tree):
    org = tree.org.id
    assert _check(fleet, ("organization", org, ALL_PERMISSIONS)) == [("organization", org, ALL_PERMISSIONS)]
    operator = new_key(fleet, [role(org, "operator", "location", tree.location.id)]).fleet
    assert _check(
        operator,
        ("location", tree.location.id, ALL_PERMISSIONS),
        ("robot", tree.robot_id, ["control_robot", "delete_robot", "read_robot_logs"]),
        ("organization", org, ["read_organization"]),  # no role on the organization: omitted
    ) == [
        ("location", tree.location.id, OPERATOR_PERMISSIONS),
        ("robot", tree.robot_id, ["control_robot", "read_robot_logs"]),
    ]


def test_check_permissions_drops_unknown_things(fleet, tree, foreign):
    org = tree.org.id
    assert _check(
        fleet,
        ("robot", tree.robot_id, ["fly", "read_robot", "read_robot", "manage_keys", ""]),
        ("robot", UNKNOWN_ROBOT, ["read_robot"]),
        ("location", foreign["location_id"], ["read_location"]),
        ("organization", foreign["org_id"], ALL_PERMISSIONS),
        ("spaceship", org, ["read_organization"]),
        ("organization", "", ["read_organization"]),
        ("organization", org, ["fly"]),
        ("organization", org, []),
    ) == [("robot", tree.robot_id, ["read_robot", "manage_keys"])]
    assert _check(fleet, ("robot", UNKNOWN_ROBOT, ["read_robot"])) == []


def test_check_permissions_empty_request(fleet):
    with invalid("permissions"):
        fleet.call("CheckPermissions", permissions=[])


def test_moving_a_machine_out_of_a_shared_location_drops_the_sharing_organizations_roles_on_it(fleet):
    """A role another organization granted on a machine through a share must not follow the
    machine into a location that organization was never given (as UnshareLocation drops it)."""
    owner, other = fleet.new_org(), fleet.new_org()
    shared, private = fleet.new_location(owner.id), fleet.new_location(owner.id)
    robot_id = fleet.new_robot(shared.id)
    fleet.call("ShareLocation", location_id=shared.id, organization_id=other.id)
    key = new_key(fleet, [role(other.id, "operator", "organization", other.id)])
    fleet.call("AddRole", authorization=role(other.id, "operator", "robot", robot_id, key.id, "api-key"))
    fleet.call("CreateOrganizationInvite", organization_id=other.id, email="robot-only@example.com",
               authorizations=[role(other.id, "operator", "robot", robot_id)])
    name = fleet.get_robot(robot_id).name
    fleet.call("UpdateRobot", id=robot_id, name=name, location=fleet.new_location(owner.id, parent=shared.id).id)
    assert key.fleet.get_robot(robot_id).id == robot_id  # still under the shared location: kept

    fleet.call("UpdateRobot", id=robot_id, name=name, location=private.id)
    with denied():
        key.fleet.get_robot(robot_id)
    assert robot_id not in {resource_id for *_, resource_id in _rows(fleet, other.id)}
    assert not fleet.call("ListOrganizationMembers", organization_id=other.id).invites


def test_the_same_role_granted_by_a_location_s_organization_and_a_sharee_are_two_roles(fleet, server, channel, tree):
    """A user may hold one role on a shared location twice, once from each organization: each is
    added, listed, removed and changed on its own, and an invite adds the sharee's beside the other."""
    loc = tree.location.id
    sharee = fleet.new_org()
    fleet.call("ShareLocation", location_id=loc, organization_id=sharee.id)
    user = add_user(server)
    by_sharee = role(sharee.id, "operator", "location", loc, identity_id=user.id, identity_type="user")
    by_primary = role(tree.org.id, "operator", "location", loc, identity_id=user.id, identity_type="user")
    held = (user.id, "user", "location_operator", loc)
    fleet.call("AddRole", authorization=by_sharee)
    fleet.call("AddRole", authorization=by_primary)
    assert held in _rows(fleet, sharee.id) and held in _rows(fleet, tree.org.id)
    with rpc_error(ALREADY_EXISTS):
        fleet.call("AddRole", authorization=by_primary)

    fleet.call("RemoveRole", authorization=by_primary)
    assert held in _rows(fleet, sharee.id) and held not in _rows(fleet, tree.org.id)
    fleet.call("AddRole", authorization=by_primary)
    fleet.call("RemoveRole", authorization=by_sharee)
    assert held not in _rows(fleet, sharee.id) and held in _rows(fleet, tree.org.id)

    fleet.call("AddRole", authorization=by_sharee)
    fleet.call("ChangeRole", old_authorization=by_sharee, new_authorization=role(sharee.id, "owner", "location", loc))
    assert _rows(fleet, sharee.id, loc) == {(user.id, "user", "location_owner", loc)}
    assert _rows(fleet, tree.org.id, loc) >= {held}

    # an invite from the sharee grants its role though the primary's is held already
    fleet.call("RemoveRole", authorization=role(sharee.id, "owner", "location", loc, identity_id=user.id))
    fleet.call("CreateOrganizationInvite", organization_id=sharee.id, email=user.email,
               authorizations=[role(sharee.id, "operator", "location", loc)])
    authenticate_user(channel, user.email, user.password)
    assert held in _rows(fleet, sharee.id) and held in _rows(fleet, tree.org.id)
    # after the unshare, the primary's role still works
    fleet.call("UnshareLocation", location_id=loc, organization_id=sharee.id)
    assert held not in _rows(fleet, sharee.id)
    assert fleet.call("GetLocation", location_id=loc, metadata=authenticate_user(channel, user.email, user.password)).location.id == loc
