"""viam.app.v1.RobotService: the calls machines make with their part secret."""

from __future__ import annotations

import time

from generated.viam.app.v1 import robot_pb2 as pb
from generated.viam.app.v1 import robot_pb2_grpc
from server.domain import logs
from server.domain.access import Permission, ResourceType
from server.services import convert
from server.services.rpc import Call, Servicer, rpc


class RobotService(Servicer, robot_pb2_grpc.RobotServiceServicer):
    @rpc(Permission.MACHINE, ResourceType.ROBOT_PART, "id")
    async def Log(self, call: Call, request: pb.LogRequest) -> pb.LogResponse:
        records = convert.log_records(request.id, request.logs, time.time_ns())
        await logs.ingest(call.facts.log_writer, request.id, call.caller.credential_id, records)
        return pb.LogResponse()
