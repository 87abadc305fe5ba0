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
        received_ns = time.time_ns()
        records = [convert.log_record(request.id, entry, received_ns) for entry in request.logs]
        await logs.ingest(call.facts.log_writer, request.id, records)
        return pb.LogResponse()
