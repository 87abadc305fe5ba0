"""Users, organization members and invites: GetUserIDByEmail, ListOrganizationsByUser,
GetOrganizationsWithAccessToLocation, ListOrganizationMembers, Create/Update/Delete/ResendOrganizationInvite,
DeleteOrganizationMember. Users are created with `user-add` and authenticate with their password."""

from __future__ import annotations

import threading
import uuid

import grpc
import pytest

from conftest import (
    UNKNOWN_LOCATION,
    UNKNOWN_ORG,
    UNKNOWN_ROBOT,
    add_user,
    authenticate_user,
    denied,
    invalid,
    new_user_session,
    rpc_error,
    run_concurrently,
    unique,
    unique_namespace,
)
from generated.viam.app.v1 import app_pb2

NOT_FOUND = grpc.StatusCode.NOT_FOUND
ALREADY_EXISTS = grpc.StatusCode.ALREADY_EXISTS
FAILED = grpc.StatusCode.FAILED_PRECONDITION


def _email(prefix: str = "invitee") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def _auth(resource_type: str, role: str, resource_id: str, org_id: str = "", /, **overrides) -> app_pb2.Authorization:
    fields = dict(
        authorization_type="role",
        authorization_id=f"{resource_type}_{role}",
        resource_type=resource_type,
        resource_id=resource_id,
        identity_id="",
        identity_type="",
        organization_id=org_id,
    )
    fields.update(overrides)
    return app_pb2.Authorization(**fields)


def _grants(invite: app_pb2.OrganizationInvite) -> list[tuple[str, str]]:
    return [(a.authorization_id, a.resource_id) for a in invite.authorizations]


def _invite(fleet, org_id: str, email: str, *auths, md=None, **extra) -> app_pb2.OrganizationInvite:
    return fleet.call(
        "CreateOrganizationInvite", metadata=md, organization_id=org_id, email=email, authorizations=list(auths), **extra
    ).invite


def _members(fleet, org_id: str, md=None) -> app_pb2.ListOrganizationMembersResponse:
    return fleet.call("ListOrganizationMembers", metadata=md, organization_id=org_id)


def _member_ids(fleet, org_id: str, md=None) -> list[str]:
    return [m.user_id for m in _members(fleet, org_id, md).members]


def _invited(fleet, org_id: str, md=None) -> dict[str, list[tuple[str, str]]]:
    return {i.email: _grants(i) for i in _members(fleet, org_id, md).invites}


def _signed_up(server, channel, email: str):
    user = add_user(server, email=email)
    return user, authenticate_user(channel, email)


# --------------------------------------------------------------------------- the invite flow end to end


def test_invite_flow_location_operator(fleet, server, channel, tree):
    other_location = fleet.new_location(tree.org.id)
    email = _email()
    mixed_case = email.upper().replace("@EXAMPLE.COM", "@Example.COM")
    invite = _invite(fleet, tree.org.id, mixed_case, _auth("location", "operator", tree.location.id, tree.org.id))
    assert invite.organization_id == tree.org.id
    assert invite.email == email  # normalized
    assert invite.HasField("created_on") and invite.created_on.seconds > 0
    assert [
        (a.authorization_type, a.authorization_id, a.resource_type, a.resource_id, a.identity_id, a.identity_type, a.organization_id)
        for a in invite.authorizations
    ] == [("role", "location_operator", "location", tree.location.id, "", "user", tree.org.id)]

    listed = _members(fleet, tree.org.id)
    assert listed.organization_id == tree.org.id
    assert list(listed.invites) == [invite]
    assert list(listed.members) == []  # the bootstrap API key is no user

    user, md = _signed_up(server, channel, email)

    # the invite became a role: the location and its machines, nothing else, read only
    assert fleet.call("GetLocation", metadata=md, location_id=tree.location.id).location.id == tree.location.id
    assert fleet.call("GetRobot", metadata=md, id=tree.robot_id).robot.id == tree.robot_id
    with denied():
        fleet.call("GetLocation", metadata=md, location_id=other_location.id)
    with denied():
        fleet.call("UpdateLocation", metadata=md, location_id=tree.location.id, name=unique("renamed"))
    with denied():
        fleet.call("NewRobot", metadata=md, name=unique("robot"), location=tree.location.id)
    with denied():
        fleet.call("CreateLocation", metadata=md, organization_id=tree.org.id, name=unique("loc"))
    with denied():
        fleet.call("GetOrganization", metadata=md, organization_id=tree.org.id)
    assert fleet.get_location(tree.location.id).name == tree.location.name

    listed = _members(fleet, tree.org.id)
    assert list(listed.invites) == []
    assert len(listed.members) == 1
    member = listed.members[0]
    assert member.user_id == user.id
    assert list(member.emails) == [email]
    assert member.HasField("date_added") and member.date_added.seconds >= invite.created_on.seconds
    assert member.HasField("last_login") and member.last_login.seconds >= invite.created_on.seconds

    # the invite is used up: signing in again changes nothing
    md_again = authenticate_user(channel, email)
    assert _member_ids(fleet, tree.org.id) == [user.id]
    assert _invited(fleet, tree.org.id) == {}
    assert fleet.call("GetLocation", metadata=md_again, location_id=tree.location.id).location.id == tree.location.id


