"""Access control through viam-sdk: API keys, roles, users, members, invites, secrets, sharing.

Everything goes through `ViamClient.create_from_dial_options(...).app_client`,
as a user of the SDK would write it. Exceptions:
- RenameKey has no AppClient helper in viam-sdk 0.85.1: it is called with
  `AppServiceStub(app._channel)` and `metadata=app._metadata` (sdk_helpers.stub).
- Machines (robot-secret / robot-location-secret credentials) cannot connect
  with ViamClient.create_from_dial_options (it refuses "robot-secret"), so
  `machine` does what it does inside: `_dial_app` then `_get_access_token`
  (the same path as test_logs.py).

Human users are created with `python -m server user-add` on the running
server's data directory and log in with credentials type "password"
(entity = email), which ViamClient.create_from_dial_options accepts as is.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Optional

from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from sdk_helpers import AppClient, SdkServer, expect_error, server_env, stub, unique
from viam.app.app_client import APIKeyAuthorization
from viam.app.viam_client import ViamClient
from viam.proto.app import (
    APIKeyWithAuthorizations,
    Authorization,
    AuthorizedPermissions,
    RenameKeyRequest,
)
from viam.proto.app.robot import LogRequest, RobotServiceStub
from viam.proto.common import LogEntry as LogEntryPB
from viam.rpc.dial import Credentials, DialOptions, _dial_app, _get_access_token

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"

OPERATOR_PERMISSIONS = [
    "read_organization",
    "read_location",
    "read_robot",
    "read_robot_logs",
    "read_robot_config",
    "control_robot",
]
OWNER_ONLY_PERMISSIONS = [
    "update_organization",
    "update_location",
    "update_robot",
    "update_robot_config",
    "delete_organization",
    "delete_location",
    "delete_robot",
    "manage_keys",
    "manage_roles",
    "manage_members",
]


# --------------------------------------------------------------------------- identities


def new_email() -> str:
    return f"{unique('user')}@example.com"


def add_user(server: SdkServer, email: Optional[str] = None, owner_of: Optional[str] = None) -> tuple[str, str]:
    """`python -m server user-add` on the running server's data directory; returns (user id, email)."""
    email = email or new_email()
    command = [sys.executable, "-m", "server", "user-add", "--data-dir", str(server.process.data_dir), "--email", email]
    if owner_of:
        command += ["--owner-of", owner_of]
    out = subprocess.run(
        command,
        cwd=ROOT,
        env=server_env(server.process.data_dir, {"FLEET_USER_PASSWORD": PASSWORD}),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, f"user-add failed ({out.returncode}): {out.stderr}"
    user_id = out.stdout.strip().splitlines()[-1].strip()
    assert user_id, out.stdout
    return user_id, email


def key_options(key_id: str, key: str) -> DialOptions:
    return DialOptions(credentials=Credentials(type="api-key", payload=key), auth_entity=key_id, insecure=True)


def password_options(email: str, password: str = PASSWORD) -> DialOptions:
    return DialOptions(credentials=Credentials(type="password", payload=password), auth_entity=email, insecure=True)


@asynccontextmanager
async def connect(server: SdkServer, options: DialOptions) -> AsyncIterator[AppClient]:
    client = await ViamClient.create_from_dial_options(options, app_url=server.address)
    try:
        yield client.app_client
    finally:
        client.close()


async def connect_fails(server: SdkServer, options: DialOptions) -> GRPCError:
    """ViamClient.create_from_dial_options must raise UNAUTHENTICATED."""
    return await expect_error(Status.UNAUTHENTICATED, ViamClient.create_from_dial_options(options, app_url=server.address))


@asynccontextmanager
async def machine(server: SdkServer, part_id: str, secret: str, kind: str = "robot-secret") -> AsyncIterator[tuple[Channel, dict[str, str]]]:
    """A machine's channel and metadata, authenticated the way ViamClient does internally."""
    options = DialOptions(credentials=Credentials(type=kind, payload=secret), auth_entity=part_id, insecure=True)
    channel = await _dial_app(server.address, DialOptions(insecure=True))
    try:
        token = await _get_access_token(channel, part_id, options)
        yield channel, {"authorization": f"Bearer {token}"}
    finally:
        channel.close()


async def machine_auth_fails(server: SdkServer, part_id: str, secret: str, kind: str = "robot-secret") -> None:
    options = DialOptions(credentials=Credentials(type=kind, payload=secret), auth_entity=part_id, insecure=True)
    channel = await _dial_app(server.address, DialOptions(insecure=True))
    try:
        await expect_error(Status.UNAUTHENTICATED, _get_access_token(channel, part_id, options))
    finally:
        channel.close()


async def machine_log(channel: Channel, metadata: dict[str, str], part_id: str, message: str) -> None:
    await RobotServiceStub(channel).Log(LogRequest(id=part_id, logs=[LogEntryPB(message=message, level="info")]), metadata=metadata)


# --------------------------------------------------------------------------- shapes


def auth(org_id: str, role: str, resource_type: str, resource_id: str, identity_id: str = "") -> Authorization:
    """An Authorization as the SDK docs build them (for invites)."""
    return Authorization(
        authorization_type="role",
        authorization_id=f"{resource_type}_{role}",
        resource_type=resource_type,
        resource_id=resource_id,
        identity_id=identity_id,
        identity_type="",
        organization_id=org_id,
    )


def key_roles(key: APIKeyWithAuthorizations) -> set[tuple[str, str, str, str]]:
    return {(a.authorization_id, a.resource_type, a.resource_id, a.org_id) for a in key.authorizations}


def find_key(keys: list[APIKeyWithAuthorizations], key_id: str) -> Optional[APIKeyWithAuthorizations]:
    found = [k for k in keys if k.api_key.id == key_id]
    assert len(found) <= 1, f"key {key_id} listed {len(found)} times"
    return found[0] if found else None


def roles_of(authorizations: list[Authorization], identity_id: str) -> set[tuple[str, str, str]]:
    return {(a.authorization_id, a.resource_type, a.resource_id) for a in authorizations if a.identity_id == identity_id}


def invite_roles(invite) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {(a.authorization_id, a.resource_type, a.resource_id) for a in invite.authorizations}


def granted(permissions: list[AuthorizedPermissions]) -> dict[tuple[str, str], list[str]]:
    return {(p.resource_type, p.resource_id): list(p.permissions) for p in permissions}


async def new_machine(app: AppClient, location_id: str) -> tuple[str, str, str]:
    """(robot id, main part id, part secret)."""
    robot_id = await app.new_robot(unique("robot"), location_id)
    (part,) = await app.get_robot_parts(robot_id)
    secret = (await app.get_robot_part(part.id)).secret
    assert secret, "owners see the part secret"
    return robot_id, part.id, secret


# =========================================================================== API keys


def test_create_key_list_keys_and_connect(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        robot_id = await app.new_robot(unique("robot"), loc.id)
        name = unique("key")
        key, key_id = await app.create_key(org_id, [APIKeyAuthorization("owner", "organization", org_id)], name)
        assert key and key_id and key != key_id

        # connecting with the new key works, and it owns the organization
        async with connect(sdk_server, key_options(key_id, key)) as as_key:
            assert (await as_key.get_organization(org_id)).id == org_id
            assert org_id in {o.id for o in await as_key.list_organizations()}
            assert (await as_key.get_location(loc.id)).id == loc.id
            new_loc = await as_key.create_location(org_id, unique("by-key"))
            assert new_loc.id

        multi_key, multi_id = await app.create_key(
            org_id,
            [APIKeyAuthorization("operator", "location", loc.id), APIKeyAuthorization("owner", "robot", robot_id)],
            unique("multi"),
        )
        keys = await app.list_keys(org_id)
        listed = find_key(keys, key_id)
        assert listed is not None, "list_keys lists the new key"
        assert listed.api_key.name == name
        assert listed.api_key.key == "", "this server keeps only a hash: list_keys never shows the secret"
        assert listed.api_key.HasField("created_on")
        assert key_roles(listed) == {("organization_owner", "organization", org_id, org_id)}
        multi = find_key(keys, multi_id)
        assert multi is not None and multi.api_key.key == ""
        assert key_roles(multi) == {
            ("location_operator", "location", loc.id, org_id),
            ("robot_owner", "robot", robot_id, org_id),
        }
        for a in multi.authorizations:
            assert a.authorization_type == "role"
        assert multi_key not in {k.api_key.key for k in keys}

        # a key with no name gets one (the SDK sends the current time as the name when None)
        _, unnamed_id = await app.create_key(org_id, [APIKeyAuthorization("operator", "organization", org_id)])
        unnamed = find_key(await app.list_keys(org_id), unnamed_id)
        assert unnamed is not None and unnamed.api_key.name

    sdk_server.run(body)


def test_create_key_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        other_org = (await app.create_organization(unique("other"))).id
        other_loc = await app.create_location(other_org, unique("loc"))
        before = {k.api_key.id for k in await app.list_keys(org_id)}

        await expect_error(Status.INVALID_ARGUMENT, app.create_key(org_id, [], unique("k")), "authorizations")
        await expect_error(
            Status.INVALID_ARGUMENT,
            app.create_key(org_id, [APIKeyAuthorization("admin", "organization", org_id)], unique("k")),  # type: ignore[arg-type]
            "authorizations",
        )
        await expect_error(
            Status.INVALID_ARGUMENT,
            app.create_key(org_id, [APIKeyAuthorization("owner", "galaxy", org_id)], unique("k")),  # type: ignore[arg-type]
            "authorizations",
        )
        # a location of another organization, in a key of this one
        await expect_error(
            Status.INVALID_ARGUMENT,
            app.create_key(org_id, [APIKeyAuthorization("operator", "location", other_loc.id)], unique("k")),
            "authorizations",
        )
        # the same role twice
        twice = [APIKeyAuthorization("operator", "organization", org_id)] * 2
        await expect_error(Status.INVALID_ARGUMENT, app.create_key(org_id, twice, unique("k")), "authorizations")
        # nothing was created
        assert {k.api_key.id for k in await app.list_keys(org_id)} == before

        # a caller can only grant what it owns
        op_key, op_id = await app.create_key(org_id, [APIKeyAuthorization("operator", "organization", org_id)], unique("op"))
        async with connect(sdk_server, key_options(op_id, op_key)) as as_operator:
            await expect_error(
                Status.PERMISSION_DENIED,
                as_operator.create_key(org_id, [APIKeyAuthorization("operator", "organization", org_id)], unique("k")),
            )
            await expect_error(Status.PERMISSION_DENIED, as_operator.list_keys(org_id))
            await expect_error(Status.PERMISSION_DENIED, as_operator.create_key_from_existing_key_authorizations(op_id))
            await expect_error(Status.PERMISSION_DENIED, as_operator.rotate_key(op_id))
            await expect_error(Status.PERMISSION_DENIED, as_operator.delete_key(op_id))

    sdk_server.run(body)


def test_rotate_key(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        old_key, key_id = await app.create_key(org_id, [APIKeyAuthorization("owner", "organization", org_id)], unique("rot"))
        old_client = await ViamClient.create_from_dial_options(key_options(key_id, old_key), app_url=sdk_server.address)
        try:
            assert (await old_client.app_client.get_organization(org_id)).id == org_id

            new_key, same_id = await app.rotate_key(key_id)
            assert same_id == key_id, "rotate_key keeps the key id"
            assert new_key and new_key != old_key

            # connecting with the OLD key fails, with the NEW key works
            await connect_fails(sdk_server, key_options(key_id, old_key))
            async with connect(sdk_server, key_options(key_id, new_key)) as as_new:
                assert (await as_new.get_organization(org_id)).id == org_id

            # README: the old secret and every token issued for it stop at once
            await expect_error(Status.UNAUTHENTICATED, old_client.app_client.get_organization(org_id))
        finally:
            old_client.close()

        # still the same key, same roles, no secret shown
        listed = find_key(await app.list_keys(org_id), key_id)
        assert listed is not None and listed.api_key.key == ""
        assert key_roles(listed) == {("organization_owner", "organization", org_id, org_id)}
        await expect_error(Status.PERMISSION_DENIED, app.rotate_key("no-such-key-id"))

    sdk_server.run(body)


def test_delete_key(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        key, key_id = await app.create_key(org_id, [APIKeyAuthorization("operator", "organization", org_id)], unique("del"))
        client = await ViamClient.create_from_dial_options(key_options(key_id, key), app_url=sdk_server.address)
        try:
            assert (await client.app_client.get_organization(org_id)).id == org_id
            await app.delete_key(key_id)
            # a deleted key can't connect, and its tokens stop at once
            await connect_fails(sdk_server, key_options(key_id, key))
            await expect_error(Status.UNAUTHENTICATED, client.app_client.get_organization(org_id))
        finally:
            client.close()
        assert find_key(await app.list_keys(org_id), key_id) is None
        assert roles_of(await app.list_authorizations(org_id), key_id) == set(), "the key's roles went with it"
        # unknown (already deleted) key: the same PERMISSION_DENIED as a key the caller doesn't own
        await expect_error(Status.PERMISSION_DENIED, app.delete_key(key_id))

    sdk_server.run(body)


def test_rename_key(sdk_server: SdkServer, org_id: str) -> None:
    """RenameKey: no AppClient helper in viam-sdk 0.85.1, so through AppServiceStub on the SDK's channel."""

    async def body(app: AppClient) -> None:
        key, key_id = await app.create_key(org_id, [APIKeyAuthorization("operator", "organization", org_id)], unique("old"))
        new_name = unique("renamed")
        response = await stub(app).RenameKey(RenameKeyRequest(id=key_id, name=f"  {new_name} "), metadata=app._metadata)
        assert response.id == key_id
        assert response.name == new_name
        listed = find_key(await app.list_keys(org_id), key_id)
        assert listed is not None and listed.api_key.name == new_name
        # the secret did not change
        async with connect(sdk_server, key_options(key_id, key)) as as_key:
            assert (await as_key.get_organization(org_id)).id == org_id

        await expect_error(
            Status.INVALID_ARGUMENT, stub(app).RenameKey(RenameKeyRequest(id=key_id, name="  "), metadata=app._metadata), "name"
        )
        await expect_error(
            Status.PERMISSION_DENIED, stub(app).RenameKey(RenameKeyRequest(id="no-such-key", name="x"), metadata=app._metadata)
        )
        listed = find_key(await app.list_keys(org_id), key_id)
        assert listed is not None and listed.api_key.name == new_name

    sdk_server.run(body)


def test_create_key_from_existing_key_authorizations(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        other = await app.create_location(org_id, unique("other"))
        robot_id = await app.new_robot(unique("robot"), loc.id)
        _, source_id = await app.create_key(
            org_id,
            [APIKeyAuthorization("operator", "location", loc.id), APIKeyAuthorization("owner", "robot", robot_id)],
            unique("src"),
        )
        copy_key, copy_id = await app.create_key_from_existing_key_authorizations(source_id)
        assert copy_id and copy_id != source_id
        assert copy_key

        keys = await app.list_keys(org_id)
        source, copy = find_key(keys, source_id), find_key(keys, copy_id)
        assert source is not None and copy is not None
        assert key_roles(copy) == key_roles(source) == {
            ("location_operator", "location", loc.id, org_id),
            ("robot_owner", "robot", robot_id, org_id),
        }
        assert copy.api_key.key == ""

        # the copy authenticates and has exactly those roles
        async with connect(sdk_server, key_options(copy_id, copy_key)) as as_copy:
            assert (await as_copy.get_location(loc.id)).id == loc.id
            assert (await as_copy.get_robot(robot_id)).id == robot_id
            await expect_error(Status.PERMISSION_DENIED, as_copy.get_location(other.id))
        await expect_error(Status.PERMISSION_DENIED, app.create_key_from_existing_key_authorizations("no-such-key"))

    sdk_server.run(body)


def test_get_robot_api_keys(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        sub = await app.create_location(org_id, unique("sub"), parent_location_id=loc.id)
        elsewhere = await app.create_location(org_id, unique("elsewhere"))
        robot_id = await app.new_robot(unique("robot"), sub.id)
        other_robot = await app.new_robot(unique("robot"), sub.id)

        _, on_robot = await app.create_key(org_id, [APIKeyAuthorization("operator", "robot", robot_id)], unique("a"))
        _, on_parent_loc = await app.create_key(
            org_id,
            [APIKeyAuthorization("owner", "location", loc.id), APIKeyAuthorization("operator", "location", elsewhere.id)],
            unique("b"),
        )
        _, on_org = await app.create_key(org_id, [APIKeyAuthorization("operator", "organization", org_id)], unique("c"))
        _, not_reaching = await app.create_key(
            org_id,
            [APIKeyAuthorization("owner", "location", elsewhere.id), APIKeyAuthorization("owner", "robot", other_robot)],
            unique("d"),
        )

        keys = await app.get_robot_api_keys(robot_id)
        ids = [k.api_key.id for k in keys]
        assert len(ids) == len(set(ids)), f"a key listed twice: {ids}"
        assert not_reaching not in ids
        for key_id in (on_robot, on_parent_loc, on_org, sdk_server.boot.api_key_id):
            assert key_id in ids, f"key {key_id} reaches the machine but is not listed"
        by_id = {k.api_key.id: k for k in keys}
        assert key_roles(by_id[on_robot]) == {("robot_operator", "robot", robot_id, org_id)}
        # only the roles that reach the machine (not the one on `elsewhere`)
        assert key_roles(by_id[on_parent_loc]) == {("location_owner", "location", loc.id, org_id)}
        assert key_roles(by_id[on_org]) == {("organization_operator", "organization", org_id, org_id)}
        for k in keys:
            assert k.api_key.key == "", "get_robot_api_keys never shows secrets"
            assert k.api_key.name

        await expect_error(Status.PERMISSION_DENIED, app.get_robot_api_keys("00000000-0000-4000-8000-000000000000"))

    sdk_server.run(body)


# =========================================================================== roles


def test_location_operator_key_reads_its_location_only(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        mine = await app.create_location(org_id, unique("mine"))
        other = await app.create_location(org_id, unique("other"))
        robot_id, part_id, _ = await new_machine(app, mine.id)
        other_robot, _, _ = await new_machine(app, other.id)
        key, key_id = await app.create_key(org_id, [APIKeyAuthorization("operator", "location", mine.id)], unique("op"))

        async with connect(sdk_server, key_options(key_id, key)) as op:
            # reads of the location and what is in it
            assert (await op.get_location(mine.id)).id == mine.id
            assert [r.id for r in await op.list_robots(mine.id)] == [robot_id]
            assert (await op.get_robot(robot_id)).id == robot_id
            assert [p.id for p in await op.get_robot_parts(robot_id)] == [part_id]
            assert (await op.get_robot_part(part_id)).secret == "", "operators don't see part secrets"
            # writes: PERMISSION_DENIED
            await expect_error(Status.PERMISSION_DENIED, op.update_location(mine.id, name=unique("renamed")))
            await expect_error(Status.PERMISSION_DENIED, op.new_robot(unique("robot"), mine.id))
            await expect_error(Status.PERMISSION_DENIED, op.delete_robot(robot_id))
            await expect_error(Status.PERMISSION_DENIED, op.location_auth(mine.id))
            await expect_error(Status.PERMISSION_DENIED, op.create_location_secret(mine.id))
            await expect_error(Status.PERMISSION_DENIED, op.create_robot_part_secret(part_id))
            await expect_error(Status.PERMISSION_DENIED, op.get_robot_api_keys(robot_id))
            await expect_error(
                Status.PERMISSION_DENIED, op.add_role(org_id, key_id, "owner", "location", mine.id)
            )
            # the other location and its machines: PERMISSION_DENIED
            await expect_error(Status.PERMISSION_DENIED, op.get_location(other.id))
            await expect_error(Status.PERMISSION_DENIED, op.list_robots(other.id))
            await expect_error(Status.PERMISSION_DENIED, op.get_robot(other_robot))
            # and the organization itself
            await expect_error(Status.PERMISSION_DENIED, op.list_authorizations(org_id))
            await expect_error(Status.PERMISSION_DENIED, op.update_organization(org_id, name=unique("org")))

            # CheckPermissions: only what the caller holds; unknown permissions and resources dropped
            asked = OPERATOR_PERMISSIONS + OWNER_ONLY_PERMISSIONS + ["no_such_permission"]
            got = granted(
                await op.check_permissions(
                    [
                        AuthorizedPermissions(resource_type="location", resource_id=mine.id, permissions=asked),
                        AuthorizedPermissions(resource_type="robot", resource_id=robot_id, permissions=["read_robot", "update_robot"]),
                        AuthorizedPermissions(resource_type="location", resource_id=other.id, permissions=asked),
                        AuthorizedPermissions(resource_type="organization", resource_id=org_id, permissions=["update_organization"]),
                        AuthorizedPermissions(resource_type="robot", resource_id=other_robot, permissions=["read_robot"]),
                        AuthorizedPermissions(resource_type="location", resource_id="zz9zz9zz9z", permissions=["read_location"]),
                    ]
                )
            )
            assert got == {
                ("location", mine.id): OPERATOR_PERMISSIONS,
                ("robot", robot_id): ["read_robot"],
            }, got
        # nothing changed
        assert (await app.get_location(mine.id)).name == mine.name
        assert [r.id for r in await app.list_robots(mine.id)] == [robot_id]

    sdk_server.run(body)


def test_check_permissions_as_owner(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        asked = OPERATOR_PERMISSIONS + OWNER_ONLY_PERMISSIONS + ["fly"]
        got = granted(
            await app.check_permissions(
                [
                    AuthorizedPermissions(resource_type="organization", resource_id=org_id, permissions=asked),
                    AuthorizedPermissions(resource_type="location", resource_id=loc.id, permissions=["delete_location", "read_location"]),
                    AuthorizedPermissions(resource_type="galaxy", resource_id=org_id, permissions=["read_organization"]),
                ]
            )
        )
        assert got == {
            ("organization", org_id): OPERATOR_PERMISSIONS + OWNER_ONLY_PERMISSIONS,
            ("location", loc.id): ["delete_location", "read_location"],
        }, got
        await expect_error(Status.INVALID_ARGUMENT, app.check_permissions([]), "permissions")

    sdk_server.run(body)


def test_add_change_remove_role_and_list_authorizations(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        other = await app.create_location(org_id, unique("other"))
        robot_id = await app.new_robot(unique("robot"), other.id)
        user_id, email = add_user(sdk_server)

        # a user with no role sees nothing
        async with connect(sdk_server, password_options(email)) as user:
            await expect_error(Status.PERMISSION_DENIED, user.get_location(loc.id))

            await app.add_role(org_id, user_id, "operator", "location", loc.id)
            everything = await app.list_authorizations(org_id)
            assert roles_of(everything, user_id) == {("location_operator", "location", loc.id)}
            (row,) = [a for a in everything if a.identity_id == user_id]
            assert row.authorization_type == "role"
            assert row.identity_type == "user"
            assert row.organization_id == org_id
            # the bootstrap key's owner role is listed too
            assert ("organization_owner", "organization", org_id) in roles_of(everything, sdk_server.boot.api_key_id)

            # with resource_ids: only roles on those resources
            on_loc = await app.list_authorizations(org_id, resource_ids=[loc.id])
            assert {(a.identity_id, a.authorization_id) for a in on_loc} == {(user_id, "location_operator")}
            assert await app.list_authorizations(org_id, resource_ids=[robot_id]) == []

            # roles are checked on every call: the open client sees the location now, can't write it
            assert (await user.get_location(loc.id)).id == loc.id
            await expect_error(Status.PERMISSION_DENIED, user.update_location(loc.id, name=unique("x")))

            # duplicates, bad input: clear errors, nothing changed
            await expect_error(Status.ALREADY_EXISTS, app.add_role(org_id, user_id, "operator", "location", loc.id))
            await expect_error(
                Status.INVALID_ARGUMENT,
                app.add_role(org_id, user_id, "admin", "location", loc.id),  # type: ignore[arg-type]
                "authorization",
            )
            await expect_error(
                Status.INVALID_ARGUMENT,
                app.add_role(org_id, user_id, "owner", "galaxy", loc.id),  # type: ignore[arg-type]
                "authorization",
            )
            await expect_error(
                Status.INVALID_ARGUMENT,
                app.add_role(org_id, "00000000-0000-4000-8000-000000000000", "owner", "location", loc.id),
                "authorization",
            )
            await expect_error(Status.PERMISSION_DENIED, app.add_role(org_id, user_id, "owner", "location", "zz9zz9zz9z"))

            # change_role: operator on the location -> owner of the robot elsewhere
            await app.change_role(
                org_id, user_id, "operator", "location", loc.id, user_id, "owner", "robot", robot_id
            )
            assert roles_of(await app.list_authorizations(org_id), user_id) == {("robot_owner", "robot", robot_id)}
            await expect_error(Status.PERMISSION_DENIED, user.get_location(loc.id))
            assert (await user.get_robot(robot_id)).id == robot_id
            await user.update_robot(robot_id, unique("renamed-by-user"))
            # the old role is gone: changing it again is NOT_FOUND
            await expect_error(
                Status.NOT_FOUND,
                app.change_role(org_id, user_id, "operator", "location", loc.id, user_id, "owner", "location", loc.id),
            )

            # an API key of the organization can hold roles too
            _, key_id = await app.create_key(org_id, [APIKeyAuthorization("operator", "location", other.id)], unique("k"))
            await app.add_role(org_id, key_id, "owner", "location", loc.id)
            assert roles_of(await app.list_authorizations(org_id), key_id) == {
                ("location_operator", "location", other.id),
                ("location_owner", "location", loc.id),
            }
            listed = find_key(await app.list_keys(org_id), key_id)
            assert listed is not None and ("location_owner", "location", loc.id, org_id) in key_roles(listed)

            # remove_role
            await app.remove_role(org_id, user_id, "owner", "robot", robot_id)
            assert roles_of(await app.list_authorizations(org_id), user_id) == set()
            await expect_error(Status.PERMISSION_DENIED, user.get_robot(robot_id))
            await expect_error(Status.NOT_FOUND, app.remove_role(org_id, user_id, "owner", "robot", robot_id))
            await app.remove_role(org_id, key_id, "owner", "location", loc.id)
            assert roles_of(await app.list_authorizations(org_id), key_id) == {("location_operator", "location", other.id)}

            # a user can't grant itself anything
            await expect_error(Status.PERMISSION_DENIED, user.add_role(org_id, user_id, "owner", "organization", org_id))

    sdk_server.run(body)


def test_last_owner_protection(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        boot_id = sdk_server.boot.api_key_id
        # the bootstrap key is the only owner of the fresh organization
        owners = [a for a in await app.list_authorizations(org_id) if a.authorization_id == "organization_owner"]
        assert [a.identity_id for a in owners] == [boot_id]

        err = await expect_error(
            Status.FAILED_PRECONDITION, app.remove_role(org_id, boot_id, "owner", "organization", org_id)
        )
        assert "owner" in err.message
        await expect_error(
            Status.FAILED_PRECONDITION,
            app.change_role(org_id, boot_id, "owner", "organization", org_id, boot_id, "operator", "organization", org_id),
        )
        # nothing changed
        assert ("organization_owner", "organization", org_id) in roles_of(await app.list_authorizations(org_id), boot_id)

        # with a second owner, the first one may go; then the second is the last one
        key, key_id = await app.create_key(org_id, [APIKeyAuthorization("owner", "organization", org_id)], unique("owner2"))
        await app.remove_role(org_id, boot_id, "owner", "organization", org_id)
        await expect_error(Status.PERMISSION_DENIED, app.list_authorizations(org_id))
        async with connect(sdk_server, key_options(key_id, key)) as owner:
            owners = [a for a in await owner.list_authorizations(org_id) if a.authorization_id == "organization_owner"]
            assert [a.identity_id for a in owners] == [key_id]
            await expect_error(Status.FAILED_PRECONDITION, owner.remove_role(org_id, key_id, "owner", "organization", org_id))
            await expect_error(Status.FAILED_PRECONDITION, owner.delete_key(key_id))
            await expect_error(
                Status.FAILED_PRECONDITION,
                owner.change_role(org_id, key_id, "owner", "organization", org_id, key_id, "operator", "organization", org_id),
            )
            # nothing changed: the key still owns the organization
            assert (await owner.get_organization(org_id)).id == org_id
            owners = [a for a in await owner.list_authorizations(org_id) if a.authorization_id == "organization_owner"]
            assert [a.identity_id for a in owners] == [key_id]

    sdk_server.run(body)


# =========================================================================== users and members


def test_users_members_and_password_login(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        org_name = (await app.get_organization(org_id)).name
        user_id, email = add_user(sdk_server, owner_of=org_id)

        assert await app.get_user_id_by_email(email) == user_id
        assert await app.get_user_id_by_email(email.upper()) == user_id
        await expect_error(Status.NOT_FOUND, app.get_user_id_by_email(new_email()))

        orgs = await app.list_organizations_by_user(user_id)
        assert [(o.org_id, o.org_name) for o in orgs if o.org_id == org_id] == [(org_id, org_name)]
        assert await app.list_organizations_by_user("00000000-0000-4000-8000-000000000000") == []

        members, invites = await app.list_organization_members(org_id)
        (member,) = [m for m in members if m.user_id == user_id]
        assert list(member.emails) == [email]
        assert member.HasField("date_added")
        assert all(i.email != email for i in invites)

        # wrong password and unknown email fail alike
        wrong = await connect_fails(sdk_server, password_options(email, "not-the-password"))
        unknown = await connect_fails(sdk_server, password_options(new_email()))
        assert wrong.message == unknown.message

        # the user logs in with the SDK (credentials type "password", entity = email) and owns the organization
        async with connect(sdk_server, password_options(email)) as user:
            assert org_id in {o.id for o in await user.list_organizations()}
            assert (await user.get_organization(org_id)).id == org_id
            loc = await user.create_location(org_id, unique("by-user"))
            assert loc.id
            assert org_id in {o.org_id for o in await user.list_organizations_by_user(user_id)}
            assert await user.get_user_id_by_email(email) == user_id

            members, _ = await app.list_organization_members(org_id)
            (member,) = [m for m in members if m.user_id == user_id]
            assert member.HasField("last_login"), "a password login is recorded"

            # delete_organization_member: the user's roles in the organization are gone at once
            await app.delete_organization_member(org_id, user_id)
            members, _ = await app.list_organization_members(org_id)
            assert user_id not in {m.user_id for m in members}
            await expect_error(Status.PERMISSION_DENIED, user.get_organization(org_id))
            await expect_error(Status.PERMISSION_DENIED, user.get_location(loc.id))
            assert org_id not in {o.org_id for o in await app.list_organizations_by_user(user_id)}
        await expect_error(Status.NOT_FOUND, app.delete_organization_member(org_id, user_id))

    sdk_server.run(body)


def test_member_last_owner_and_non_owner_lookups(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        user_id, email = add_user(sdk_server)
        async with connect(sdk_server, password_options(email)) as user:
            # a user owning no organization can't look users up
            await expect_error(Status.PERMISSION_DENIED, user.get_user_id_by_email(email))
            own_org = (await user.create_organization(unique("users-org"))).id
            members, invites = await user.list_organization_members(own_org)
            assert [m.user_id for m in members] == [user_id] and invites == []
            # the user is the organization's only owner: it can't be removed
            await expect_error(Status.FAILED_PRECONDITION, user.delete_organization_member(own_org, user_id))
            await expect_error(
                Status.FAILED_PRECONDITION, user.remove_role(own_org, user_id, "owner", "organization", own_org)
            )
            assert [m.user_id for m in (await user.list_organization_members(own_org))[0]] == [user_id]
            # the bootstrap key has no role there
            await expect_error(Status.PERMISSION_DENIED, app.list_organization_members(own_org))
            await expect_error(Status.PERMISSION_DENIED, app.delete_organization_member(own_org, user_id))
            assert own_org not in {o.org_id for o in await app.list_organizations_by_user(user_id)}
            assert own_org in {o.org_id for o in await user.list_organizations_by_user(user_id)}

    sdk_server.run(body)


def test_invite_flow(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("invited"))
        other = await app.create_location(org_id, unique("other"))
        robot_id = await app.new_robot(unique("robot"), other.id)
        email = new_email()

        invite = await app.create_organization_invite(
            org_id, email, [auth(org_id, "operator", "location", loc.id)], send_email_invite=False
        )
        assert invite.organization_id == org_id
        assert invite.email == email
        assert invite.HasField("created_on")
        assert invite_roles(invite) == {("location_operator", "location", loc.id)}
        for a in invite.authorizations:
            assert a.organization_id == org_id and a.authorization_type == "role"

        _, invites = await app.list_organization_members(org_id)
        assert [i.email for i in invites if i.email == email] == [email]

        resent = await app.resend_organization_invite(org_id, email)
        assert resent.email == email and invite_roles(resent) == invite_roles(invite)

        await expect_error(
            Status.ALREADY_EXISTS,
            app.create_organization_invite(org_id, email, [auth(org_id, "owner", "organization", org_id)], send_email_invite=False),
        )

        # update: add a role, then remove it again
        updated = await app.update_organization_invite_authorizations(
            org_id, email, add_authorizations=[auth(org_id, "operator", "robot", robot_id)]
        )
        assert invite_roles(updated) == {("location_operator", "location", loc.id), ("robot_operator", "robot", robot_id)}
        updated = await app.update_organization_invite_authorizations(
            org_id, email, remove_authorizations=[auth(org_id, "operator", "robot", robot_id)]
        )
        assert invite_roles(updated) == {("location_operator", "location", loc.id)}
        # an invite keeps at least one role; removing one it lacks is an error
        await expect_error(
            Status.FAILED_PRECONDITION,
            app.update_organization_invite_authorizations(
                org_id, email, remove_authorizations=[auth(org_id, "operator", "location", loc.id)]
            ),
        )
        await expect_error(
            Status.INVALID_ARGUMENT,
            app.update_organization_invite_authorizations(
                org_id, email, remove_authorizations=[auth(org_id, "owner", "organization", org_id)]
            ),
            "remove_authorizations",
        )
        assert invite_roles(await app.resend_organization_invite(org_id, email)) == {("location_operator", "location", loc.id)}

        # the invited person gets an account and logs in: the invite's role is granted
        user_id, _ = add_user(sdk_server, email=email)
        async with connect(sdk_server, password_options(email)) as user:
            assert (await user.get_location(loc.id)).id == loc.id
            assert (await user.list_robots(loc.id)) == []
            await expect_error(Status.PERMISSION_DENIED, user.update_location(loc.id, name=unique("x")))
            await expect_error(Status.PERMISSION_DENIED, user.get_location(other.id))
            await expect_error(Status.PERMISSION_DENIED, user.get_robot(robot_id))
        members, invites = await app.list_organization_members(org_id)
        assert user_id in {m.user_id for m in members}
        assert email not in {i.email for i in invites}, "the invite is used up at login"
        assert roles_of(await app.list_authorizations(org_id), user_id) == {("location_operator", "location", loc.id)}
        await expect_error(Status.NOT_FOUND, app.resend_organization_invite(org_id, email))

    sdk_server.run(body)


def test_invite_defaults_delete_and_invalid(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        email = new_email()
        # no authorizations: the invitee becomes an owner of the organization
        invite = await app.create_organization_invite(org_id, email, send_email_invite=False)
        assert invite_roles(invite) == {("organization_owner", "organization", org_id)}

        await app.delete_organization_invite(org_id, email)
        _, invites = await app.list_organization_members(org_id)
        assert email not in {i.email for i in invites}
        await expect_error(Status.NOT_FOUND, app.delete_organization_invite(org_id, email))
        await expect_error(Status.NOT_FOUND, app.resend_organization_invite(org_id, email))
        await expect_error(
            Status.NOT_FOUND,
            app.update_organization_invite_authorizations(
                org_id, email, add_authorizations=[auth(org_id, "operator", "organization", org_id)]
            ),
        )

        # a deleted invite grants nothing
        user_id, _ = add_user(sdk_server, email=email)
        async with connect(sdk_server, password_options(email)) as user:
            await expect_error(Status.PERMISSION_DENIED, user.get_organization(org_id))
        assert user_id not in {m.user_id for m in (await app.list_organization_members(org_id))[0]}

        await expect_error(
            Status.INVALID_ARGUMENT, app.create_organization_invite(org_id, "not an email", send_email_invite=False), "email"
        )
        other_org = (await app.create_organization(unique("other"))).id
        other_loc = await app.create_location(other_org, unique("loc"))
        await expect_error(
            Status.INVALID_ARGUMENT,
            app.create_organization_invite(
                org_id, new_email(), [auth(org_id, "operator", "location", other_loc.id)], send_email_invite=False
            ),
            "authorizations",
        )
        _, invites = await app.list_organization_members(org_id)
        assert invites == []

    sdk_server.run(body)


# =========================================================================== secrets


def test_location_secrets(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        _, part_id, _ = await new_machine(app, loc.id)

        before = await app.location_auth(loc.id)
        assert before.location_id == loc.id
        before_ids = [s.id for s in before.secrets]

        created = await app.create_location_secret(loc.id)
        assert created.location_id == loc.id
        assert [s.id for s in created.secrets][: len(before_ids)] == before_ids
        assert len(created.secrets) == len(before_ids) + 1
        new_secret = created.secrets[-1]
        assert new_secret.id and new_secret.secret and new_secret.HasField("created_on")
        assert [s.id for s in (await app.location_auth(loc.id)).secrets] == [s.id for s in created.secrets]

        # a machine of the location authenticates with the location secret
        async with machine(sdk_server, part_id, new_secret.secret, "robot-location-secret") as (channel, metadata):
            await machine_log(channel, metadata, part_id, "via location secret")
            await app.delete_location_secret(new_secret.id, loc.id)
            # deleting the secret stops its tokens at once, and it no longer authenticates
            await expect_error(Status.UNAUTHENTICATED, machine_log(channel, metadata, part_id, "after delete"))
        await machine_auth_fails(sdk_server, part_id, new_secret.secret, "robot-location-secret")
        assert [s.id for s in (await app.location_auth(loc.id)).secrets] == before_ids
        assert [e.message for e in await app.get_robot_part_logs(part_id)] == ["via location secret"]

        await expect_error(Status.NOT_FOUND, app.delete_location_secret(new_secret.id, loc.id))
        # a location may lose its last secret
        for s in before_ids:
            await app.delete_location_secret(s, loc.id)
        assert list((await app.location_auth(loc.id)).secrets) == []
        await expect_error(Status.PERMISSION_DENIED, app.location_auth("zz9zz9zz9z"))

    sdk_server.run(body)


def test_robot_part_secrets(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        _, part_id, first_secret = await new_machine(app, loc.id)
        (first,) = (await app.get_robot_part(part_id)).secrets or []
        assert first.secret == first_secret

        part = await app.create_robot_part_secret(part_id)
        assert part.id == part_id
        assert [s.id for s in part.secrets or []][0] == first.id
        assert len(part.secrets or []) == 2
        second = (part.secrets or [])[-1]
        assert second.secret and second.secret != first_secret

        # both secrets authenticate; deleting one stops it and its tokens at once
        async with machine(sdk_server, part_id, second.secret) as (channel, metadata):
            await machine_log(channel, metadata, part_id, "with the second secret")
        async with machine(sdk_server, part_id, first_secret) as (channel, metadata):
            await machine_log(channel, metadata, part_id, "with the first secret")
            await app.delete_robot_part_secret(part_id, first.id)
            await expect_error(Status.UNAUTHENTICATED, machine_log(channel, metadata, part_id, "after delete"))
        await machine_auth_fails(sdk_server, part_id, first_secret)
        async with machine(sdk_server, part_id, second.secret) as (channel, metadata):
            await machine_log(channel, metadata, part_id, "still works")

        remaining = (await app.get_robot_part(part_id)).secrets or []
        assert [s.id for s in remaining] == [second.id]
        # never the last one
        await expect_error(Status.FAILED_PRECONDITION, app.delete_robot_part_secret(part_id, second.id))
        await expect_error(Status.NOT_FOUND, app.delete_robot_part_secret(part_id, first.id))
        assert [s.id for s in (await app.get_robot_part(part_id)).secrets or []] == [second.id]
        await expect_error(Status.PERMISSION_DENIED, app.create_robot_part_secret("00000000-0000-4000-8000-000000000000"))

    sdk_server.run(body)


# =========================================================================== sharing


def test_share_and_unshare_location(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        org_name = (await app.get_organization(org_id)).name
        loc = await app.create_location(org_id, unique("shared"))
        robot_id = await app.new_robot(unique("robot"), loc.id)
        partner = await app.create_organization(unique("partner"))
        # a user owning only the partner organization
        _, email = add_user(sdk_server, owner_of=partner.id)

        async with connect(sdk_server, password_options(email)) as user:
            await expect_error(Status.PERMISSION_DENIED, user.get_location(loc.id))
            assert [o.id for o in await app.get_organizations_with_access_to_location(loc.id)] == [org_id]

            await app.share_location(partner.id, loc.id)
            identities = await app.get_organizations_with_access_to_location(loc.id)
            assert [(o.id, o.name) for o in identities] == [(org_id, org_name), (partner.id, partner.name)]
            # the partner's owner owns the shared location and what is in it
            assert (await user.get_location(loc.id)).id == loc.id
            assert (await user.get_robot(robot_id)).id == robot_id
            assert loc.id in {location.id for location in await user.list_locations(partner.id)}
            assert [o.id for o in await user.get_organizations_with_access_to_location(loc.id)] == [org_id, partner.id]

            await expect_error(Status.ALREADY_EXISTS, app.share_location(partner.id, loc.id))
            await expect_error(Status.INVALID_ARGUMENT, app.share_location(org_id, loc.id), "organization_id")
            await expect_error(Status.FAILED_PRECONDITION, app.unshare_location(org_id, loc.id))

            # sharing with an organization the caller has no role in
            stranger_org = (await user.create_organization(unique("stranger"))).id
            await expect_error(Status.PERMISSION_DENIED, app.share_location(stranger_org, loc.id))

            await app.unshare_location(partner.id, loc.id)
            assert [o.id for o in await app.get_organizations_with_access_to_location(loc.id)] == [org_id]
            await expect_error(Status.PERMISSION_DENIED, user.get_location(loc.id))
            await expect_error(Status.NOT_FOUND, app.unshare_location(partner.id, loc.id))
        await expect_error(Status.PERMISSION_DENIED, app.get_organizations_with_access_to_location("zz9zz9zz9z"))

    sdk_server.run(body)
