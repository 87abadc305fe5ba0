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
    # The caller must also belong to the target organization: checked in sharing.share_location.
    @rpc(WRITE, LOCATION, "location_id")
    def ShareLocation(self, ctx: DomainContext, request: pb.ShareLocationRequest) -> pb.ShareLocationResponse:
        sharing.share_location(ctx, request.location_id, request.organization_id)
        return pb.ShareLocationResponse()

    # Owners of the target organization own the location while it is shared with them, so they pass too.
    @rpc(WRITE, LOCATION, "location_id")
    def UnshareLocation(self, ctx: DomainContext, request: pb.UnshareLocationRequest) -> pb.UnshareLocationResponse:
        sharing.unshare_location(ctx, request.location_id, request.organization_id)
        return pb.UnshareLocationResponse()
