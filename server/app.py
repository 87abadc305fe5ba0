"""The gRPC server: services, reflection, health, and graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from generated.proto.rpc.v1 import auth_pb2
from generated.viam.app.v1 import app_pb2, robot_pb2
from server.db.engine import unit_of_work
from server.domain.bootstrap import is_bootstrapped
from server.runtime import Runtime
from server.services.app_service import AppService
from server.services.auth_service import AuthService
from server.services.lenient import add_service
from server.services.reflection import enable_reflection
from server.services.robot_service import RobotService
from server.logs.retention import RETENTION_INTERVAL_SECONDS, run_retention

log = logging.getLogger(__name__)

SERVICE_NAMES = (
    app_pb2.DESCRIPTOR.services_by_name["AppService"].full_name,
    robot_pb2.DESCRIPTOR.services_by_name["RobotService"].full_name,
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name,
)


async def serve(runtime: Runtime) -> None:
    server = grpc.aio.server()
    for servicer, messages, name in (
        (AppService(runtime), app_pb2, "AppService"),
        (RobotService(runtime), robot_pb2, "RobotService"),
        (AuthService(runtime), auth_pb2, "AuthService"),
    ):
        add_service(server, servicer, messages.DESCRIPTOR.services_by_name[name], messages)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    enable_reflection(server, (*SERVICE_NAMES, health.SERVICE_NAME))

    listen = runtime.settings.listen
    if server.add_insecure_port(listen) == 0:
        raise SystemExit(f"cannot listen on {listen}")
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("fleet-server listening on %s (data dir %s)", listen, runtime.settings.data_dir)
    with unit_of_work(runtime.engine, write=False) as session:
        if not is_bootstrapped(session):
            log.warning(
                "no organization yet: create the first one and its owner API key with\n"
                "  fleet-server bootstrap --data-dir %s --org-name 'My Organization'",
                runtime.settings.data_dir,
            )

    retention = None
    if runtime.settings.log_retention_seconds > 0:
        retention = asyncio.create_task(
            run_retention(runtime.engine, runtime.settings.log_retention_seconds, RETENTION_INTERVAL_SECONDS)
        )

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()

    # Tell load balancers first, then let in-flight calls finish within the grace period.
    log.info("shutting down: health NOT_SERVING, draining for up to %.0fs", runtime.settings.shutdown_grace_seconds)
    await health_servicer.enter_graceful_shutdown()
    runtime.facts.log_hub.close_all()  # live tails end cleanly instead of being cut at the deadline
    await server.stop(grace=runtime.settings.shutdown_grace_seconds)
    if retention is not None:
        retention.cancel()
    runtime.engine.dispose()
    log.info("stopped")
