"""FleetClient: one async method per AppService RPC, plus RobotService (Log, Config, NeedsRestart) for machines.

Resources come back as the protobuf messages of `generated.viam.app.v1.app_pb2`
(Organization, Location, Robot, RobotPart, APIKeyWithAuthorizations,
Authorization, OrganizationInvite, LocationAuth, ...) and log entries as
`viam.common.v1.LogEntry`; metadata is a plain dict; new machine and part ids
are strings; roles are given as `client.access.Role` values and new API keys
come back as `NewKey(id, key)`; a part's history comes in `PartHistoryPage`s
of `RobotPartHistoryEntry`; fragment visibilities are `client.fragments.Visibility`
values (or "private", "public", "unlisted") and a fragment's revisions come in
`FragmentHistoryPage`s of `FragmentHistoryEntry`. Every failure raises a
`client.errors.FleetError` subclass (a stale UpdateRobotPart or UpdateFragment: `Aborted`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from client.access import API_KEY_IDENTITY, USER_IDENTITY, Members, NewKey, Role
from client.connection import DEFAULT_TIMEOUT_S, Connection
from client.fragments import FragmentHistoryPage, Visibility
from client.logs import LogPage, struct_to_dict, to_timestamp
from client.part_configs import PartHistoryPage
from generated.viam.app.v1 import app_pb2 as pb
from generated.viam.app.v1 import app_pb2_grpc, robot_pb2, robot_pb2_grpc
from generated.viam.common.v1.common_pb2 import LogEntry

API_KEY = "api-key"
PASSWORD = "password"
ROBOT_SECRET = "robot-secret"
ROBOT_LOCATION_SECRET = "robot-location-secret"


def _struct(data: Mapping[str, Any]) -> struct_pb2.Struct:
    value = struct_pb2.Struct()
    value.update(dict(data))
    return value


def _additional(fragments: Mapping[str, str | None] | None) -> list[pb.AdditionalFragment]:
    return [pb.AdditionalFragment(fragment_id=i, version=v) for i, v in (fragments or {}).items()]


def _authorizations(organization_id: str, roles: Iterable[Role], identity_type: str) -> list[pb.Authorization]:
    return [role.authorization(organization_id, identity_type) for role in roles]


class FleetClient:
    """`async with await FleetClient.connect(address, key_id, key) as fleet: ...`"""

    def __init__(self, connection: Connection, part_id: str | None = None):
        self.connection = connection
        self.part_id = part_id  # set when authenticated as a machine part
        self._app = app_pb2_grpc.AppServiceStub(connection.channel)
        self._robot = robot_pb2_grpc.RobotServiceStub(connection.channel)

    @classmethod
    async def connect(
        cls, address: str, api_key_id: str, api_key: str, *, tls: bool = False, timeout: float = DEFAULT_TIMEOUT_S
    ) -> "FleetClient":
        """Authenticates with an API key ("api-key" credentials)."""
        return cls(await Connection.open(address, api_key_id, API_KEY, api_key, tls=tls, timeout=timeout))

    @classmethod
    async def connect_user(
        cls, address: str, email: str, password: str, *, tls: bool = False, timeout: float = DEFAULT_TIMEOUT_S
    ) -> "FleetClient":
        """Authenticates as a user ("password" credentials, entity = email). `connection.token` is the session token."""
        return cls(await Connection.open(address, email, PASSWORD, password, tls=tls, timeout=timeout))

    @classmethod
    async def from_token(
        cls, address: str, token: str, *, tls: bool = False, timeout: float = DEFAULT_TIMEOUT_S
    ) -> "FleetClient":
        """Reuses an access token from an earlier connect (e.g. a stored user session).

        Nothing is checked until the first call; an expired or revoked token makes it raise Unauthenticated.
        """
        return cls(Connection.from_token(address, token, tls=tls, timeout=timeout))

    @classmethod
    async def connect_machine(
        cls, address: str, part_id: str, part_secret: str, *, tls: bool = False, timeout: float = DEFAULT_TIMEOUT_S
    ) -> "FleetClient":
        """Authenticates as a machine part ("robot-secret" credentials, entity = part id)."""
        return cls(await Connection.open(address, part_id, ROBOT_SECRET, part_secret, tls=tls, timeout=timeout), part_id)

    @classmethod
    async def connect_machine_with_location_secret(
        cls, address: str, part_id: str, location_secret: str, *, tls: bool = False, timeout: float = DEFAULT_TIMEOUT_S
    ) -> "FleetClient":
        """Authenticates as a machine part with a secret of its location ("robot-location-secret"
        credentials, entity = part id): the same client as connect_machine's."""
        connection = await Connection.open(address, part_id, ROBOT_LOCATION_SECRET, location_secret, tls=tls, timeout=timeout)
        return cls(connection, part_id)

    async def close(self) -> None:
        await self.connection.close()

    async def __aenter__(self) -> "FleetClient":
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def _call(self, method: str, request: Any) -> Any:
        return await self.connection.unary(getattr(self._app, method), request)

    def _own_part(self, method: str, part_id: str | None) -> str:
        """The part a RobotService call is about: `part_id`, else the part this client connected as."""
        target = part_id or self.part_id
        if not target:
            raise ValueError(f"{method}() needs a part id: connect with FleetClient.connect_machine or pass part_id")
        return target

    # ------------------------------------------------------------------ organizations

    async def create_organization(self, name: str) -> pb.Organization:
        return (await self._call("CreateOrganization", pb.CreateOrganizationRequest(name=name))).organization

    async def list_organizations(self) -> list[pb.Organization]:
        return list((await self._call("ListOrganizations", pb.ListOrganizationsRequest())).organizations)

    async def get_organization(self, org_id: str) -> pb.Organization:
        return (await self._call("GetOrganization", pb.GetOrganizationRequest(organization_id=org_id))).organization

    async def get_organization_namespace_availability(self, public_namespace: str) -> bool:
        request = pb.GetOrganizationNamespaceAvailabilityRequest(public_namespace=public_namespace)
        return (await self._call("GetOrganizationNamespaceAvailability", request)).available

    async def update_organization(
        self,
        org_id: str,
        *,
        name: str | None = None,
        public_namespace: str | None = None,
        region: str | None = None,
        cid: str | None = None,
    ) -> pb.Organization:
        """Changes the fields given (None keeps a field)."""
        request = pb.UpdateOrganizationRequest(
            organization_id=org_id, name=name, public_namespace=public_namespace, region=region, cid=cid
        )
        return (await self._call("UpdateOrganization", request)).organization

    async def delete_organization(self, org_id: str) -> None:
        await self._call("DeleteOrganization", pb.DeleteOrganizationRequest(organization_id=org_id))

    async def get_organization_metadata(self, org_id: str) -> dict[str, Any]:
        response = await self._call("GetOrganizationMetadata", pb.GetOrganizationMetadataRequest(organization_id=org_id))
        return struct_to_dict(response.data)

    async def update_organization_metadata(self, org_id: str, data: Mapping[str, Any] | None) -> None:
        """Replaces the whole map; None clears it."""
        request = pb.UpdateOrganizationMetadataRequest(organization_id=org_id, data=None if data is None else _struct(data))
        await self._call("UpdateOrganizationMetadata", request)

    # ------------------------------------------------------------------ locations

    async def create_location(self, org_id: str, name: str, parent_location_id: str | None = None) -> pb.Location:
        request = pb.CreateLocationRequest(organization_id=org_id, name=name, parent_location_id=parent_location_id)
        return (await self._call("CreateLocation", request)).location

    async def get_location(self, location_id: str) -> pb.Location:
        return (await self._call("GetLocation", pb.GetLocationRequest(location_id=location_id))).location

    async def update_location(
        self,
        location_id: str,
        *,
        name: str | None = None,
        parent_location_id: str | None = None,
        region: str | None = None,
    ) -> pb.Location:
        """None keeps a field; `parent_location_id=""` moves the location to the top level."""
        request = pb.UpdateLocationRequest(
            location_id=location_id, name=name, parent_location_id=parent_location_id, region=region
        )
        return (await self._call("UpdateLocation", request)).location

    async def delete_location(self, location_id: str) -> None:
        await self._call("DeleteLocation", pb.DeleteLocationRequest(location_id=location_id))

    async def list_locations(self, org_id: str) -> list[pb.Location]:
        return list((await self._call("ListLocations", pb.ListLocationsRequest(organization_id=org_id))).locations)

    async def get_location_metadata(self, location_id: str) -> dict[str, Any]:
        response = await self._call("GetLocationMetadata", pb.GetLocationMetadataRequest(location_id=location_id))
        return struct_to_dict(response.data)

    async def update_location_metadata(self, location_id: str, data: Mapping[str, Any] | None) -> None:
        request = pb.UpdateLocationMetadataRequest(location_id=location_id, data=None if data is None else _struct(data))
        await self._call("UpdateLocationMetadata", request)

    # ------------------------------------------------------------------ machines

    async def new_robot(self, name: str, location_id: str) -> str:
        """Creates a machine (with its main part); returns the machine id."""
        return (await self._call("NewRobot", pb.NewRobotRequest(name=name, location=location_id))).id

    async def get_robot(self, robot_id: str) -> pb.Robot:
        return (await self._call("GetRobot", pb.GetRobotRequest(id=robot_id))).robot

    async def update_robot(self, robot_id: str, name: str, location_id: str = "") -> pb.Robot:
        """Renames and/or moves a machine; an empty location keeps it where it is."""
        return (await self._call("UpdateRobot", pb.UpdateRobotRequest(id=robot_id, name=name, location=location_id))).robot

    async def delete_robot(self, robot_id: str) -> None:
        await self._call("DeleteRobot", pb.DeleteRobotRequest(id=robot_id))

    async def list_robots(self, location_id: str) -> list[pb.Robot]:
        return list((await self._call("ListRobots", pb.ListRobotsRequest(location_id=location_id))).robots)

    async def list_robots_for_org(self, org_id: str) -> list[pb.Robot]:
        return list((await self._call("ListRobotsForOrg", pb.ListRobotsForOrgRequest(org_id=org_id))).robots)

    async def list_robots_for_locations(self, location_ids: Sequence[str]) -> list[pb.Robot]:
        request = pb.ListRobotsForLocationsRequest(location_ids=list(location_ids))
        return list((await self._call("ListRobotsForLocations", request)).robots)

    async def get_robot_metadata(self, robot_id: str) -> dict[str, Any]:
        return struct_to_dict((await self._call("GetRobotMetadata", pb.GetRobotMetadataRequest(id=robot_id))).data)

    async def update_robot_metadata(self, robot_id: str, data: Mapping[str, Any] | None) -> None:
        request = pb.UpdateRobotMetadataRequest(id=robot_id, data=None if data is None else _struct(data))
        await self._call("UpdateRobotMetadata", request)

    # ------------------------------------------------------------------ parts

    async def new_robot_part(self, robot_id: str, part_name: str) -> str:
        """Adds a part to a machine; returns the part id."""
        return (await self._call("NewRobotPart", pb.NewRobotPartRequest(robot_id=robot_id, part_name=part_name))).part_id

    async def get_robot_part(self, part_id: str) -> pb.RobotPart:
        return (await self._call("GetRobotPart", pb.GetRobotPartRequest(id=part_id))).part

    async def get_robot_parts(self, robot_id: str) -> list[pb.RobotPart]:
        return list((await self._call("GetRobotParts", pb.GetRobotPartsRequest(robot_id=robot_id))).parts)

    async def get_robot_part_by_name_and_location(self, name: str, location_id: str) -> pb.RobotPart:
        """Finds a part by its name or fqdn within a location (NotFound otherwise)."""
        request = pb.GetRobotPartByNameAndLocationRequest(name=name, location_id=location_id)
        return (await self._call("GetRobotPartByNameAndLocation", request)).part

    async def delete_robot_part(self, part_id: str) -> None:
        await self._call("DeleteRobotPart", pb.DeleteRobotPartRequest(part_id=part_id))

    async def mark_part_as_main(self, part_id: str) -> None:
        await self._call("MarkPartAsMain", pb.MarkPartAsMainRequest(part_id=part_id))

    async def get_robot_part_metadata(self, part_id: str) -> dict[str, Any]:
        return struct_to_dict((await self._call("GetRobotPartMetadata", pb.GetRobotPartMetadataRequest(id=part_id))).data)

    async def update_robot_part_metadata(self, part_id: str, data: Mapping[str, Any] | None) -> None:
        request = pb.UpdateRobotPartMetadataRequest(id=part_id, data=None if data is None else _struct(data))
        await self._call("UpdateRobotPartMetadata", request)

    # ------------------------------------------------------------------ part configs, history, restarts

    async def update_robot_part(
        self,
        part_id: str,
        name: str,
        config: Mapping[str, Any] | None = None,
        config_json: str | None = None,
        last_known_update: datetime | timestamp_pb2.Timestamp | None = None,
    ) -> pb.RobotPart:
        """Renames the part (`name` is required: pass `part.name` to keep it) and replaces its config.

        `config` is sent as a Struct, `config_json` as text whose key order the server keeps; give one
        of them, or neither to keep the config. With `last_known_update` (the `last_updated` you read,
        a datetime or the Timestamp itself) the server refuses the update with `Aborted` when someone
        changed the part since; nothing is written then: re-read the part and retry.
        Returns the updated part (`robot_config_json` is its config, `last_updated` its new version).
        """
        if config is not None and config_json is not None:
            raise ValueError("update_robot_part() takes config or config_json, not both")
        if isinstance(last_known_update, datetime):
            last_known_update = to_timestamp(last_known_update)
        request = pb.UpdateRobotPartRequest(
            id=part_id,
            name=name,
            robot_config=None if config is None else _struct(config),
            robot_config_json=config_json,
            last_known_update=last_known_update,
        )
        return (await self._call("UpdateRobotPart", request)).part

    async def get_robot_part_history(
        self,
        part_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        page_token: str = "",
        limit: int = 0,
    ) -> PartHistoryPage:
        """One page of the part's history, newest first: one entry per UpdateRobotPart, holding the part as it
        was before (`old`), `when` and who (`edited_by`). `start` inclusive, `end` exclusive; limit 0 → 100, at most 1000."""
        request = pb.GetRobotPartHistoryRequest(
            id=part_id,
            page_token=page_token or None,
            page_limit=limit or None,
            start=None if start is None else to_timestamp(start),
            end=None if end is None else to_timestamp(end),
        )
        response = await self._call("GetRobotPartHistory", request)
        return PartHistoryPage(entries=list(response.history), next_page_token=response.next_page_token)

    async def iter_robot_part_history(
        self,
        part_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        page_size: int = 0,
    ) -> AsyncGenerator[pb.RobotPartHistoryEntry, None]:
        """Every history entry, newest first, fetching page after page until `next_page_token` comes back empty."""
        token = ""
        while True:
            page = await self.get_robot_part_history(part_id, start, end, page_token=token, limit=page_size)
            for entry in page.entries:
                yield entry
            if not page.next_page_token:
                return
            token = page.next_page_token

    async def mark_part_for_restart(self, part_id: str) -> None:
        """Asks the machine to restart: its next NeedsRestart call answers true (once). Operators may do this."""
        await self._call("MarkPartForRestart", pb.MarkPartForRestartRequest(part_id=part_id))

    # ------------------------------------------------------------------ fragments

    async def create_fragment(
        self,
        org_id: str,
        name: str,
        config: Mapping[str, Any] | None = None,
        visibility: Visibility | str | None = None,
    ) -> pb.Fragment:
        """A new fragment (revision "1") owned by the organization; visibility None → private."""
        request = pb.CreateFragmentRequest(
            organization_id=org_id,
            name=name,
            config=None if config is None else _struct(config),
            visibility=None if visibility is None else Visibility.of(visibility).proto,
        )
        return (await self._call("CreateFragment", request)).fragment

    async def get_fragment(
        self, fragment_id: str, version: str | None = None, current_organization_id: str = ""
    ) -> pb.GetFragmentResponse:
        """The fragment (newest revision, or `version`: a revision number such as "3" or a tag) with its
        usage, every revision and every tag. Unknown or unreadable ids: PermissionDenied."""
        request = pb.GetFragmentRequest(id=fragment_id, version=version, current_organization_id=current_organization_id)
        return await self._call("GetFragment", request)

    async def update_fragment(
        self,
        fragment_id: str,
        name: str,
        config: Mapping[str, Any] | None = None,
        config_json: str | None = None,
        visibility: Visibility | str | None = None,
        last_known_update: datetime | timestamp_pb2.Timestamp | None = None,
    ) -> pb.Fragment:
        """Writes a new revision: renames (`name` is required: pass `fragment.name` to keep it), replaces the
        config (`config` as a Struct, `config_json` as text whose key order is kept; neither keeps it) and/or
        the visibility (None keeps it). With `last_known_update` (the `last_updated` you read) a fragment
        changed since is refused with `Aborted` and nothing is written. An import cycle: InvalidArgument."""
        if config is not None and config_json is not None:
            raise ValueError("update_fragment() takes config or config_json, not both")
        if isinstance(last_known_update, datetime):
            last_known_update = to_timestamp(last_known_update)
        request = pb.UpdateFragmentRequest(
            id=fragment_id,
            name=name,
            config=None if config is None else _struct(config),
            fragment_config_json=config_json,
            visibility=None if visibility is None else Visibility.of(visibility).proto,
            last_known_update=last_known_update,
        )
        return (await self._call("UpdateFragment", request)).fragment

    async def delete_fragment(self, fragment_id: str) -> None:
        """FailedPrecondition while a part or another fragment uses it."""
        await self._call("DeleteFragment", pb.DeleteFragmentRequest(id=fragment_id))

    async def list_fragments(
        self, org_id: str, *, show_public: bool = False, visibilities: Iterable[Visibility | str] = ()
    ) -> list[pb.Fragment]:
        """The organization's fragments of the given visibilities (none given: all), plus the listed public
        fragments of other organizations with `show_public`."""
        request = pb.ListFragmentsRequest(
            organization_id=org_id,
            show_public=show_public,
            fragment_visibility=[Visibility.of(v).proto for v in visibilities],
        )
        return list((await self._call("ListFragments", request)).fragments)

    async def get_fragment_history(self, fragment_id: str, page_token: str = "", limit: int = 0) -> FragmentHistoryPage:
        """One page of the fragment's revisions, newest first (limit 0: the server's default page)."""
        request = pb.GetFragmentHistoryRequest(id=fragment_id, page_token=page_token or None, page_limit=limit or None)
        response = await self._call("GetFragmentHistory", request)
        return FragmentHistoryPage(entries=list(response.history), next_page_token=response.next_page_token)

    async def iter_fragment_history(
        self, fragment_id: str, page_size: int = 0
    ) -> AsyncGenerator[pb.FragmentHistoryEntry, None]:
        """Every revision, newest first, fetching page after page until `next_page_token` comes back empty."""
        token = ""
        while True:
            page = await self.get_fragment_history(fragment_id, page_token=token, limit=page_size)
            for entry in page.entries:
                yield entry
            if not page.next_page_token:
                return
            token = page.next_page_token

    async def set_fragment_tag(self, fragment_id: str, tag: str, revision: str) -> list[pb.FragmentTag]:
        """Points `tag` at an existing revision ("3"); returns every tag of the fragment. All-digit tags are refused."""
        request = pb.SetFragmentTagRequest(fragment_id=fragment_id, tag=tag, revision=revision)
        return list((await self._call("SetFragmentTag", request)).tags)

    async def delete_fragment_tag(self, fragment_id: str, tag: str) -> list[pb.FragmentTag]:
        """Removes a tag; returns the remaining tags."""
        request = pb.DeleteFragmentTagRequest(fragment_id=fragment_id, tag=tag)
        return list((await self._call("DeleteFragmentTag", request)).tags)

    async def list_nested_fragments(
        self, fragment_id: str | None = None, additional: Mapping[str, str | None] | None = None
    ) -> pb.ListNestedFragmentsResponse:
        """The fragments `fragment_id` imports, directly or not, plus `additional` ({id: version or None});
        `resolved_fragments` holds each one's merged config or its error."""
        request = pb.ListNestedFragmentsRequest(fragment_id=fragment_id, additional_fragments=_additional(additional))
        return await self._call("ListNestedFragments", request)

    async def list_machine_fragments(
        self, machine_id: str, additional: Mapping[str, str | None] | None = None
    ) -> pb.ListMachineFragmentsResponse:
        """The fragments the machine's parts use (nested ones included) plus `additional` ({id: version or None});
        unknown or unreadable ones are reported in `resolved_fragments[].error`."""
        request = pb.ListMachineFragmentsRequest(machine_id=machine_id, additional_fragments=_additional(additional))
        return await self._call("ListMachineFragments", request)

    async def get_fragment_usage(self, fragment_id: str) -> list[pb.FragmentUsage]:
        """Direct uses per pinned version (unpinned uses first, `version` unset): organizations, machines,
        machines in the owning organization."""
        request = pb.GetFragmentUsageRequest(fragment_id=fragment_id)
        return list((await self._call("GetFragmentUsage", request)).version_usages)

    async def list_machine_summaries(
        self,
        org_id: str,
        *,
        location_ids: Sequence[str] = (),
        fragment_ids: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[pb.LocationSummary]:
        """The organization's locations → machines → parts with status and directly used fragments; only
        locations with matching machines. Filters: locations, fragments used; `limit` counts machines."""
        request = pb.ListMachineSummariesRequest(
            organization_id=org_id, location_ids=list(location_ids), fragment_ids=list(fragment_ids), limit=limit
        )
        return list((await self._call("ListMachineSummaries", request)).location_summaries)

    # ------------------------------------------------------------------ API keys

    async def create_key(self, organization_id: str, roles: Sequence[Role], name: str | None = None) -> NewKey:
        """A new API key of the organization holding `roles` (the caller must own each resource).

        Returns `NewKey(id, key)`: the secret is shown this once (the server keeps only a hash).
        """
        request = pb.CreateKeyRequest(authorizations=_authorizations(organization_id, roles, API_KEY_IDENTITY), name=name or "")
        response = await self._call("CreateKey", request)
        return NewKey(response.id, response.key)

    async def list_keys(self, organization_id: str) -> list[pb.APIKeyWithAuthorizations]:
        """Every key of the organization with its roles (oldest first); `api_key.key` is always empty."""
        return list((await self._call("ListKeys", pb.ListKeysRequest(org_id=organization_id))).api_keys)

    async def delete_key(self, key_id: str) -> None:
        """Deletes the key and its roles (never an organization's last owner: FailedPrecondition)."""
        await self._call("DeleteKey", pb.DeleteKeyRequest(id=key_id))

    async def rotate_key(self, key_id: str) -> NewKey:
        """A new secret for the same key id; the old secret and every token issued for it stop at once.

        Rotating the key this client is connected with ends this client's session too: connect again
        with the new secret.
        """
        response = await self._call("RotateKey", pb.RotateKeyRequest(id=key_id))
        return NewKey(response.id, response.key)

    async def rename_key(self, key_id: str, name: str) -> str:
        """Returns the key's new name."""
        return (await self._call("RenameKey", pb.RenameKeyRequest(id=key_id, name=name))).name

    async def create_key_from_existing_key_authorizations(self, key_id: str) -> NewKey:
        """A new key in the same organization with the same roles (and a generated name)."""
        response = await self._call("CreateKeyFromExistingKeyAuthorizations", pb.CreateKeyFromExistingKeyAuthorizationsRequest(id=key_id))
        return NewKey(response.id, response.key)

    async def get_robot_api_keys(self, robot_id: str) -> list[pb.APIKeyWithAuthorizations]:
        """Keys with a role reaching the machine, each with only those roles; `api_key.key` is empty."""
        return list((await self._call("GetRobotAPIKeys", pb.GetRobotAPIKeysRequest(robot_id=robot_id))).api_keys)

    # ------------------------------------------------------------------ roles

    async def add_role(
        self, organization_id: str, identity_id: str, identity_type: str, role: str, resource_type: str, resource_id: str
    ) -> None:
        """Grants `role` ("owner"/"operator") on a resource to an identity ("api-key" or "user"; "" lets the
        server find it). The role is held in `organization_id`; a duplicate raises AlreadyExists."""
        authorization = Role(role, resource_type, resource_id).authorization(organization_id, identity_type, identity_id)
        await self._call("AddRole", pb.AddRoleRequest(authorization=authorization))

    async def remove_role(
        self, organization_id: str, identity_id: str, identity_type: str, role: str, resource_type: str, resource_id: str
    ) -> None:
        """NotFound unless the identity holds exactly that role; never an organization's last owner."""
        authorization = Role(role, resource_type, resource_id).authorization(organization_id, identity_type, identity_id)
        await self._call("RemoveRole", pb.RemoveRoleRequest(authorization=authorization))

    async def change_role(
        self, organization_id: str, identity_id: str, identity_type: str, old_role: Role, new_role: Role
    ) -> None:
        """Replaces one role of the identity by another, atomically."""
        request = pb.ChangeRoleRequest(
            old_authorization=old_role.authorization(organization_id, identity_type, identity_id),
            new_authorization=new_role.authorization(organization_id, identity_type, identity_id),
        )
        await self._call("ChangeRole", request)

    async def list_authorizations(self, organization_id: str, resource_ids: Sequence[str] = ()) -> list[pb.Authorization]:
        """Every role held in the organization (oldest first); only those on `resource_ids` when given."""
        request = pb.ListAuthorizationsRequest(organization_id=organization_id, resource_ids=list(resource_ids))
        return list((await self._call("ListAuthorizations", request)).authorizations)

    async def check_permissions(
        self, checks: Iterable[tuple[str, str, Sequence[str]]]
    ) -> dict[tuple[str, str], set[str]]:
        """For each `(resource_type, resource_id, permissions)` asked, the permissions the caller holds.

        Keyed by `(resource_type, resource_id)`; resources where the caller holds none of them (or
        cannot see them) are absent, and unknown permission names are dropped, never an error.
        """
        request = pb.CheckPermissionsRequest(
            permissions=[
                pb.AuthorizedPermissions(resource_type=t, resource_id=i, permissions=list(p)) for t, i, p in checks
            ]
        )
        held: dict[tuple[str, str], set[str]] = {}
        for item in (await self._call("CheckPermissions", request)).authorized_permissions:
            held.setdefault((item.resource_type, item.resource_id), set()).update(item.permissions)
        return held

    # ------------------------------------------------------------------ users, members, invites

    async def get_user_id_by_email(self, email: str) -> str:
        """Only owners of some organization may look users up."""
        return (await self._call("GetUserIDByEmail", pb.GetUserIDByEmailRequest(email=email))).user_id

    async def list_organizations_by_user(self, user_id: str) -> list[pb.OrgDetails]:
        """The user's organizations that the caller owns (all of them when asking about oneself)."""
        return list((await self._call("ListOrganizationsByUser", pb.ListOrganizationsByUserRequest(user_id=user_id))).orgs)

    async def get_organizations_with_access_to_location(self, location_id: str) -> list[pb.OrganizationIdentity]:
        """The location's own organization first, then those it is shared with."""
        request = pb.GetOrganizationsWithAccessToLocationRequest(location_id=location_id)
        return list((await self._call("GetOrganizationsWithAccessToLocation", request)).organization_identities)

    async def list_organization_members(self, organization_id: str) -> Members:
        """`Members(members, invites)`: users holding a role granted by the organization, and pending invites."""
        response = await self._call("ListOrganizationMembers", pb.ListOrganizationMembersRequest(organization_id=organization_id))
        return Members(list(response.members), list(response.invites))

    async def create_organization_invite(
        self, organization_id: str, email: str, roles: Sequence[Role] = (), send_email_invite: bool | None = None
    ) -> pb.OrganizationInvite:
        """Stores an invite (no roles: owner of the organization). No email is sent: the roles are granted
        when a user with that email next authenticates with a password."""
        request = pb.CreateOrganizationInviteRequest(
            organization_id=organization_id,
            email=email,
            authorizations=_authorizations(organization_id, roles, USER_IDENTITY),
            send_email_invite=send_email_invite,
        )
        return (await self._call("CreateOrganizationInvite", request)).invite

    async def update_organization_invite_authorizations(
        self, organization_id: str, email: str, add_roles: Sequence[Role] = (), remove_roles: Sequence[Role] = ()
    ) -> pb.OrganizationInvite:
        """Removes, then adds roles of a pending invite (which can't be left without roles)."""
        request = pb.UpdateOrganizationInviteAuthorizationsRequest(
            organization_id=organization_id,
            email=email,
            add_authorizations=_authorizations(organization_id, add_roles, USER_IDENTITY),
            remove_authorizations=_authorizations(organization_id, remove_roles, USER_IDENTITY),
        )
        return (await self._call("UpdateOrganizationInviteAuthorizations", request)).invite

    async def delete_organization_invite(self, organization_id: str, email: str) -> None:
        await self._call("DeleteOrganizationInvite", pb.DeleteOrganizationInviteRequest(organization_id=organization_id, email=email))

    async def resend_organization_invite(
        self, organization_id: str, email: str, send_email_invite: bool | None = None
    ) -> pb.OrganizationInvite:
        """Sends nothing (the server never sends email): returns the pending invite."""
        request = pb.ResendOrganizationInviteRequest(
            organization_id=organization_id, email=email, send_email_invite=send_email_invite
        )
        return (await self._call("ResendOrganizationInvite", request)).invite

    async def delete_organization_member(self, organization_id: str, user_id: str) -> None:
        """Removes every role the organization granted the user (never its last owner)."""
        request = pb.DeleteOrganizationMemberRequest(organization_id=organization_id, user_id=user_id)
        await self._call("DeleteOrganizationMember", request)

    # ------------------------------------------------------------------ secrets (owners only)

    async def location_auth(self, location_id: str) -> pb.LocationAuth:
        """The location's secrets, oldest first (`secret` is the oldest one's value, "" when it has none)."""
        return (await self._call("LocationAuth", pb.LocationAuthRequest(location_id=location_id))).auth

    async def create_location_secret(self, location_id: str) -> pb.LocationAuth:
        """Adds a secret; returns all of the location's secrets (the new one last)."""
        return (await self._call("CreateLocationSecret", pb.CreateLocationSecretRequest(location_id=location_id))).auth

    async def delete_location_secret(self, location_id: str, secret_id: str) -> None:
        """Machine tokens issued for that secret stop at once."""
        request = pb.DeleteLocationSecretRequest(location_id=location_id, secret_id=secret_id)
        await self._call("DeleteLocationSecret", request)

    async def create_robot_part_secret(self, part_id: str) -> pb.RobotPart:
        """Adds a secret; returns the part with all its secrets (the new one last)."""
        return (await self._call("CreateRobotPartSecret", pb.CreateRobotPartSecretRequest(part_id=part_id))).part

    async def delete_robot_part_secret(self, part_id: str, secret_id: str) -> None:
        """Never the part's last secret (FailedPrecondition); its machine tokens stop at once."""
        await self._call("DeleteRobotPartSecret", pb.DeleteRobotPartSecretRequest(part_id=part_id, secret_id=secret_id))

    # ------------------------------------------------------------------ sharing

    async def share_location(self, location_id: str, organization_id: str) -> None:
        """Members of `organization_id` get their organization roles on the location and what is in it."""
        await self._call("ShareLocation", pb.ShareLocationRequest(location_id=location_id, organization_id=organization_id))

    async def unshare_location(self, location_id: str, organization_id: str) -> None:
        """Never the location's primary organization (FailedPrecondition)."""
        await self._call("UnshareLocation", pb.UnshareLocationRequest(location_id=location_id, organization_id=organization_id))

    # ------------------------------------------------------------------ logs

    async def get_robot_part_logs(
        self,
        part_id: str,
        *,
        levels: Sequence[str] = (),
        filter: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        duration: str | None = None,
        limit: int | None = None,
        page_token: str | None = None,
        ascending: bool = False,
        errors_only: bool = False,
    ) -> LogPage:
        """One page of a part's logs, newest first unless `ascending` (limit None/0 → 100, at most 1000).

        `duration` ("90s", "10m", "10h", "10d") is resolved against `start` or `end` (or now).
        """
        request = pb.GetRobotPartLogsRequest(
            id=part_id,
            errors_only=errors_only,
            filter=filter,
            page_token=page_token,
            levels=list(levels),
            start=None if start is None else to_timestamp(start),
            end=None if end is None else to_timestamp(end),
            range=duration,
            limit=limit,
            order=pb.LOG_ORDER_ASCENDING if ascending else None,  # unset: newest first
        )
        response = await self._call("GetRobotPartLogs", request)
        return LogPage(entries=list(response.logs), next_page_token=response.next_page_token)

    async def iter_robot_part_logs(
        self,
        part_id: str,
        *,
        levels: Sequence[str] = (),
        filter: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        duration: str | None = None,
        page_size: int | None = None,
        ascending: bool = False,
        errors_only: bool = False,
    ) -> AsyncGenerator[LogEntry, None]:
        """Every matching entry, fetching page after page until `next_page_token` comes back empty."""
        token: str | None = None
        while True:
            page = await self.get_robot_part_logs(
                part_id,
                levels=levels,
                filter=filter,
                start=start,
                end=end,
                duration=duration,
                limit=page_size,
                page_token=token,
                ascending=ascending,
                errors_only=errors_only,
            )
            for entry in page.entries:
                yield entry
            if not page.next_page_token:
                return
            token = page.next_page_token

    async def tail_robot_part_logs(
        self, part_id: str, *, errors_only: bool = False, filter: str | None = None
    ) -> AsyncGenerator[LogEntry, None]:
        """Entries as they arrive, until the iterator is closed (which cancels the stream)."""
        request = pb.TailRobotPartLogsRequest(id=part_id, errors_only=errors_only, filter=filter)
        async for response in self.connection.stream(self._app.TailRobotPartLogs, request):
            for entry in response.logs:
                yield entry

    async def log(self, entries: Iterable[LogEntry], *, part_id: str | None = None) -> None:
        """RobotService.Log: stores at most 1000 entries of a part (default: the part this client connected as)."""
        target = self._own_part("log", part_id)
        await self.connection.unary(self._robot.Log, robot_pb2.LogRequest(id=target, logs=list(entries)))

    # ------------------------------------------------------------------ machines (RobotService)

    async def config(
        self, *, agent_info: robot_pb2.AgentInfo | None = None, part_id: str | None = None
    ) -> robot_pb2.ConfigResponse:
        """RobotService.Config: the part's config as a `RobotConfig` (`config.cloud` holds its identity and
        secrets, `config.revision` changes with every update). A heartbeat; `agent_info` is stored when given."""
        target = self._own_part("config", part_id)
        return await self.connection.unary(self._robot.Config, robot_pb2.ConfigRequest(id=target, agent_info=agent_info))

    async def needs_restart(self, *, part_id: str | None = None) -> bool:
        """RobotService.NeedsRestart: True once after MarkPartForRestart (this call clears the flag). A heartbeat;
        the server asks machines to poll every 60 s."""
        target = self._own_part("needs_restart", part_id)
        return (await self.connection.unary(self._robot.NeedsRestart, robot_pb2.NeedsRestartRequest(id=target))).must_restart