def test_invite_without_authorizations_makes_an_owner(fleet, server, channel, org):
    email = _email()
    invite = _invite(fleet, org.id, email)
    assert [
        (a.authorization_id, a.resource_type, a.resource_id, a.organization_id, a.identity_type) for a in invite.authorizations
    ] == [("organization_owner", "organization", org.id, org.id, "user")]
    user, md = _signed_up(server, channel, email)
    location = fleet.call("CreateLocation", metadata=md, organization_id=org.id, name=unique("loc")).location
    assert location.id
    assert org.id in {o.id for o in fleet.call("ListOrganizations", metadata=md).organizations}
    assert _member_ids(fleet, org.id, md) == [user.id]


def test_invite_robot_operator(fleet, server, channel, tree):
    other_robot = fleet.new_robot(tree.location.id)
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("robot", "operator", tree.robot_id))
    _, md = _signed_up(server, channel, email)
    assert fleet.call("GetRobot", metadata=md, id=tree.robot_id).robot.id == tree.robot_id
    with denied():
        fleet.call("GetRobot", metadata=md, id=other_robot)
    with denied():
        fleet.call("GetLocation", metadata=md, location_id=tree.location.id)
    with denied():
        fleet.call("UpdateRobot", metadata=md, id=tree.robot_id, name=unique("r"), location=tree.location.id)


@pytest.mark.parametrize("send_email_invite", [None, True, False], ids=["unset", "true", "false"])
def test_send_email_invite_makes_no_difference(fleet, server, channel, tree, send_email_invite):
    """No email is ever sent: every value stores the invite, granted at the next password login."""
    email = _email()
    extra = {} if send_email_invite is None else {"send_email_invite": send_email_invite}
    invite = _invite(fleet, tree.org.id, email, _auth("location", "owner", tree.location.id), **extra)
    assert _invited(fleet, tree.org.id) == {email: [("location_owner", tree.location.id)]}
    resent = fleet.call("ResendOrganizationInvite", organization_id=tree.org.id, email=email, **extra).invite
    assert resent == invite
    _, md = _signed_up(server, channel, email)
    fleet.call("UpdateLocation", metadata=md, location_id=tree.location.id, name=unique("mine"))


def test_invite_for_an_existing_member_adds_roles_at_next_login(fleet, server, channel, tree):
    second = fleet.new_location(tree.org.id)
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id))
    user, md = _signed_up(server, channel, email)
    with denied():
        fleet.call("GetLocation", metadata=md, location_id=second.id)
    _invite(fleet, tree.org.id, email, _auth("location", "operator", second.id))
    with denied():  # not before the next login
        fleet.call("GetLocation", metadata=md, location_id=second.id)
    md = authenticate_user(channel, email)
    assert fleet.call("GetLocation", metadata=md, location_id=second.id).location.id == second.id
    assert _member_ids(fleet, tree.org.id) == [user.id]
    assert _invited(fleet, tree.org.id) == {}


