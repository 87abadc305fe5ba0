"""Location and part secrets (LocationAuth, Create/Delete*Secret) and location sharing (Share/UnshareLocation).

A second identity with roles only in another organization is a password user
created with `python -m server user-add --owner-of <org>` on the session
server's data directory.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass

import grpc
import pytest

from conftest import (
    LOCATION_METADATA,
    ROBOT_METADATA,
    UNKNOWN_LOCATION,
    UNKNOWN_ORG,
    UNKNOWN_PART,
    Fleet,
    Metadata,
    RunningServer,
    bearer,
    denied,
    invalid,
    make_struct,
    new_key,
    role,
    rpc_error,
    run_concurrently,
)
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2, robot_pb2, robot_pb2_grpc
from generated.viam.common.v1 import common_pb2
from harness import ROOT, server_env

UNAUTH = grpc.StatusCode.UNAUTHENTICATED
NOT_FOUND = grpc.StatusCode.NOT_FOUND
ENABLED = app_pb2.SharedSecret.STATE_ENABLED


# --------------------------------------------------------------------------- helpers


def authenticate_as(channel: grpc.Channel, credential_type: str, entity: str, payload: str) -> str:
    response = auth_pb2_grpc.AuthServiceStub(channel).Authenticate(
        auth_pb2.AuthenticateRequest(entity=entity, credentials=auth_pb2.Credentials(type=credential_type, payload=payload)),
        timeout=30,
    )
    return response.access_token


def machine_log(channel: grpc.Channel, part_id: str, token: str, *, empty: bool = False) -> None:
    logs = [] if empty else [common_pb2.LogEntry(level="info", message="hello")]
    robot_pb2_grpc.RobotServiceStub(channel).Log(
        robot_pb2.LogRequest(id=part_id, logs=logs),
        metadata=bearer(token),
        timeout=30,
    )


def location_auth(fleet: Fleet, location_id: str) -> app_pb2.LocationAuth:
    return fleet.call("LocationAuth", location_id=location_id).auth


def secret_ids(secrets) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.id for s in secrets]


@dataclass
class User:
    id: str
    email: str
    password: str
    md: Metadata
    fleet: Fleet


def add_user(server: RunningServer, fleet: Fleet, owner_of: str) -> User:
    """A password user who owns only `owner_of`, authenticated."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    password = f"pw-{uuid.uuid4().hex}"
    out = subprocess.run(
        [sys.executable, "-m", "server", "user-add", "--data-dir", str(server.data_dir), "--email", email, "--owner-of", owner_of],
        cwd=ROOT,
        env=server_env(server.data_dir, {"FLEET_USER_PASSWORD": password}),
        check=True,
        capture_output=True,
        text=True,
    )
    md = bearer(authenticate_as(fleet.channel, "password", email, password))
    return User(out.stdout.strip(), email, password, md, Fleet(fleet.channel, md, fleet.boot))


@pytest.fixture
def other(server: RunningServer, fleet: Fleet) -> tuple[app_pb2.Organization, User]:
    """Organization B (the bootstrap key owns it too) and a user who owns only B."""
    org_b = fleet.new_org()
    return org_b, add_user(server, fleet, org_b.id)


def organizations_of(location: app_pb2.Location) -> list[tuple[str, bool]]:
    return [(o.organization_id, o.primary) for o in location.organizations]


# --------------------------------------------------------------------------- LocationAuth


def test_location_auth_returns_the_locations_secrets(fleet, tree):
    auth = location_auth(fleet, tree.location.id)
    assert auth.location_id == tree.location.id
    assert len(auth.secrets) == 1
    (secret,) = auth.secrets
    assert secret.id and secret.secret and secret.state == ENABLED and secret.HasField("created_on")
    assert auth.secret == secret.secret
    assert auth == fleet.get_location(tree.location.id).auth


def test_create_location_secret_adds_one(fleet, tree):
    before = location_auth(fleet, tree.location.id)
    auth = fleet.call("CreateLocationSecret", location_id=tree.location.id).auth
    assert auth.location_id == tree.location.id
    assert len(auth.secrets) == 2
    assert auth.secrets[0] == before.secrets[0], "existing secrets are kept, the new one is last"
    new = auth.secrets[1]
    assert new.id not in secret_ids(before.secrets) and new.secret and new.secret != before.secret
    assert new.state == ENABLED
    assert auth.secret == before.secret, "`secret` stays the first (oldest) secret"
    assert location_auth(fleet, tree.location.id) == auth
    # both authenticate the location's machines
    part_id = fleet.main_part(tree.robot_id).id
    for s in auth.secrets:
        machine_log(fleet.channel, part_id, authenticate_as(fleet.channel, "robot-location-secret", part_id, s.secret))


