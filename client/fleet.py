"""FleetClient: one async method per AppService RPC, plus RobotService.Log for machines.

Resources come back as the protobuf messages of `generated.viam.app.v1.app_pb2`
(Organization, Location, Robot, RobotPart) and log entries as
`viam.common.v1.LogEntry`; metadata is a plain dict; new machine and part ids
are strings. Every failure raises a `client.errors.FleetError` subclass.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from google.protobuf import struct_pb2

from client.connection import DEFAULT_TIMEOUT_S, Connection
from client.logs import LogPage, struct_to_dict, to_timestamp
from generated.viam.app.v1 import app_pb2 as pb
from generated.viam.app.v1 import app_pb2_grpc, robot_pb2, robot_pb2_grpc
from generated.viam.common.v1.common_pb2 import LogEntry

API_KEY = "api-key"
ROBOT_SECRET = "robot-secret"


def _struct(data: Mapping[str, Any]) -> struct_pb2.Struct:
    value = struct_pb2.Struct()
    value.update(dict(data))
    return value


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
    async def connect_machine(
        cls, address: str, part_id: str, part_secret: str, *, tls: bool = False, timeout: float = DEFAULT_TIMEOUT_S
    ) -> "FleetClient":
        """Authenticates as a machine part ("robot-secret" credentials, entity = part id)."""
        return cls(await Connection.open(address, part_id, ROBOT_SECRET, part_secret, tls=tls, timeout=timeout), part_id)

    async def close(self) -> None:
        await self.connection.close()

    async def __aenter__(self) -> "FleetClient":
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def _call(self, method: str, request: Any) -> Any:
        return await self.connection.unary(getattr(self._app, method), request)

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
        target = part_id or self.part_id
        if not target:
            raise ValueError("log() needs a part id: connect with FleetClient.connect_machine or pass part_id")
        await self.connection.unary(self._robot.Log, robot_pb2.LogRequest(id=target, logs=list(entries)))