def test_invite_grants_on_deleted_resources_are_not_granted_at_login(fleet, server, channel, tree):
    """A machine or location deleted after the invite was made: its grant is skipped, not turned
    into a role on nothing (which made the user a member with no access)."""
    doomed_location = fleet.new_location(tree.org.id)
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("robot", "operator", tree.robot_id), _auth("location", "owner", doomed_location.id))
    fleet.call("DeleteRobot", id=tree.robot_id)
    fleet.call("DeleteLocation", location_id=doomed_location.id)
    user, _ = _signed_up(server, channel, email)
    assert _member_ids(fleet, tree.org.id) == []
    assert user.id not in {a.identity_id for a in fleet.call("ListAuthorizations", organization_id=tree.org.id).authorizations}
    assert _invited(fleet, tree.org.id) == {}


def test_invite_to_a_location_shared_with_the_organization(fleet, server, channel, tree):
    guest_org = fleet.new_org()
    unshared = fleet.new_location(tree.org.id)
    fleet.call("ShareLocation", location_id=tree.location.id, organization_id=guest_org.id)
    email = _email()
    with invalid("authorizations"):
        _invite(fleet, guest_org.id, email, _auth("location", "operator", unshared.id))
    with invalid("authorizations"):  # a machine of an unshared location neither
        _invite(fleet, guest_org.id, email, _auth("robot", "operator", fleet.new_robot(unshared.id)))
    invite = _invite(
        fleet, guest_org.id, email, _auth("location", "operator", tree.location.id), _auth("robot", "owner", tree.robot_id)
    )
    assert _grants(invite) == [("location_operator", tree.location.id), ("robot_owner", tree.robot_id)]
    user, md = _signed_up(server, channel, email)
    assert fleet.call("GetLocation", metadata=md, location_id=tree.location.id).location.id == tree.location.id
    with denied():
        fleet.call("GetLocation", metadata=md, location_id=unshared.id)
    # a member of the sharing organization, not of the location's own
    assert _member_ids(fleet, guest_org.id) == [user.id]
    assert _member_ids(fleet, tree.org.id) == []


# --------------------------------------------------------------------------- CreateOrganizationInvite errors


@pytest.mark.parametrize(
    "email", ["", "   ", "no-at-sign", "@example.com", "user@", "user@localhost", "a b@example.com", "x" * 250 + "@example.com",
              "bell\x07@example.com", "zero\u200bwidth@example.com", "rtl\u202e@example.com"]
)
def test_create_invite_bad_email(fleet, org, email):
    with invalid("email"):
        _invite(fleet, org.id, email)
    assert _invited(fleet, org.id) == {}


def test_create_invite_twice_already_exists(fleet, org):
    email = _email()
    first = _invite(fleet, org.id, email)
    with rpc_error(ALREADY_EXISTS):
        _invite(fleet, org.id, email.upper(), _auth("organization", "operator", org.id))
    assert list(_members(fleet, org.id).invites) == [first]
    # the same email may be invited to another organization
    other = fleet.new_org()
    assert _invite(fleet, other.id, email).organization_id == other.id


BAD_AUTHORIZATIONS = {
    "type": dict(authorization_type="permission"),
    "unknown-role": dict(authorization_id="location_admin"),
    "prefix-mismatch": dict(authorization_id="organization_operator"),
    "no-prefix": dict(authorization_id="operator"),
    "empty-id": dict(authorization_id=""),
    "resource-type": dict(resource_type="robot_part", authorization_id="robot_part_operator"),
    "empty-resource-type": dict(resource_type="", authorization_id="_operator"),
    "empty-resource-id": dict(resource_id=""),
    "other-org-field": dict(organization_id=UNKNOWN_ORG),
    "api-key-identity": dict(identity_type="api-key"),
}


@pytest.mark.parametrize("change", list(BAD_AUTHORIZATIONS.values()), ids=list(BAD_AUTHORIZATIONS))
def test_create_invite_bad_authorization(fleet, tree, change):
    email = _email()
    good = _auth("location", "operator", tree.location.id, tree.org.id)
    bad = _auth("location", "operator", tree.location.id, tree.org.id, **change)
    with invalid("authorizations"):
        _invite(fleet, tree.org.id, email, good, bad)
    assert _invited(fleet, tree.org.id) == {}


