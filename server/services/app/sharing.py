"""AppService RPCs. Sharing a location with other organizations."""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from server.domain import sharing
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.services.rpc import rpc

LOCATION = ResourceType.LOCATION
WRITE = Permission.WRITE


class SharingRpcs:
    # Owning the location through its own organization, and belonging to the target one: checked in sharing.
    @rpc(WRITE, LOCATION, "location_id")
    def ShareLocation(self, ctx: DomainContext, request: pb.ShareLocationRequest) -> pb.ShareLocationResponse:
        sharing.share_location(ctx, request.location_id, request.organization_id)
        return pb.ShareLocationResponse()

    # Sharee owners own the location too, so they pass here; sharing lets them unshare only their own organization.
    @rpc(WRITE, LOCATION, "location_id")
    def UnshareLocation(self, ctx: DomainContext, request: pb.UnshareLocationRequest) -> pb.UnshareLocationResponse:
        sharing.unshare_location(ctx, request.location_id, request.organization_id)
        return pb.UnshareLocationResponse()
