"""grpc.health.v1.Health for the whole server: SERVING until shutdown starts, then NOT_SERVING.

Unlike grpc's reference servicer, a Watch stream ends (status OK) once it has
reported NOT_SERVING, so open watches do not hold the shutdown drain open
until the grace period cuts them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SERVICE_UNKNOWN = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN


class Health(health_pb2_grpc.HealthServicer):
    def __init__(self, service_names: Iterable[str]):
        self._known = {"", *service_names}
        self._stopping = asyncio.Event()
        self._watches: set[asyncio.Future[None]] = set()  # done once a watch has written NOT_SERVING

    def _status(self, service: str) -> int:
        if service not in self._known:
            return SERVICE_UNKNOWN
        return NOT_SERVING if self._stopping.is_set() else SERVING

    async def Check(self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext) -> health_pb2.HealthCheckResponse:
        if request.service not in self._known:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return health_pb2.HealthCheckResponse(status=self._status(request.service))

    async def Watch(self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext) -> None:
        await context.write(health_pb2.HealthCheckResponse(status=self._status(request.service)))
        if self._stopping.is_set():
            return
        told: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._watches.add(told)
        try:
            await self._stopping.wait()
            if request.service in self._known:
                await context.write(health_pb2.HealthCheckResponse(status=NOT_SERVING))
        finally:
            self._watches.discard(told)
            if not told.done():
                told.set_result(None)

    async def enter_shutdown(self, timeout: float = 1.0) -> None:
        """Turns NOT_SERVING and waits (at most `timeout`) until every open watch was told."""
        self._stopping.set()
        if self._watches:
            await asyncio.wait(list(self._watches), timeout=timeout)