def test_create_invite_resources_of_another_organization(fleet, server, channel, tree):
    """Like CreateKey and AddRole: resources the caller cannot own are PERMISSION_DENIED (existing or not),
    resources it owns in another organization INVALID_ARGUMENT."""
    other = fleet.new_tree()  # also owned by the caller
    email = _email()
    for bad in (
        _auth("organization", "owner", other.org.id),
        _auth("location", "owner", other.location.id),
        _auth("robot", "operator", other.robot_id),
    ):
        with invalid("authorizations"):
            _invite(fleet, tree.org.id, email, bad)
    _, stranger = new_user_session(server, channel)
    stranger_org = fleet.call("CreateOrganization", metadata=stranger, name=unique("stranger")).organization
    stranger_location = fleet.call("CreateLocation", metadata=stranger, organization_id=stranger_org.id, name=unique("l")).location
    for bad in (
        _auth("location", "operator", UNKNOWN_LOCATION),
        _auth("robot", "operator", UNKNOWN_ROBOT),
        _auth("organization", "owner", UNKNOWN_ORG),
        _auth("organization", "owner", stranger_org.id),
        _auth("location", "operator", stranger_location.id),
    ):
        with denied():
            _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id), bad)
    assert _invited(fleet, tree.org.id) == {}


def test_create_invite_duplicate_authorizations_collapse(fleet, tree):
    a = _auth("location", "operator", tree.location.id)
    invite = _invite(fleet, tree.org.id, _email(), a, a, _auth("location", "operator", tree.location.id, tree.org.id))
    assert _grants(invite) == [("location_operator", tree.location.id)]


def test_invite_rpcs_need_owner(fleet, server, channel, tree):
    email = _email()
    _invite(fleet, tree.org.id, email)
    operator_email = _email("operator")
    _invite(fleet, tree.org.id, operator_email, _auth("organization", "operator", tree.org.id))
    _, operator = _signed_up(server, channel, operator_email)
    _, stranger = new_user_session(server, channel, owner_of=fleet.new_org().id)
    for md in (operator, stranger):
        with denied():
            _invite(fleet, tree.org.id, _email(), md=md)
        with denied():
            fleet.call("UpdateOrganizationInviteAuthorizations", metadata=md, organization_id=tree.org.id, email=email,
                       add_authorizations=[_auth("organization", "operator", tree.org.id)])
        with denied():
            fleet.call("ResendOrganizationInvite", metadata=md, organization_id=tree.org.id, email=email)
        with denied():
            fleet.call("DeleteOrganizationInvite", metadata=md, organization_id=tree.org.id, email=email)
    # operators may read the members and invites, strangers not
    assert email in _invited(fleet, tree.org.id, operator)
    with denied():
        _members(fleet, tree.org.id, stranger)
    assert _invited(fleet, tree.org.id)[email] == [("organization_owner", tree.org.id)]


@pytest.mark.parametrize(
    "method", ["CreateOrganizationInvite", "UpdateOrganizationInviteAuthorizations", "DeleteOrganizationInvite",
               "ResendOrganizationInvite", "ListOrganizationMembers", "DeleteOrganizationMember"]
)
def test_organization_id_checked_first(fleet, method):
    with invalid("organization_id"):
        fleet.call(method, organization_id="")
    with denied():
        fleet.call(method, organization_id=UNKNOWN_ORG)


# --------------------------------------------------------------------------- UpdateOrganizationInviteAuthorizations


def _update(fleet, org_id, email, add=(), remove=(), md=None):
    return fleet.call(
        "UpdateOrganizationInviteAuthorizations", metadata=md, organization_id=org_id, email=email,
        add_authorizations=list(add), remove_authorizations=list(remove),
    ).invite


def test_update_invite_add_and_remove(fleet, tree):
    second = fleet.new_location(tree.org.id)
    email = _email()
    created = _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id))
    updated = _update(fleet, tree.org.id, email.upper(), add=[_auth("location", "owner", second.id), _auth("robot", "operator", tree.robot_id)])
    assert updated.email == email and updated.created_on == created.created_on
    assert _grants(updated) == [
        ("location_operator", tree.location.id), ("location_owner", second.id), ("robot_operator", tree.robot_id)
    ]
    # adding one it already has changes nothing
    assert _grants(_update(fleet, tree.org.id, email, add=[_auth("location", "owner", second.id)])) == _grants(updated)
    # remove and add in one call
    swapped = _update(
        fleet, tree.org.id, email,
        remove=[_auth("location", "operator", tree.location.id)], add=[_auth("location", "owner", tree.location.id)],
    )
    assert _grants(swapped) == [("location_owner", second.id), ("robot_operator", tree.robot_id), ("location_owner", tree.location.id)]
    assert _invited(fleet, tree.org.id) == {email: _grants(swapped)}


