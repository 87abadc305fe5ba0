"""viam.app.v1.AppService: organizations, locations, machines and parts."""

from __future__ import annotations

from collections.abc import AsyncIterator

from generated.viam.app.v1 import app_pb2 as pb
from generated.viam.app.v1 import app_pb2_grpc
from server.domain import locations, logs, metadata, organizations, parts, robots
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.organizations import OrganizationChanges
from server.logs.hub import TailClosed
from server.services import convert
from server.services.convert import optional_string, optional_struct
from server.services.rpc import Call, Servicer, rpc

ORG, LOCATION, ROBOT, PART = ResourceType.ORGANIZATION, ResourceType.LOCATION, ResourceType.ROBOT, ResourceType.ROBOT_PART
READ, WRITE, AUTHENTICATED = Permission.READ, Permission.WRITE, Permission.AUTHENTICATED


def _serialized(request: pb.UpdateOrganizationRequest, field: str) -> bytes | None:
    return getattr(request, field).SerializeToString(deterministic=True) if request.HasField(field) else None


class AppService(Servicer, app_pb2_grpc.AppServiceServicer):
    # Organizations

    @rpc(AUTHENTICATED, write=True)
    def CreateOrganization(self, ctx: DomainContext, request: pb.CreateOrganizationRequest) -> pb.CreateOrganizationResponse:
        return pb.CreateOrganizationResponse(organization=convert.organization(organizations.create_organization(ctx, request.name)))

    @rpc(AUTHENTICATED)
    def ListOrganizations(self, ctx: DomainContext, request: pb.ListOrganizationsRequest) -> pb.ListOrganizationsResponse:
        return pb.ListOrganizationsResponse(organizations=[convert.organization(o) for o in organizations.list_organizations(ctx)])

    @rpc(READ, ORG, "organization_id")
    def GetOrganization(self, ctx: DomainContext, request: pb.GetOrganizationRequest) -> pb.GetOrganizationResponse:
        return pb.GetOrganizationResponse(organization=convert.organization(organizations.get_organization(ctx, request.organization_id)))

    @rpc(AUTHENTICATED)
    def GetOrganizationNamespaceAvailability(
        self, ctx: DomainContext, request: pb.GetOrganizationNamespaceAvailabilityRequest
    ) -> pb.GetOrganizationNamespaceAvailabilityResponse:
        available = organizations.namespace_available(ctx, request.public_namespace)
        return pb.GetOrganizationNamespaceAvailabilityResponse(available=available)

    @rpc(WRITE, ORG, "organization_id")
    def UpdateOrganization(self, ctx: DomainContext, request: pb.UpdateOrganizationRequest) -> pb.UpdateOrganizationResponse:
        changes = OrganizationChanges(
            name=optional_string(request, "name"),
            public_namespace=optional_string(request, "public_namespace"),
            region=optional_string(request, "region"),
            cid=optional_string(request, "cid"),
            default_fragments=_serialized(request, "default_fragments"),
            allowed_login_methods=_serialized(request, "allowed_login_methods"),
        )
        updated = organizations.update_organization(ctx, request.organization_id, changes)
        return pb.UpdateOrganizationResponse(organization=convert.organization(updated))

    @rpc(WRITE, ORG, "organization_id")
    def DeleteOrganization(self, ctx: DomainContext, request: pb.DeleteOrganizationRequest) -> pb.DeleteOrganizationResponse:
        organizations.delete_organization(ctx, request.organization_id)
        return pb.DeleteOrganizationResponse()

    @rpc(READ, ORG, "organization_id")
    def GetOrganizationMetadata(self, ctx: DomainContext, request: pb.GetOrganizationMetadataRequest) -> pb.GetOrganizationMetadataResponse:
        return pb.GetOrganizationMetadataResponse(data=convert.struct(metadata.get_metadata(ctx, ORG, request.organization_id)))

    @rpc(WRITE, ORG, "organization_id")
    def UpdateOrganizationMetadata(
        self, ctx: DomainContext, request: pb.UpdateOrganizationMetadataRequest
    ) -> pb.UpdateOrganizationMetadataResponse:
        metadata.update_metadata(ctx, ORG, request.organization_id, optional_struct(request))
        return pb.UpdateOrganizationMetadataResponse()

    # Locations

    @rpc(WRITE, ORG, "organization_id")
    def CreateLocation(self, ctx: DomainContext, request: pb.CreateLocationRequest) -> pb.CreateLocationResponse:
        created = locations.create_location(ctx, request.organization_id, request.name, optional_string(request, "parent_location_id"))
        return pb.CreateLocationResponse(location=convert.location(created))

    @rpc(READ, LOCATION, "location_id")
    def GetLocation(self, ctx: DomainContext, request: pb.GetLocationRequest) -> pb.GetLocationResponse:
        return pb.GetLocationResponse(location=convert.location(locations.get_location(ctx, request.location_id)))

    @rpc(WRITE, LOCATION, "location_id")
    def UpdateLocation(self, ctx: DomainContext, request: pb.UpdateLocationRequest) -> pb.UpdateLocationResponse:
        updated = locations.update_location(
            ctx,
            request.location_id,
            name=optional_string(request, "name"),
            parent_location_id=optional_string(request, "parent_location_id"),
            region=optional_string(request, "region"),
        )
        return pb.UpdateLocationResponse(location=convert.location(updated))

    @rpc(WRITE, LOCATION, "location_id")
    def DeleteLocation(self, ctx: DomainContext, request: pb.DeleteLocationRequest) -> pb.DeleteLocationResponse:
        locations.delete_location(ctx, request.location_id)
        return pb.DeleteLocationResponse()

    @rpc(READ, ORG, "organization_id")
    def ListLocations(self, ctx: DomainContext, request: pb.ListLocationsRequest) -> pb.ListLocationsResponse:
        return pb.ListLocationsResponse(locations=[convert.location(v) for v in locations.list_locations(ctx, request.organization_id)])

    @rpc(READ, LOCATION, "location_id")
    def GetLocationMetadata(self, ctx: DomainContext, request: pb.GetLocationMetadataRequest) -> pb.GetLocationMetadataResponse:
        return pb.GetLocationMetadataResponse(data=convert.struct(metadata.get_metadata(ctx, LOCATION, request.location_id)))

    @rpc(WRITE, LOCATION, "location_id")
    def UpdateLocationMetadata(self, ctx: DomainContext, request: pb.UpdateLocationMetadataRequest) -> pb.UpdateLocationMetadataResponse:
        metadata.update_metadata(ctx, LOCATION, request.location_id, optional_struct(request))
        return pb.UpdateLocationMetadataResponse()

    # Machines

    @rpc(WRITE, LOCATION, "location")
    def NewRobot(self, ctx: DomainContext, request: pb.NewRobotRequest) -> pb.NewRobotResponse:
        return pb.NewRobotResponse(id=robots.new_robot(ctx, request.name, request.location))

    @rpc(READ, ROBOT, "id")
    def GetRobot(self, ctx: DomainContext, request: pb.GetRobotRequest) -> pb.GetRobotResponse:
        return pb.GetRobotResponse(robot=convert.robot(robots.get_robot(ctx, request.id)))

    @rpc(WRITE, ROBOT, "id")
    def UpdateRobot(self, ctx: DomainContext, request: pb.UpdateRobotRequest) -> pb.UpdateRobotResponse:
        return pb.UpdateRobotResponse(robot=convert.robot(robots.update_robot(ctx, request.id, request.name, request.location)))

    @rpc(WRITE, ROBOT, "id")
    def DeleteRobot(self, ctx: DomainContext, request: pb.DeleteRobotRequest) -> pb.DeleteRobotResponse:
        robots.delete_robot(ctx, request.id)
        return pb.DeleteRobotResponse()

    @rpc(READ, LOCATION, "location_id")
    def ListRobots(self, ctx: DomainContext, request: pb.ListRobotsRequest) -> pb.ListRobotsResponse:
        return pb.ListRobotsResponse(robots=[convert.robot(v) for v in robots.list_robots(ctx, [request.location_id])])

    @rpc(READ, ORG, "org_id")
    def ListRobotsForOrg(self, ctx: DomainContext, request: pb.ListRobotsForOrgRequest) -> pb.ListRobotsForOrgResponse:
        return pb.ListRobotsForOrgResponse(robots=[convert.robot(v) for v in robots.list_robots_for_organization(ctx, request.org_id)])

    @rpc(READ, LOCATION, "location_ids")
    def ListRobotsForLocations(
        self, ctx: DomainContext, request: pb.ListRobotsForLocationsRequest
    ) -> pb.ListRobotsForLocationsResponse:
        found = robots.list_robots(ctx, list(dict.fromkeys(request.location_ids)))
        return pb.ListRobotsForLocationsResponse(robots=[convert.robot(v) for v in found])

    @rpc(READ, ROBOT, "id")
    def GetRobotMetadata(self, ctx: DomainContext, request: pb.GetRobotMetadataRequest) -> pb.GetRobotMetadataResponse:
        return pb.GetRobotMetadataResponse(data=convert.struct(metadata.get_metadata(ctx, ROBOT, request.id)))

    @rpc(WRITE, ROBOT, "id")
    def UpdateRobotMetadata(self, ctx: DomainContext, request: pb.UpdateRobotMetadataRequest) -> pb.UpdateRobotMetadataResponse:
        metadata.update_metadata(ctx, ROBOT, request.id, optional_struct(request))
        return pb.UpdateRobotMetadataResponse()

    # Parts

    @rpc(WRITE, ROBOT, "robot_id")
    def NewRobotPart(self, ctx: DomainContext, request: pb.NewRobotPartRequest) -> pb.NewRobotPartResponse:
        return pb.NewRobotPartResponse(part_id=parts.new_robot_part(ctx, request.robot_id, request.part_name))

    @rpc(READ, PART, "id")
    def GetRobotPart(self, ctx: DomainContext, request: pb.GetRobotPartRequest) -> pb.GetRobotPartResponse:
        part = parts.get_robot_part(ctx, request.id)
        return pb.GetRobotPartResponse(part=convert.robot_part(part), config_json=part.config_json)

    @rpc(READ, ROBOT, "robot_id")
    def GetRobotParts(self, ctx: DomainContext, request: pb.GetRobotPartsRequest) -> pb.GetRobotPartsResponse:
        return pb.GetRobotPartsResponse(parts=[convert.robot_part(v) for v in parts.get_robot_parts(ctx, request.robot_id)])

    @rpc(READ, LOCATION, "location_id")
    def GetRobotPartByNameAndLocation(
        self, ctx: DomainContext, request: pb.GetRobotPartByNameAndLocationRequest
    ) -> pb.GetRobotPartByNameAndLocationResponse:
        part = parts.get_part_by_name_and_location(ctx, request.name, request.location_id)
        return pb.GetRobotPartByNameAndLocationResponse(part=convert.robot_part(part))

    @rpc(WRITE, PART, "part_id")
    def DeleteRobotPart(self, ctx: DomainContext, request: pb.DeleteRobotPartRequest) -> pb.DeleteRobotPartResponse:
        parts.delete_robot_part(ctx, request.part_id)
        return pb.DeleteRobotPartResponse()

    @rpc(WRITE, PART, "part_id")
    def MarkPartAsMain(self, ctx: DomainContext, request: pb.MarkPartAsMainRequest) -> pb.MarkPartAsMainResponse:
        parts.mark_part_as_main(ctx, request.part_id)
        return pb.MarkPartAsMainResponse()

    @rpc(READ, PART, "id")
    def GetRobotPartMetadata(self, ctx: DomainContext, request: pb.GetRobotPartMetadataRequest) -> pb.GetRobotPartMetadataResponse:
        return pb.GetRobotPartMetadataResponse(data=convert.struct(metadata.get_metadata(ctx, PART, request.id)))

    @rpc(WRITE, PART, "id")
    def UpdateRobotPartMetadata(
        self, ctx: DomainContext, request: pb.UpdateRobotPartMetadataRequest
    ) -> pb.UpdateRobotPartMetadataResponse:
        metadata.update_metadata(ctx, PART, request.id, optional_struct(request))
        return pb.UpdateRobotPartMetadataResponse()

    # Machine logs

    @rpc(READ, PART, "id")
    def GetRobotPartLogs(self, ctx: DomainContext, request: pb.GetRobotPartLogsRequest) -> bytes:
        query = logs.LogQuery(
            part_id=request.id,
            errors_only=request.errors_only,
            text=request.filter,
            levels=tuple(request.levels),
            start_ns=convert.optional_timestamp_ns(request, "start"),
            end_ns=convert.optional_timestamp_ns(request, "end"),
            duration=optional_string(request, "range"),
            limit=request.limit,
            ascending=request.order == pb.LOG_ORDER_ASCENDING,
            page_token=request.page_token,
        )
        page = logs.query(ctx, query)
        # Already serialized (see convert.logs_page_bytes); lenient.add_service passes bytes through.
        return convert.logs_page_bytes(page.records, page.next_page_token)

    @rpc(READ, PART, "id")
    async def TailRobotPartLogs(
        self, call: Call, request: pb.TailRobotPartLogsRequest
    ) -> AsyncIterator[bytes]:
        with logs.open_tail(call.facts.log_hub, request.id, request.errors_only, request.filter) as subscription:
            while True:
                try:
                    batch = await subscription.next_batch()
                except TailClosed:
                    return
                yield convert.tail_response_bytes(batch)  # a serialized TailRobotPartLogsResponse
