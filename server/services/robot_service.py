"""viam.app.v1.RobotService: the calls machines make with their part secret."""

from __future__ import annotations

import time

from google.protobuf import duration_pb2

from generated.viam.app.v1 import robot_pb2 as pb
from generated.viam.app.v1 import robot_pb2_grpc
from server.domain import checkin, logs
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.services import convert
from server.services.robot_config import robot_config
from server.services.rpc import Call, Servicer, rpc


class RobotService(Servicer, robot_pb2_grpc.RobotServiceServicer):
    @rpc(Permission.MACHINE, ResourceType.ROBOT_PART, "id", write=True)
    def Config(self, ctx: DomainContext, request: pb.ConfigRequest) -> pb.ConfigResponse:
        agent_info = request.agent_info.SerializeToString(deterministic=True) if request.HasField("agent_info") else None
        machine = checkin.machine_config(ctx, request.id, agent_info)
        return pb.ConfigResponse(config=robot_config(machine))

    @rpc(Permission.MACHINE, ResourceType.ROBOT_PART, "id")
    async def Log(self, call: Call, request: pb.LogRequest) -> pb.LogResponse:
        batch = convert.pushed_batch(request, time.time_ns())
        await logs.ingest(call.facts.log_writer, call.caller.credential_id, batch, max_entry_bytes=call.facts.log_page_bytes)
        return pb.LogResponse()

    @rpc(Permission.MACHINE, ResourceType.ROBOT_PART, "id", write=True)
    def NeedsRestart(self, ctx: DomainContext, request: pb.NeedsRestartRequest) -> pb.NeedsRestartResponse:
        must_restart = checkin.needs_restart(ctx, request.id)
        return pb.NeedsRestartResponse(
            id=request.id,
            must_restart=must_restart,
            restart_check_interval=duration_pb2.Duration(seconds=checkin.RESTART_CHECK_INTERVAL_SECONDS),
        )