def test_update_invite_errors_change_nothing(fleet, tree):
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id))
    before = _invited(fleet, tree.org.id)
    other = fleet.new_tree()
    with rpc_error(NOT_FOUND):
        _update(fleet, tree.org.id, _email("nobody"), add=[_auth("location", "owner", tree.location.id)])
    with invalid("email"):
        _update(fleet, tree.org.id, "not an email", add=[_auth("location", "owner", tree.location.id)])
    with invalid("remove_authorizations"):  # not in the invite
        _update(fleet, tree.org.id, email, remove=[_auth("location", "owner", tree.location.id)])
    with invalid("remove_authorizations"):  # a valid removal cannot excuse an invalid one
        _update(fleet, tree.org.id, email, remove=[_auth("location", "operator", tree.location.id), _auth("robot", "owner", tree.robot_id)],
                add=[_auth("robot", "operator", tree.robot_id)])
    with invalid("remove_authorizations"):
        _update(fleet, tree.org.id, email, remove=[_auth("location", "operator", tree.location.id, authorization_id="location_boss")])
    with invalid("remove_authorizations"):  # both added and removed
        _update(fleet, tree.org.id, email, remove=[_auth("location", "operator", tree.location.id)],
                add=[_auth("location", "operator", tree.location.id)])
    with invalid("add_authorizations"):
        _update(fleet, tree.org.id, email, add=[_auth("robot", "operator", tree.robot_id), _auth("location", "owner", other.location.id)])
    with invalid("add_authorizations"):
        _update(fleet, tree.org.id, email, add=[_auth("robot", "operator", tree.robot_id, authorization_id="robot_root")])
    with rpc_error(FAILED):  # an invite without roles: delete it instead
        _update(fleet, tree.org.id, email, remove=[_auth("location", "operator", tree.location.id)])
    # the invite of another organization is not this one's
    with rpc_error(NOT_FOUND):
        _update(fleet, other.org.id, email, add=[_auth("location", "owner", other.location.id)])
    assert _invited(fleet, tree.org.id) == before
    assert _invited(fleet, other.org.id) == {}


def test_deleting_a_location_removes_its_role_from_invites(fleet, tree):
    doomed = fleet.new_location(tree.org.id)
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id), _auth("location", "operator", doomed.id))
    fleet.call("DeleteLocation", location_id=doomed.id)
    assert _invited(fleet, tree.org.id)[email] == [("location_operator", tree.location.id)]


# --------------------------------------------------------------------------- Delete / Resend invite


def test_delete_invite(fleet, server, channel, tree):
    email, kept = _email(), _email("kept")
    _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id))
    _invite(fleet, tree.org.id, kept)
    with rpc_error(NOT_FOUND):
        fleet.call("DeleteOrganizationInvite", organization_id=tree.org.id, email=_email("nobody"))
    with invalid("email"):
        fleet.call("DeleteOrganizationInvite", organization_id=tree.org.id, email="nope")
    fleet.call("DeleteOrganizationInvite", organization_id=tree.org.id, email=email.upper())
    assert set(_invited(fleet, tree.org.id)) == {kept}
    with rpc_error(NOT_FOUND):
        fleet.call("DeleteOrganizationInvite", organization_id=tree.org.id, email=email)
    # a deleted invite grants nothing
    _, md = _signed_up(server, channel, email)
    with denied():
        fleet.call("GetLocation", metadata=md, location_id=tree.location.id)
    assert _member_ids(fleet, tree.org.id) == []


def test_resend_invite(fleet, tree):
    email = _email()
    invite = _invite(fleet, tree.org.id, email, _auth("robot", "operator", tree.robot_id))
    assert fleet.call("ResendOrganizationInvite", organization_id=tree.org.id, email=email.upper()).invite == invite
    assert list(_members(fleet, tree.org.id).invites) == [invite]
    with rpc_error(NOT_FOUND):
        fleet.call("ResendOrganizationInvite", organization_id=tree.org.id, email=_email("nobody"))
    with rpc_error(NOT_FOUND):
        fleet.call("ResendOrganizationInvite", organization_id=fleet.new_org().id, email=email)
    with invalid("email"):
        fleet.call("ResendOrganizationInvite", organization_id=tree.org.id, email="")


