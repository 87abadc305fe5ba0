"""AppService RPCs. Robot parts."""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from server.domain import checkin, metadata, part_configs, parts
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.services import convert
from server.services.convert import optional_datetime, optional_string, optional_struct
from server.services.rpc import rpc

LOCATION, ROBOT, PART = ResourceType.LOCATION, ResourceType.ROBOT, ResourceType.ROBOT_PART
READ, WRITE = Permission.READ, Permission.WRITE


class PartRpcs:
    @rpc(WRITE, ROBOT, "robot_id", keeps_access=True)
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

    @rpc(WRITE, PART, "id", keeps_access=True)
    def UpdateRobotPartMetadata(
        self, ctx: DomainContext, request: pb.UpdateRobotPartMetadataRequest
    ) -> pb.UpdateRobotPartMetadataResponse:
        metadata.update_metadata(ctx, PART, request.id, optional_struct(request))
        return pb.UpdateRobotPartMetadataResponse()

    @rpc(WRITE, PART, "id", keeps_access=True)
    def UpdateRobotPart(self, ctx: DomainContext, request: pb.UpdateRobotPartRequest) -> pb.UpdateRobotPartResponse:
        part = part_configs.update_robot_part(
            ctx,
            request.id,
            request.name,
            config_json=optional_string(request, "robot_config_json"),
            config=optional_struct(request, "robot_config"),
            last_known_update=optional_datetime(request, "last_known_update"),
        )
        return pb.UpdateRobotPartResponse(part=convert.robot_part(part))

    @rpc(READ, PART, "id")
    def GetRobotPartHistory(self, ctx: DomainContext, request: pb.GetRobotPartHistoryRequest) -> pb.GetRobotPartHistoryResponse:
        page = part_configs.part_history(
            ctx,
            request.id,
            start=optional_datetime(request, "start"),
            end=optional_datetime(request, "end"),
            page_token=request.page_token,
            limit=request.page_limit,
        )
        return pb.GetRobotPartHistoryResponse(
            history=[convert.history_entry(entry) for entry in page.entries], next_page_token=page.next_page_token
        )

    # Operators may restart machines (the `control_robot` permission), so READ, in a write transaction.
    @rpc(READ, PART, "part_id", write=True, keeps_access=True)
    def MarkPartForRestart(self, ctx: DomainContext, request: pb.MarkPartForRestartRequest) -> pb.MarkPartForRestartResponse:
        checkin.mark_for_restart(ctx, request.part_id)
        return pb.MarkPartForRestartResponse()