def test_delete_location_secret(fleet, tree):
    first = location_auth(fleet, tree.location.id).secrets[0]
    second = fleet.call("CreateLocationSecret", location_id=tree.location.id).auth.secrets[1]
    fleet.call("DeleteLocationSecret", location_id=tree.location.id, secret_id=first.id)
    auth = location_auth(fleet, tree.location.id)
    assert secret_ids(auth.secrets) == [second.id]
    assert auth.secret == second.secret
    # deleting twice: gone
    with rpc_error(NOT_FOUND):
        fleet.call("DeleteLocationSecret", location_id=tree.location.id, secret_id=first.id)
    # A location may lose its last secret (machines authenticate with part secrets); one can be added again.
    fleet.call("DeleteLocationSecret", location_id=tree.location.id, secret_id=second.id)
    auth = location_auth(fleet, tree.location.id)
    assert list(auth.secrets) == [] and auth.secret == "" and auth.location_id == tree.location.id
    assert len(fleet.call("CreateLocationSecret", location_id=tree.location.id).auth.secrets) == 1


def test_delete_location_secret_of_another_location_not_found(fleet, tree):
    other_location = fleet.new_location(tree.org.id)
    foreign_secret = location_auth(fleet, other_location.id).secrets[0]
    part_secret = fleet.main_part(tree.robot_id).secrets[0]
    for secret_id in (foreign_secret.id, part_secret.id, str(uuid.uuid4())):
        with rpc_error(NOT_FOUND):
            fleet.call("DeleteLocationSecret", location_id=tree.location.id, secret_id=secret_id)
    assert len(location_auth(fleet, other_location.id).secrets) == 1
    assert len(location_auth(fleet, tree.location.id).secrets) == 1
    assert len(fleet.main_part(tree.robot_id).secrets) == 1


def test_location_secret_rpcs_bad_ids(fleet, tree):
    for method in ("LocationAuth", "CreateLocationSecret"):
        with invalid("location_id"):
            fleet.call(method, location_id="")
        with denied():
            fleet.call(method, location_id=UNKNOWN_LOCATION)
    with invalid("location_id"):
        fleet.call("DeleteLocationSecret", location_id="", secret_id="x")
    with denied():
        fleet.call("DeleteLocationSecret", location_id=UNKNOWN_LOCATION, secret_id="x")
    with invalid("secret_id"):
        fleet.call("DeleteLocationSecret", location_id=tree.location.id, secret_id="")


# --------------------------------------------------------------------------- part secrets