# --------------------------------------------------------------------------- GetUserIDByEmail


def test_get_user_id_by_email(fleet, server, channel, org):
    user = add_user(server, email=_email("Lookup"))
    assert fleet.call("GetUserIDByEmail", email=user.email).user_id == user.id
    assert fleet.call("GetUserIDByEmail", email=f"  {user.email.upper()} ").user_id == user.id
    with rpc_error(NOT_FOUND):
        fleet.call("GetUserIDByEmail", email=_email("nobody"))
    for bad in ("", "nope", "a@b"):
        with invalid("email"):
            fleet.call("GetUserIDByEmail", email=bad)
    # a user owning an organization may look others up
    _, owner = new_user_session(server, channel, owner_of=org.id)
    assert fleet.call("GetUserIDByEmail", metadata=owner, email=user.email).user_id == user.id


def test_get_user_id_by_email_needs_an_owned_organization(fleet, server, channel, tree):
    target = add_user(server)
    # a user with no role at all, and one who only operates a location
    _, nobody = new_user_session(server, channel)
    email = _email("operator")
    _invite(fleet, tree.org.id, email, _auth("organization", "operator", tree.org.id))
    _, operator = _signed_up(server, channel, email)
    for md in (nobody, operator):
        with denied():
            fleet.call("GetUserIDByEmail", metadata=md, email=target.email)
        with denied():  # unknown emails look the same
            fleet.call("GetUserIDByEmail", metadata=md, email=_email("nobody"))


# --------------------------------------------------------------------------- ListOrganizationsByUser


def test_list_organizations_by_user(fleet, server, channel):
    org_a = fleet.new_org()
    namespace = unique_namespace()
    fleet.call("UpdateOrganization", organization_id=org_a.id, public_namespace=namespace, cid="cid-42")
    # org_c is owned by user X, not by the bootstrap key
    x, x_md = new_user_session(server, channel)
    org_c = fleet.call("CreateOrganization", metadata=x_md, name=unique("org-c")).organization
    member_email = _email("member")
    _invite(fleet, org_a.id, member_email, _auth("organization", "operator", org_a.id))
    _invite(fleet, org_c.id, member_email, _auth("organization", "operator", org_c.id), md=x_md)
    member, member_md = _signed_up(server, channel, member_email)

    def listed(md, user_id):
        return list(fleet.call("ListOrganizationsByUser", metadata=md, user_id=user_id).orgs)

    own = listed(member_md, member.id)
    assert [o.org_id for o in own] == [org_a.id, org_c.id]
    a, c = own
    assert a.org_name == org_a.name and a.org_cid == "cid-42" and a.public_namespace == namespace
    assert c.org_name == org_c.name and not c.HasField("org_cid") and not c.HasField("public_namespace")
    # owners see only the organizations they own that the user is in
    assert [o.org_id for o in listed(fleet.md, member.id)] == [org_a.id]
    assert [o.org_id for o in listed(x_md, member.id)] == [org_c.id]
    assert [o.org_id for o in listed(x_md, x.id)] == [org_c.id]
    # the member owns neither organization: their other members stay hidden
    assert listed(member_md, x.id) == []
    # unknown users look like users sharing nothing with the caller
    assert listed(fleet.md, str(uuid.uuid4())) == []
    assert listed(fleet.md, x.id) == []
    with invalid("user_id"):
        listed(fleet.md, "")


# --------------------------------------------------------------------------- GetOrganizationsWithAccessToLocation


