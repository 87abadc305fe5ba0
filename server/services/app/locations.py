"""AppService RPCs. Locations: nested groups of machines."""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from server.domain import locations, metadata
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.services import convert
from server.services.convert import optional_string, optional_struct
from server.services.rpc import rpc

ORG, LOCATION = ResourceType.ORGANIZATION, ResourceType.LOCATION
READ, WRITE = Permission.READ, Permission.WRITE


class LocationRpcs:
    @rpc(WRITE, ORG, "organization_id")
    def CreateLocation(self, ctx: DomainContext, request: pb.CreateLocationRequest) -> pb.CreateLocationResponse:
        created = locations.create_location(ctx, request.organization_id, request.name, optional_string(request, "parent_location_id"))
        return pb.CreateLocationResponse(location=convert.location(created))

    @rpc(READ, LOCATION, "location_id")
    def GetLocation(self, ctx: DomainContext, request: pb.GetLocationRequest) -> pb.GetLocationResponse:
        return pb.GetLocationResponse(location=convert.location(locations.get_location(ctx, request.location_id)))

    # Sharee owners pass here; locations lets only owners through the location's own organization on.
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

    # As UpdateLocation: ownership through the location's own organization is checked in locations.
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

    # As UpdateLocation: ownership through the location's own organization is checked in locations.
    @rpc(WRITE, LOCATION, "location_id", keeps_access=True)
    def UpdateLocationMetadata(self, ctx: DomainContext, request: pb.UpdateLocationMetadataRequest) -> pb.UpdateLocationMetadataResponse:
        locations.update_location_metadata(ctx, request.location_id, optional_struct(request))
        return pb.UpdateLocationMetadataResponse()
