"""AppService RPCs. Machine logs: paged queries and live tails."""

from __future__ import annotations

from collections.abc import AsyncIterator

from generated.viam.app.v1 import app_pb2 as pb
from server.domain import logs
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.logs.hub import TailClosed
from server.services import convert
from server.services.convert import optional_string
from server.services.rpc import STREAM_READY, Call, rpc

PART = ResourceType.ROBOT_PART
READ = Permission.READ


class LogRpcs:
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
        return convert.logs_page_bytes(page.entries, page.next_page_token)

    @rpc(READ, PART, "id")
    async def TailRobotPartLogs(
        self, call: Call, request: pb.TailRobotPartLogsRequest
    ) -> AsyncIterator[object]:  # serialized responses, and STREAM_READY once
        with logs.open_tail(call.facts.log_hub, request.id, request.errors_only, request.filter) as subscription:
            yield STREAM_READY  # subscribed: entries stored from now on will be sent
            while True:
                try:
                    batch = await subscription.next_batch()
                except TailClosed:
                    return
                yield convert.tail_response_bytes(batch)  # a serialized TailRobotPartLogsResponse