def test_organizations_with_access_to_location(fleet, server, channel, tree):
    def identities(location_id, md=None):
        response = fleet.call("GetOrganizationsWithAccessToLocation", metadata=md, location_id=location_id)
        return [(o.id, o.name) for o in response.organization_identities]

    child = fleet.new_location(tree.org.id, parent=tree.location.id)
    assert identities(tree.location.id) == [(tree.org.id, tree.org.name)]
    guest_b, guest_c = fleet.new_org(unique("b")), fleet.new_org(unique("c"))
    fleet.call("ShareLocation", location_id=tree.location.id, organization_id=guest_c.id)
    fleet.call("ShareLocation", location_id=tree.location.id, organization_id=guest_b.id)
    expected = [(tree.org.id, tree.org.name), *sorted([(guest_b.id, guest_b.name), (guest_c.id, guest_c.name)], key=lambda o: (o[1], o[0]))]
    assert identities(tree.location.id) == expected
    # a sub-location is reachable from the organizations its parent is shared with
    assert identities(child.id) == expected
    fleet.call("UnshareLocation", location_id=tree.location.id, organization_id=guest_c.id)
    assert identities(tree.location.id) == [(tree.org.id, tree.org.name), (guest_b.id, guest_b.name)]
    # operators may read it; others not; unknown ids look the same
    email = _email("operator")
    _invite(fleet, tree.org.id, email, _auth("location", "operator", child.id))
    _, operator = _signed_up(server, channel, email)
    assert identities(child.id, operator) == [(tree.org.id, tree.org.name), (guest_b.id, guest_b.name)]
    with denied():
        identities(tree.location.id, operator)
    with denied():
        identities(UNKNOWN_LOCATION)
    with invalid("location_id"):
        identities("")


# --------------------------------------------------------------------------- ListOrganizationMembers


def test_list_members(fleet, server, channel, tree):
    owner = add_user(server, owner_of=tree.org.id)  # never signed in
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id))
    operator, _ = _signed_up(server, channel, email)
    pending = _email("pending")
    _invite(fleet, tree.org.id, pending)
    listed = _members(fleet, tree.org.id)
    assert [m.user_id for m in listed.members] == [owner.id, operator.id]
    first, second = listed.members
    assert list(first.emails) == [owner.email] and not first.HasField("last_login")
    assert list(second.emails) == [email] and second.HasField("last_login")
    assert first.date_added.ToDatetime() <= second.date_added.ToDatetime()
    assert [i.email for i in listed.invites] == [pending]
    # an API key is no member, and members of other organizations don't show
    assert fleet.boot.api_key_id not in {m.user_id for m in listed.members}
    assert [m.user_id for m in _members(fleet, fleet.new_org().id).members] == []


def test_date_added_is_the_earliest_role(fleet, server, channel, tree):
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id))
    user, _ = _signed_up(server, channel, email)
    added = _members(fleet, tree.org.id).members[0].date_added
    _invite(fleet, tree.org.id, email, _auth("robot", "owner", tree.robot_id))
    authenticate_user(channel, email)
    assert [(m.user_id, m.date_added) for m in _members(fleet, tree.org.id).members] == [(user.id, added)]


# --------------------------------------------------------------------------- DeleteOrganizationMember


def test_delete_member(fleet, server, channel, tree):
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("location", "operator", tree.location.id), _auth("robot", "owner", tree.robot_id))
    user, md = _signed_up(server, channel, email)
    other_org = fleet.new_org()
    _invite(fleet, other_org.id, email)
    md = authenticate_user(channel, email)
    # a later invite to the same organization is dropped with the member
    _invite(fleet, tree.org.id, email, _auth("organization", "owner", tree.org.id))
    fleet.call("DeleteOrganizationMember", organization_id=tree.org.id, user_id=user.id)
    assert _member_ids(fleet, tree.org.id) == []
    assert _invited(fleet, tree.org.id) == {}
    # the token still works, but reaches nothing in that organization any more
    with denied():
        fleet.call("GetLocation", metadata=md, location_id=tree.location.id)
    with denied():
        fleet.call("GetRobot", metadata=md, id=tree.robot_id)
    md = authenticate_user(channel, email)
    with denied():
        fleet.call("GetLocation", metadata=md, location_id=tree.location.id)
    # other organizations keep the user
    assert _member_ids(fleet, other_org.id) == [user.id]
    assert fleet.call("GetOrganization", metadata=md, organization_id=other_org.id).organization.id == other_org.id
    with rpc_error(NOT_FOUND):
        fleet.call("DeleteOrganizationMember", organization_id=tree.org.id, user_id=user.id)


def test_delete_member_errors(fleet, server, channel, tree):
    email = _email()
    _invite(fleet, tree.org.id, email, _auth("organization", "operator", tree.org.id))
    user, operator = _signed_up(server, channel, email)
    outsider = add_user(server)
    with invalid("user_id"):
        fleet.call("DeleteOrganizationMember", organization_id=tree.org.id, user_id="")
    for unknown in (str(uuid.uuid4()), outsider.id, fleet.boot.api_key_id):
        with rpc_error(NOT_FOUND):
            fleet.call("DeleteOrganizationMember", organization_id=tree.org.id, user_id=unknown)
    with denied():  # operators may not remove members, not even themselves
        fleet.call("DeleteOrganizationMember", metadata=operator, organization_id=tree.org.id, user_id=user.id)
    assert _member_ids(fleet, tree.org.id) == [user.id]
    # the bootstrap key still works: API keys are never removed as members
    assert fleet.get_org(tree.org.id).id == tree.org.id