def test_create_robot_part_secret_returns_the_full_part(fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    before = fleet.get_part(part_id)
    part = fleet.call("CreateRobotPartSecret", part_id=part_id).part
    assert len(part.secrets) == 2
    assert part.secrets[0] == before.secrets[0]
    assert part.secrets[1].id != before.secrets[0].id and part.secrets[1].secret and part.secrets[1].state == ENABLED
    assert part.secret == before.secret
    got = fleet.get_part(part_id)
    assert part.secrets == got.secrets
    for name in ("id", "name", "dns_name", "fqdn", "local_fqdn", "robot", "location_id", "main_part", "robot_config_json"):
        assert getattr(part, name) == getattr(got, name), name
    # both secrets authenticate the part
    for s in part.secrets:
        machine_log(fleet.channel, part_id, authenticate_as(fleet.channel, "robot-secret", part_id, s.secret))


def test_delete_robot_part_secret(fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    first = fleet.get_part(part_id).secrets[0]
    second = fleet.call("CreateRobotPartSecret", part_id=part_id).part.secrets[1]
    fleet.call("DeleteRobotPartSecret", part_id=part_id, secret_id=first.id)
    part = fleet.get_part(part_id)
    assert secret_ids(part.secrets) == [second.id] and part.secret == second.secret
    with rpc_error(NOT_FOUND):
        fleet.call("DeleteRobotPartSecret", part_id=part_id, secret_id=first.id)


def test_delete_last_part_secret_refused(fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    (only,) = fleet.get_part(part_id).secrets
    with rpc_error(grpc.StatusCode.FAILED_PRECONDITION) as e:
        fleet.call("DeleteRobotPartSecret", part_id=part_id, secret_id=only.id)
    assert "last secret" in e.message
    assert secret_ids(fleet.get_part(part_id).secrets) == [only.id]


def test_concurrent_deletions_keep_the_last_part_secret(fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    for _ in range(3):
        fleet.call("CreateRobotPartSecret", part_id=part_id)
    ids = secret_ids(fleet.get_part(part_id).secrets)
    assert len(fleet.get_part(part_id).secrets) == 4

    def delete_one() -> None:
        fleet.call("DeleteRobotPartSecret", part_id=part_id, secret_id=ids.pop())  # list.pop is atomic

    results, errors = run_concurrently(delete_one, n=4)
    assert len(results) == 3
    assert [e.code() for e in errors] == [grpc.StatusCode.FAILED_PRECONDITION]
    assert len(fleet.get_part(part_id).secrets) == 1


def test_delete_part_secret_of_another_part_not_found(fleet, tree):
    main_id = fleet.main_part(tree.robot_id).id
    other_id = fleet.new_part(tree.robot_id)
    fleet.call("CreateRobotPartSecret", part_id=main_id)
    other_secret = fleet.get_part(other_id).secrets[0]
    location_secret = location_auth(fleet, tree.location.id).secrets[0]
    for secret_id in (other_secret.id, location_secret.id, str(uuid.uuid4())):
        with rpc_error(NOT_FOUND):
            fleet.call("DeleteRobotPartSecret", part_id=main_id, secret_id=secret_id)
    assert len(fleet.get_part(main_id).secrets) == 2
    assert secret_ids(fleet.get_part(other_id).secrets) == [other_secret.id]


def test_part_secret_rpcs_bad_ids(fleet, tree):
    with invalid("part_id"):
        fleet.call("CreateRobotPartSecret", part_id="")
    with denied():
        fleet.call("CreateRobotPartSecret", part_id=UNKNOWN_PART)
    with invalid("part_id"):
        fleet.call("DeleteRobotPartSecret", part_id="", secret_id="x")
    with denied():
        fleet.call("DeleteRobotPartSecret", part_id=UNKNOWN_PART, secret_id="x")
    with invalid("secret_id"):
        fleet.call("DeleteRobotPartSecret", part_id=fleet.main_part(tree.robot_id).id, secret_id="")


# --------------------------------------------------------------------------- revocation


def test_deleted_part_secret_revokes_machine_tokens_at_once(fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    old = fleet.get_part(part_id).secrets[0]
    new = fleet.call("CreateRobotPartSecret", part_id=part_id).part.secrets[1]
    old_token = authenticate_as(fleet.channel, "robot-secret", part_id, old.secret)
    new_token = authenticate_as(fleet.channel, "robot-secret", part_id, new.secret)
    machine_log(fleet.channel, part_id, old_token)

    machine_log(fleet.channel, part_id, old_token, empty=True)

    fleet.call("DeleteRobotPartSecret", part_id=part_id, secret_id=old.id)
    with rpc_error(UNAUTH):
        machine_log(fleet.channel, part_id, old_token)
    with rpc_error(UNAUTH):  # an empty batch is checked too, though it stores nothing
        machine_log(fleet.channel, part_id, old_token, empty=True)
    with rpc_error(UNAUTH):
        authenticate_as(fleet.channel, "robot-secret", part_id, old.secret)
    machine_log(fleet.channel, part_id, new_token)  # tokens of the other secret keep working
    machine_log(fleet.channel, part_id, new_token, empty=True)
    machine_log(fleet.channel, part_id, authenticate_as(fleet.channel, "robot-secret", part_id, new.secret))


def test_deleted_location_secret_revokes_machine_tokens_at_once(fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    old = location_auth(fleet, tree.location.id).secrets[0]
    new = fleet.call("CreateLocationSecret", location_id=tree.location.id).auth.secrets[1]
    old_token = authenticate_as(fleet.channel, "robot-location-secret", part_id, old.secret)
    new_token = authenticate_as(fleet.channel, "robot-location-secret", part_id, new.secret)
    part_token = authenticate_as(fleet.channel, "robot-secret", part_id, fleet.get_part(part_id).secret)
    machine_log(fleet.channel, part_id, old_token)

    fleet.call("DeleteLocationSecret", location_id=tree.location.id, secret_id=old.id)
    with rpc_error(UNAUTH):
        machine_log(fleet.channel, part_id, old_token)
    with rpc_error(UNAUTH):
        authenticate_as(fleet.channel, "robot-location-secret", part_id, old.secret)
    machine_log(fleet.channel, part_id, new_token)
    machine_log(fleet.channel, part_id, part_token)


def test_location_secret_authenticates_only_parts_in_that_location(fleet, tree):
    secret = location_auth(fleet, tree.location.id).secret
    here = fleet.main_part(tree.robot_id).id
    second_here = fleet.new_part(tree.robot_id)
    elsewhere_location = fleet.new_location(tree.org.id)
    elsewhere = fleet.main_part(fleet.new_robot(elsewhere_location.id)).id
    for part_id in (here, second_here):
        machine_log(fleet.channel, part_id, authenticate_as(fleet.channel, "robot-location-secret", part_id, secret))
    with rpc_error(UNAUTH) as wrong_location:
        authenticate_as(fleet.channel, "robot-location-secret", elsewhere, secret)
    with rpc_error(UNAUTH) as unknown_part:
        authenticate_as(fleet.channel, "robot-location-secret", UNKNOWN_PART, secret)
    assert wrong_location.message == unknown_part.message
    # a location secret is not a part secret
    with rpc_error(UNAUTH):
        authenticate_as(fleet.channel, "robot-secret", here, secret)


# --------------------------------------------------------------------------- who may manage secrets


def test_secret_rpcs_need_owner_of_the_resource(fleet, tree, other):
    org_b, user = other
    part_id = fleet.main_part(tree.robot_id).id
    secret_id = fleet.get_part(part_id).secrets[0].id
    location_secret_id = location_auth(fleet, tree.location.id).secrets[0].id
    with denied():
        location_auth(user.fleet, tree.location.id)
    with denied():
        user.fleet.call("CreateLocationSecret", location_id=tree.location.id)
    with denied():
        user.fleet.call("DeleteLocationSecret", location_id=tree.location.id, secret_id=location_secret_id)
    with denied():
        user.fleet.call("CreateRobotPartSecret", part_id=part_id)
    with denied():
        user.fleet.call("DeleteRobotPartSecret", part_id=part_id, secret_id=secret_id)
    # the user owns org B's locations and parts
    location_b = user.fleet.new_location(org_b.id)
    assert len(location_auth(user.fleet, location_b.id).secrets) == 1
    robot_b = user.fleet.new_robot(location_b.id)
    part_b = user.fleet.main_part(robot_b).id
    assert len(user.fleet.call("CreateRobotPartSecret", part_id=part_b).part.secrets) == 2
    # nothing changed in org A
    assert len(fleet.get_part(part_id).secrets) == 1
    assert len(location_auth(fleet, tree.location.id).secrets) == 1


def test_machine_tokens_may_not_manage_secrets(fleet, tree):
    part = fleet.main_part(tree.robot_id)
    md = bearer(authenticate_as(fleet.channel, "robot-secret", part.id, part.secret))
    with denied():
        fleet.call("LocationAuth", location_id=tree.location.id, metadata=md)
    with denied():
        fleet.call("CreateRobotPartSecret", part_id=part.id, metadata=md)
    with denied():
        fleet.call("DeleteRobotPartSecret", part_id=part.id, secret_id=part.secrets[0].id, metadata=md)


# --------------------------------------------------------------------------- sharing


def test_share_location_gives_the_other_organization_access(fleet, tree, other):
    org_b, user = other
    sub = fleet.new_location(tree.org.id, parent=tree.location.id)
    sub_robot = fleet.new_robot(sub.id)
    loc = tree.location.id
    part_id = fleet.main_part(tree.robot_id).id

    with denied():
        user.fleet.get_location(loc)
    with denied():
        user.fleet.get_robot(tree.robot_id)
    with denied():
        user.fleet.get_location(sub.id)

    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    assert organizations_of(fleet.get_location(loc)) == [(tree.org.id, True), (org_b.id, False)]
    assert organizations_of(fleet.get_location(sub.id)) == [(tree.org.id, True)], "a share is on one location"

    # owner of B -> owner rights on the shared location, its sub-locations and machines
    shared = user.fleet.get_location(loc)
    assert organizations_of(shared) == [(tree.org.id, True), (org_b.id, False)]
    assert len(shared.auth.secrets) == 1, "owners see the location's secrets"
    assert tree.robot_id in {r.id for r in user.fleet.robots(loc)}
    assert user.fleet.get_robot(tree.robot_id).id == tree.robot_id
    assert user.fleet.get_part(part_id).secret, "owners see part secrets"
    assert user.fleet.get_location(sub.id).id == sub.id
    assert user.fleet.get_robot(sub_robot).id == sub_robot
    user.fleet.call("UpdateRobotMetadata", id=tree.robot_id, data=make_struct({"shared": True}))
    # ... but nothing else of org A
    with denied():
        user.fleet.get_org(tree.org.id)
    with denied():
        user.fleet.locations(tree.org.id)
    other_location = fleet.new_location(tree.org.id)
    with denied():
        user.fleet.get_location(other_location.id)

    fleet.call("UnshareLocation", location_id=loc, organization_id=org_b.id)
    assert organizations_of(fleet.get_location(loc)) == [(tree.org.id, True)]
    for check in (lambda: user.fleet.get_location(loc), lambda: user.fleet.get_robot(tree.robot_id),
                  lambda: user.fleet.get_location(sub.id), lambda: user.fleet.get_part(part_id)):
        with denied():
            check()


def test_owner_of_the_sharing_organization_may_unshare(fleet, tree, other):
    org_b, user = other
    loc = tree.location.id
    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    user.fleet.call("UnshareLocation", location_id=loc, organization_id=org_b.id)
    with denied():
        user.fleet.get_location(loc)
    # once unshared, B's owner can't see whether it is shared any more
    with denied():
        user.fleet.call("UnshareLocation", location_id=loc, organization_id=org_b.id)
    assert organizations_of(fleet.get_location(loc)) == [(tree.org.id, True)]


def test_a_sharee_may_not_share_the_location_further(fleet, tree, other):
    """Owning a location through a share gives no say over who else it is shared with."""
    org_b, user = other
    org_c = fleet.new_org()
    fleet.call("AddRole", authorization=role(org_c.id, "owner", "organization", org_c.id, identity_id=user.id, identity_type="user"))
    loc = tree.location.id
    sub = fleet.new_location(tree.org.id, parent=loc)
    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    sharee_key = new_key(user.fleet, [role(org_b.id, "owner", "location", loc)])
    for caller in (user.fleet, sharee_key.fleet):
        for location_id in (loc, sub.id):
            with denied():
                caller.call("ShareLocation", location_id=location_id, organization_id=org_c.id)
    assert organizations_of(fleet.get_location(loc)) == [(tree.org.id, True), (org_b.id, False)]
    assert organizations_of(fleet.get_location(sub.id)) == [(tree.org.id, True)]


def test_a_sharee_may_unshare_only_its_own_organization(fleet, tree, other):
    org_b, user = other
    org_c = fleet.new_org()
    loc = tree.location.id
    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    fleet.call("ShareLocation", location_id=loc, organization_id=org_c.id)
    sharee_key = new_key(user.fleet, [role(org_b.id, "owner", "location", loc)])
    # another sharee, the primary organization, and an organization it isn't shared with: the
    # same answer, so a sharee learns nothing about the location's other shares
    for caller in (user.fleet, sharee_key.fleet):
        answers = []
        for organization_id in (org_c.id, tree.org.id, fleet.new_org().id, UNKNOWN_ORG):
            with denied() as refused:
                caller.call("UnshareLocation", location_id=loc, organization_id=organization_id)
            answers.append(refused.message.replace(organization_id, "X"))
        assert len(set(answers)) == 1, answers
    assert organizations_of(fleet.get_location(loc)) == [(tree.org.id, True), (org_b.id, False), (org_c.id, False)]
    sharee_key.fleet.call("UnshareLocation", location_id=loc, organization_id=org_b.id)
    assert organizations_of(fleet.get_location(loc)) == [(tree.org.id, True), (org_c.id, False)]


def test_owners_through_the_primary_organization_share_and_unshare(server, fleet, tree):
    """An owner of the location, or of a location above it, by a role of the location's own
    organization shares it (with an organization it belongs to) and unshares any organization."""
    parent = fleet.new_location(tree.org.id)
    loc = fleet.new_location(tree.org.id, parent=parent.id).id
    org_b, org_c = fleet.new_org(), fleet.new_org()
    for granted_on in (loc, parent.id):
        user = add_user(server, fleet, org_b.id)
        fleet.call("AddRole", authorization=role(tree.org.id, "owner", "location", granted_on, identity_id=user.id, identity_type="user"))
        key = new_key(fleet, [role(tree.org.id, "owner", "location", granted_on)])
        user.fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
        fleet.call("ShareLocation", location_id=loc, organization_id=org_c.id)
        user.fleet.call("UnshareLocation", location_id=loc, organization_id=org_c.id)
        fleet.call("ShareLocation", location_id=loc, organization_id=org_c.id)
        key.fleet.call("UnshareLocation", location_id=loc, organization_id=org_c.id)
        key.fleet.call("UnshareLocation", location_id=loc, organization_id=org_b.id)
        assert organizations_of(fleet.get_location(loc)) == [(tree.org.id, True)]


def test_a_sharee_may_not_delete_or_restructure_the_location(fleet, tree, other):
    """The location structure (the locations, their names, regions, parents and secrets) belongs to the
    location's own organization: owning it through a share only lets the sharee manage the machines."""
    org_b, user = other
    loc = tree.location.id
    sub = fleet.new_location(tree.org.id, parent=loc)
    elsewhere = fleet.new_location(tree.org.id)
    for location_id in (loc, elsewhere.id):
        fleet.call("ShareLocation", location_id=location_id, organization_id=org_b.id)
    sharee_key = new_key(user.fleet, [role(org_b.id, "owner", "location", loc), role(org_b.id, "owner", "location", elsewhere.id)])
    before = {location_id: fleet.get_location(location_id) for location_id in (loc, sub.id)}
    for caller in (user.fleet, sharee_key.fleet):
        for location_id in (loc, sub.id):
            secret_id = location_auth(caller, location_id).secrets[0].id  # owners through a share still read them
            for change in ({"name": "renamed"}, {"region": "eu-west-1"}, {"parent_location_id": elsewhere.id},
                           {"parent_location_id": ""}):
                with denied():
                    caller.call("UpdateLocation", location_id=location_id, **change)
            for method, fields in (("DeleteLocation", {}), ("CreateLocationSecret", {}),
                                   ("DeleteLocationSecret", {"secret_id": secret_id})):
                with denied():
                    caller.call(method, location_id=location_id, **fields)
    assert {location_id: fleet.get_location(location_id) for location_id in (loc, sub.id)} == before
    # ... but the machines inside are still theirs to manage
    robot = sharee_key.fleet.new_robot(sub.id)
    sharee_key.fleet.call("UpdateRobot", id=robot, name="moved", location=loc)
    sharee_key.fleet.call("DeleteRobot", id=robot)


def test_a_sharee_reads_but_may_not_change_the_location_metadata(fleet, tree, other):
    """Location metadata goes with the location's structure, the primary organization's: sharee owners
    read it (and change their machines' metadata) but UpdateLocationMetadata is PERMISSION_DENIED."""
    org_b, user = other
    loc = tree.location.id
    sub = fleet.new_location(tree.org.id, parent=loc)
    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    for location_id in (loc, sub.id):
        LOCATION_METADATA.update(fleet, location_id, {"site": location_id})
    sharee_key = new_key(user.fleet, [role(org_b.id, "owner", "location", loc)])
    for caller in (user.fleet, sharee_key.fleet):
        for location_id in (loc, sub.id):
            with denied():
                LOCATION_METADATA.update(caller, location_id, {"site": "theirs"})
            with denied():
                LOCATION_METADATA.update(caller, location_id)  # clearing it too
            assert LOCATION_METADATA.get(caller, location_id) == {"site": location_id}
        ROBOT_METADATA.update(caller, tree.robot_id, {"by": "sharee"})
    # an owner through the primary organization by a role on the location changes it
    primary_owner = new_key(fleet, [role(tree.org.id, "owner", "location", loc)])
    LOCATION_METADATA.update(primary_owner.fleet, sub.id, {"site": "moved"})
    assert LOCATION_METADATA.get(user.fleet, sub.id) == {"site": "moved"}


def test_roles_granted_through_a_share_go_with_it(fleet, tree, other):
    """What the sharee organization granted on the shared location (a key's role, an invite's
    role) stops working when the location is unshared; and a sharee can't grant roles in the
    location's own organization, whose members it would choose."""
    org_b, user = other
    loc = tree.location.id
    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    key = new_key(user.fleet, [role(org_b.id, "owner", "location", loc)])
    assert location_auth(key.fleet, loc).secrets
    invited = f"invited-{uuid.uuid4().hex[:10]}@example.com"
    user.fleet.call("CreateOrganizationInvite", organization_id=org_b.id, email=invited,
                    authorizations=[role(org_b.id, "owner", "location", loc)])
    with denied():
        user.fleet.call("AddRole", authorization=role(tree.org.id, "owner", "location", loc, identity_id=user.id, identity_type="user"))
    # nor remove or change the roles the location's own organization gave on it
    primary_key = new_key(fleet, [role(tree.org.id, "operator", "location", loc)])
    primary_role = role(tree.org.id, "operator", "location", loc, identity_id=primary_key.id)
    with denied():
        user.fleet.call("RemoveRole", authorization=primary_role)
    with denied():
        user.fleet.call("ChangeRole", old_authorization=primary_role,
                        new_authorization=role(tree.org.id, "owner", "location", loc, identity_id=primary_key.id))
    assert location_auth(fleet, loc).secrets and primary_key.fleet.get_location(loc).id == loc

    fleet.call("UnshareLocation", location_id=loc, organization_id=org_b.id)
    with denied():
        location_auth(key.fleet, loc)
    assert all(a.resource_id != loc for a in user.fleet.call("ListAuthorizations", organization_id=org_b.id).authorizations)
    members = user.fleet.call("ListOrganizationMembers", organization_id=org_b.id)
    assert invited not in {invite.email for invite in members.invites}, "its only role went with the share"


def test_moving_out_of_a_shared_location_ends_the_sharees_roles_there(fleet, tree, other):
    """Roles a sharee granted on a sub-location or a machine of a shared location go when the
    primary organization moves it out of the share, as they would on an unshare."""
    org_b, user = other
    loc = tree.location.id
    sub = fleet.new_location(tree.org.id, parent=loc)
    robot = fleet.new_robot(loc)
    elsewhere = fleet.new_location(tree.org.id)
    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    key = new_key(user.fleet, [role(org_b.id, "owner", "location", sub.id), role(org_b.id, "owner", "robot", robot),
                               role(org_b.id, "operator", "organization", org_b.id)])
    invited = f"invited-{uuid.uuid4().hex[:10]}@example.com"
    user.fleet.call("CreateOrganizationInvite", organization_id=org_b.id, email=invited,
                    authorizations=[role(org_b.id, "owner", "location", sub.id), role(org_b.id, "operator", "robot", robot)])
    assert key.fleet.get_location(sub.id).id == sub.id and key.fleet.get_robot(robot).id == robot

    fleet.call("UpdateLocation", location_id=sub.id, parent_location_id=elsewhere.id)
    fleet.call("UpdateRobot", id=robot, name=fleet.get_robot(robot).name, location=elsewhere.id)
    for check in (lambda: key.fleet.get_location(sub.id), lambda: key.fleet.get_robot(robot),
                  lambda: user.fleet.get_location(sub.id), lambda: user.fleet.get_robot(robot)):
        with denied():
            check()
    assert [a.resource_type for a in user.fleet.call("ListAuthorizations", organization_id=org_b.id).authorizations
            if a.identity_id == key.id] == ["organization"]
    members = user.fleet.call("ListOrganizationMembers", organization_id=org_b.id)
    assert invited not in {invite.email for invite in members.invites}, "its only roles went with the move"
    # moved back under the share, the sub-location is B's to see again (the key as B's operator only)
    fleet.call("UpdateLocation", location_id=sub.id, parent_location_id=loc)
    assert user.fleet.get_location(sub.id).id == sub.id
    with denied():
        key.fleet.call("UpdateLocation", location_id=sub.id, name="renamed")


def test_a_sharee_sees_only_its_own_share(fleet, tree, other):
    """Location.organizations (GetLocation, ListLocations) and GetOrganizationsWithAccessToLocation show
    a sharee the primary organization and the sharee organizations it belongs to, not the location's
    other shares; callers with a role through the primary organization see every share."""
    org_b, user = other
    org_c, org_d = fleet.new_org(), fleet.new_org()
    loc = tree.location.id
    sub = fleet.new_location(tree.org.id, parent=loc)
    for org in (org_b, org_c, org_d):
        fleet.call("ShareLocation", location_id=loc, organization_id=org.id)
    everyone = [(tree.org.id, True), (org_b.id, False), (org_c.id, False), (org_d.id, False)]

    def seen(caller, listed_in):
        with_access = [o.id for o in caller.call("GetOrganizationsWithAccessToLocation", location_id=sub.id).organization_identities]
        listed = [organizations_of(l) for l in caller.locations(listed_in) if l.id == loc]
        return organizations_of(caller.get_location(loc)), listed, sorted(with_access)

    sharee_key = new_key(user.fleet, [role(org_b.id, "owner", "location", loc), role(org_b.id, "operator", "organization", org_b.id)])
    for caller in (user.fleet, sharee_key.fleet):
        mine = [(tree.org.id, True), (org_b.id, False)]
        assert seen(caller, org_b.id) == (mine, [mine], sorted([tree.org.id, org_b.id]))
    # a member of two sharee organizations sees both
    fleet.call("AddRole", authorization=role(org_d.id, "operator", "organization", org_d.id, identity_id=user.id, identity_type="user"))
    mine = [(tree.org.id, True), (org_b.id, False), (org_d.id, False)]
    assert seen(user.fleet, org_b.id) == (mine, [mine], sorted([tree.org.id, org_b.id, org_d.id]))
    # roles through the primary organization, owner or operator, show every share
    primary_owner = new_key(fleet, [role(tree.org.id, "owner", "location", loc)])
    primary_operator = new_key(fleet, [role(tree.org.id, "operator", "location", loc), role(tree.org.id, "operator", "organization", tree.org.id)])
    assert seen(fleet, tree.org.id) == (everyone, [everyone], sorted(o for o, _ in everyone))
    assert organizations_of(primary_owner.fleet.get_location(loc)) == everyone
    assert seen(primary_operator.fleet, tree.org.id) == (everyone, [everyone], sorted(o for o, _ in everyone))


def test_a_sharee_lists_the_shared_locations_sub_locations(fleet, tree, other):
    """ListLocations of a sharee lists what it reaches: its own locations, then the shared ones and
    every location beneath them (once, however many shares reach it), as GetLocation shows them."""
    org_b, user = other
    loc = tree.location.id
    sub = fleet.new_location(tree.org.id, parent=loc)
    subsub = fleet.new_location(tree.org.id, parent=sub.id)
    fleet.new_location(tree.org.id)  # not shared: never listed
    own = fleet.new_location(org_b.id)
    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    fleet.call("ShareLocation", location_id=sub.id, organization_id=org_b.id)

    listed = user.fleet.locations(org_b.id)
    assert [l.id for l in listed] == [own.id, loc, sub.id, subsub.id]
    assert {l.id: l.parent_location_id for l in listed} == {own.id: "", loc: "", sub.id: loc, subsub.id: sub.id}
    for l in listed:
        assert l == user.fleet.get_location(l.id)
    fleet.call("UnshareLocation", location_id=loc, organization_id=org_b.id)
    assert [l.id for l in user.fleet.locations(org_b.id)] == [own.id, sub.id, subsub.id]
    fleet.call("UnshareLocation", location_id=sub.id, organization_id=org_b.id)
    assert [l.id for l in user.fleet.locations(org_b.id)] == [own.id]


def test_a_parent_the_caller_cannot_read_is_left_out(fleet, tree, other):
    """A location whose parent the caller can't read (only a sub-location shared, or a role on just the
    sub-location) comes with an empty parent_location_id, in GetLocation and ListLocations alike: it is a
    root of what the caller sees, and no client building the tree meets a parent it can't find."""
    org_b, user = other
    loc = tree.location.id
    sub = fleet.new_location(tree.org.id, parent=loc)
    subsub = fleet.new_location(tree.org.id, parent=sub.id)
    fleet.call("ShareLocation", location_id=sub.id, organization_id=org_b.id)

    listed = user.fleet.locations(org_b.id)
    assert {l.id: l.parent_location_id for l in listed} == {sub.id: "", subsub.id: sub.id}
    for l in listed:
        assert l == user.fleet.get_location(l.id)
    sub_only = new_key(fleet, [role(tree.org.id, "owner", "location", sub.id)])
    assert sub_only.fleet.get_location(sub.id).parent_location_id == ""
    # callers who read the parent still see it
    assert fleet.get_location(sub.id).parent_location_id == loc
    fleet.call("ShareLocation", location_id=loc, organization_id=org_b.id)
    assert {l.id: l.parent_location_id for l in user.fleet.locations(org_b.id)} == {loc: "", sub.id: loc, subsub.id: sub.id}
    assert user.fleet.get_location(sub.id).parent_location_id == loc


def test_share_twice_already_exists(fleet, tree, other):
    org_b, _ = other
    fleet.call("ShareLocation", location_id=tree.location.id, organization_id=org_b.id)
    with rpc_error(grpc.StatusCode.ALREADY_EXISTS):
        fleet.call("ShareLocation", location_id=tree.location.id, organization_id=org_b.id)
    assert organizations_of(fleet.get_location(tree.location.id)) == [(tree.org.id, True), (org_b.id, False)]


def test_share_with_several_organizations(fleet, tree):
    orgs = [fleet.new_org(), fleet.new_org()]
    for org in orgs:
        fleet.call("ShareLocation", location_id=tree.location.id, organization_id=org.id)
    assert organizations_of(fleet.get_location(tree.location.id)) == [
        (tree.org.id, True), (orgs[0].id, False), (orgs[1].id, False)
    ]
    fleet.call("UnshareLocation", location_id=tree.location.id, organization_id=orgs[0].id)
    assert organizations_of(fleet.get_location(tree.location.id)) == [(tree.org.id, True), (orgs[1].id, False)]


def test_share_with_primary_organization_invalid(fleet, tree):
    with invalid("organization_id") as e:
        fleet.call("ShareLocation", location_id=tree.location.id, organization_id=tree.org.id)
    assert "primary" in e.message
    assert organizations_of(fleet.get_location(tree.location.id)) == [(tree.org.id, True)]


def test_unshare_from_primary_organization_refused(fleet, tree):
    with rpc_error(grpc.StatusCode.FAILED_PRECONDITION) as e:
        fleet.call("UnshareLocation", location_id=tree.location.id, organization_id=tree.org.id)
    assert "primary organization" in e.message
    assert fleet.get_location(tree.location.id).id == tree.location.id


def test_unshare_not_shared_not_found(fleet, tree):
    org_b = fleet.new_org()
    with rpc_error(NOT_FOUND):
        fleet.call("UnshareLocation", location_id=tree.location.id, organization_id=org_b.id)
    with rpc_error(NOT_FOUND):
        fleet.call("UnshareLocation", location_id=tree.location.id, organization_id=UNKNOWN_ORG)
    # shared through the parent only: this location itself is not shared
    sub = fleet.new_location(tree.org.id, parent=tree.location.id)
    fleet.call("ShareLocation", location_id=tree.location.id, organization_id=org_b.id)
    with rpc_error(NOT_FOUND):
        fleet.call("UnshareLocation", location_id=sub.id, organization_id=org_b.id)


def test_share_needs_a_role_in_the_target_organization(fleet, tree, other):
    org_b, user = other
    location_b = user.fleet.new_location(org_b.id)
    # the user owns location_b but has no role in org A (nor in an unknown org): same answer
    with denied() as not_member:
        user.fleet.call("ShareLocation", location_id=location_b.id, organization_id=tree.org.id)
    with denied() as unknown:
        user.fleet.call("ShareLocation", location_id=location_b.id, organization_id=UNKNOWN_ORG)
    assert not_member.message.replace(tree.org.id, "X") == unknown.message.replace(UNKNOWN_ORG, "X")
    assert organizations_of(fleet.get_location(location_b.id)) == [(org_b.id, True)]


def test_share_and_unshare_need_owner_of_the_location(fleet, tree, other):
    org_b, user = other
    with denied():
        user.fleet.call("ShareLocation", location_id=tree.location.id, organization_id=org_b.id)
    with denied():
        user.fleet.call("UnshareLocation", location_id=tree.location.id, organization_id=org_b.id)
    with denied():
        user.fleet.call("ShareLocation", location_id=UNKNOWN_LOCATION, organization_id=org_b.id)
    assert organizations_of(fleet.get_location(tree.location.id)) == [(tree.org.id, True)]


def test_sharing_bad_ids(fleet, tree):
    for method in ("ShareLocation", "UnshareLocation"):
        with invalid("location_id"):
            fleet.call(method, location_id="", organization_id=tree.org.id)
        with invalid("organization_id"):
            fleet.call(method, location_id=tree.location.id, organization_id="")
        with denied():
            fleet.call(method, location_id=UNKNOWN_LOCATION, organization_id=tree.org.id)


def test_deleting_the_sharing_organization_or_the_location_drops_the_share(fleet, other):
    org_b, user = other
    org_a = fleet.new_org()
    location = fleet.new_location(org_a.id)
    fleet.call("ShareLocation", location_id=location.id, organization_id=org_b.id)
    assert user.fleet.get_location(location.id).id == location.id
    fleet.call("DeleteLocation", location_id=location.id)
    with denied():
        user.fleet.get_location(location.id)
    # a share with an organization that is then deleted disappears with it
    org_c = fleet.new_org()
    location2 = fleet.new_location(org_a.id)
    fleet.call("ShareLocation", location_id=location2.id, organization_id=org_c.id)
    fleet.call("DeleteOrganization", organization_id=org_c.id)
    assert organizations_of(fleet.get_location(location2.id)) == [(org_a.id, True)]