def test_delete_member_never_the_last_owner(fleet, server, channel):
    first, first_md = new_user_session(server, channel)
    org = fleet.call("CreateOrganization", metadata=first_md, name=unique("solo")).organization
    with rpc_error(FAILED):
        fleet.call("DeleteOrganizationMember", metadata=first_md, organization_id=org.id, user_id=first.id)
    assert _member_ids(fleet, org.id, first_md) == [first.id]
    # an operator-level role elsewhere in the org does not count as an owner
    location = fleet.call("CreateLocation", metadata=first_md, organization_id=org.id, name=unique("loc")).location
    email = _email("second")
    _invite(fleet, org.id, email, _auth("location", "owner", location.id), md=first_md)
    second, second_md = _signed_up(server, channel, email)
    with rpc_error(FAILED):
        fleet.call("DeleteOrganizationMember", metadata=first_md, organization_id=org.id, user_id=first.id)
    # a second organization owner: now the first may go
    _invite(fleet, org.id, email, _auth("organization", "owner", org.id), md=first_md)
    second_md = authenticate_user(channel, email)
    fleet.call("DeleteOrganizationMember", metadata=first_md, organization_id=org.id, user_id=first.id)
    assert _member_ids(fleet, org.id, second_md) == [second.id]
    with denied():
        fleet.call("GetOrganization", metadata=first_md, organization_id=org.id)
    with rpc_error(FAILED):
        fleet.call("DeleteOrganizationMember", metadata=second_md, organization_id=org.id, user_id=second.id)
    assert fleet.call("GetOrganization", metadata=second_md, organization_id=org.id).organization.id == org.id


def test_delete_member_owner_when_an_api_key_owns_too(fleet, server, channel, org):
    """API keys count as owners: the organization keeps the bootstrap key."""
    user = add_user(server, owner_of=org.id)
    fleet.call("DeleteOrganizationMember", organization_id=org.id, user_id=user.id)
    assert _member_ids(fleet, org.id) == []
    md = authenticate_user(channel, user.email)
    with denied():
        fleet.call("GetOrganization", metadata=md, organization_id=org.id)


# --------------------------------------------------------------------------- concurrency


def test_concurrent_invites_for_one_email(fleet, org):
    email = _email()
    results, errors = run_concurrently(lambda: _invite(fleet, org.id, email), n=6)
    assert len(results) == 1
    assert [e.code() for e in errors] == [ALREADY_EXISTS] * 5
    assert list(_members(fleet, org.id).invites) == results


def test_two_owners_removing_each_other_keep_one(fleet, server, channel):
    first, first_md = new_user_session(server, channel)
    org = fleet.call("CreateOrganization", metadata=first_md, name=unique("pair")).organization
    email = _email("second")
    _invite(fleet, org.id, email, md=first_md)
    second, second_md = _signed_up(server, channel, email)
    calls = iter([(first_md, second.id), (second_md, first.id)])
    lock = threading.Lock()

    def remove_other():
        with lock:
            md, victim = next(calls)
        return fleet.call("DeleteOrganizationMember", metadata=md, organization_id=org.id, user_id=victim)

    results, errors = run_concurrently(remove_other, n=2)
    # the loser was removed first (PERMISSION_DENIED) or would have removed the last owner
    assert len(results) == 1 and len(errors) == 1
    assert errors[0].code() in (grpc.StatusCode.PERMISSION_DENIED, FAILED)
    survivors = [(u, md) for u, md in ((first, first_md), (second, second_md)) if _can_read(fleet, org.id, md)]
    assert len(survivors) == 1
    (survivor, survivor_md), = survivors
    assert _member_ids(fleet, org.id, survivor_md) == [survivor.id]


def _can_read(fleet, org_id, md) -> bool:
    try:
        fleet.call("GetOrganization", metadata=md, organization_id=org_id)
        return True
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        return False
