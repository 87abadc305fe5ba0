"""The gRPC server: services, reflection, health, limits, and graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import gc
import logging
import shlex
import signal
import sys
import time
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2_grpc

from generated.proto.rpc.v1 import auth_pb2
from generated.viam.app.v1 import app_pb2, robot_pb2
from server.db.engine import unit_of_work
from server.domain.bootstrap import is_bootstrapped
from server.logs.retention import prepare_partitions, run_log_upkeep
from server.runtime import Runtime
from server.settings import Settings
from server.services.app_service import AppService
from server.services.auth_service import AuthService
from server.services.health import Health
from server.services.lenient import add_service
from server.services.reflection import enable_reflection
from server.services.robot_service import RobotService
from server.services.stream_slots import StreamSlots

log = logging.getLogger(__name__)
# Allocations between young-generation collections (CPython's default is 700):
# a Log batch of 1000 entries alone makes thousands of short-lived objects.
GC_YOUNG_THRESHOLD = 50_000
# How long a thread waiting for the GIL lets the holder run on (CPython's default
# is 5 ms). A call's transaction runs in a worker thread that must win the GIL back
# from the event loop after every SQLite step; with the loop busy fanning entries
# out to hundreds of tails, those waits stretch the transaction (1000 tails over 5 parts
# at 1000 entries/s): GetRobotPart's handler p99 was 33-64 ms at 5 ms and 13-27 ms at
# 0.5 ms; from 0.5 to 0.1 ms its transaction's p99 fell from 15-17 ms to 9-12 ms.
# Ingest and tail delivery were no slower.
GIL_SWITCH_SECONDS = 0.0001
# On a stop, calls already received get handlers before the drain begins: it waits until
# no call has started for this long (at most the second figure).
STARTS_QUIET_SECONDS = 0.05
STARTS_WAIT_MAX_SECONDS = 1.0

SERVICE_NAMES = (
    app_pb2.DESCRIPTOR.services_by_name["AppService"].full_name,
    robot_pb2.DESCRIPTOR.services_by_name["RobotService"].full_name,
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name,
)


async def serve(runtime: Runtime) -> None:
    stopping = _termination_signal()
    call_starts = CallStarts()
    server, health_servicer = _build_server(runtime, call_starts)
    listen = runtime.settings.listen
    if server.add_insecure_port(listen) == 0:
        raise SystemExit(f"cannot listen on {listen}")
    replication = await _start_replication(runtime)
    await runtime.facts.log_writer.start()
    await prepare_partitions(runtime.engine, runtime.settings.log_retention_seconds)
    _settle_garbage_collector()
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    await server.start()
    log.info("fleet-server listening on %s (data dir %s)", listen, runtime.settings.data_dir)
    _hint_bootstrap(runtime)

    settings = runtime.settings
    retention = asyncio.create_task(
        run_log_upkeep(runtime.engine, settings.log_retention_seconds, settings.log_retention_interval_seconds),
        name="log-upkeep",
    )

    await stopping.wait()
    await _drain(runtime, server, health_servicer, call_starts)
    for task in (retention, replication):
        if task is not None:
            task.cancel()
    await runtime.facts.log_writer.close()
    runtime.engine.dispose()
    log.info("stopped")


def _settle_garbage_collector() -> None:
    """Moves everything alive after startup (modules, descriptors, caches) out of the
    collector's view, and lets young garbage pile up longer between collections: a
    full collection over those objects stalls every call and tail for tens of ms."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


class CallStarts(grpc.aio.ServerInterceptor):
    """Counts the calls handed to handlers, so the drain can tell when the received ones all started."""

    def __init__(self) -> None:
        self.count = 0

    async def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        self.count += 1
        return await continuation(handler_call_details)


def _build_server(runtime: Runtime, call_starts: CallStarts) -> tuple[grpc.aio.Server, Health]:
    settings = runtime.settings
    server = grpc.aio.server(
        interceptors=[call_starts],
        options=[
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
        ]
    )
    stream_slots = StreamSlots(settings.max_streams_per_identity)  # one cap per identity across services
    for servicer, messages, name in (
        (AppService(runtime, stream_slots), app_pb2, "AppService"),
        (RobotService(runtime, stream_slots), robot_pb2, "RobotService"),
        (AuthService(runtime, stream_slots), auth_pb2, "AuthService"),
    ):
        add_service(server, servicer, messages.DESCRIPTOR.services_by_name[name], messages)
    health_servicer = Health(SERVICE_NAMES)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    enable_reflection(server, (*SERVICE_NAMES, health.SERVICE_NAME))
    return server, health_servicer


def _hint_bootstrap(runtime: Runtime) -> None:
    with unit_of_work(runtime.engine, write=False) as session:
        if not is_bootstrapped(session):
            log.warning("no organization yet: create the first one and its owner API key with\n  %s", bootstrap_command(runtime.settings))


def bootstrap_command(settings: Settings) -> str:
    """The `fleet-server bootstrap` command for this server's own database. A database other
    than the data dir's SQLite file is named (password hidden): without it, bootstrap would
    create an organization in DIR/fleet.db that this server never reads."""
    words = ["fleet-server", "bootstrap", "--data-dir", str(settings.data_dir)]
    note = ""
    if settings.database_url != f"sqlite:///{settings.data_dir / 'fleet.db'}":
        from sqlalchemy.engine import make_url

        url = make_url(settings.database_url)
        words += ["--database-url", url.render_as_string(hide_password=True)]
        if url.password:
            note = "  (with the database password in place of ***)"
    words += ["--org-name", "My Organization"]
    return shlex.join(words) + note


def _termination_signal() -> asyncio.Event:
    """Set on SIGTERM or SIGINT. Installed before the port opens, so a stop sent as soon
    as the server answers still drains instead of killing it."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    return stopping


async def _drain(runtime: Runtime, server: grpc.aio.Server, health_servicer: Health, call_starts: CallStarts) -> None:
    """Tell load balancers first, then let in-flight calls finish within the grace period."""
    settings = runtime.settings
    log.info("shutting down: health NOT_SERVING, draining for up to %.0fs", settings.shutdown_grace_seconds)
    await health_servicer.enter_shutdown()
    if settings.shutdown_notice_seconds > 0:
        await asyncio.sleep(settings.shutdown_notice_seconds)  # still serving while pollers see NOT_SERVING
    await _until_received_calls_started(call_starts)
    runtime.facts.log_hub.close_all()  # live tails end cleanly instead of being cut at the deadline
    await server.stop(grace=settings.shutdown_grace_seconds)


async def _until_received_calls_started(call_starts: CallStarts) -> None:
    """grpc.aio's stop cancels calls that arrived but have no handler yet, so a burst sent just
    before the signal would end CANCELLED instead of being served. Waits until calls stop
    starting (bounded: a steady stream of new calls would never let it end)."""
    deadline = time.monotonic() + STARTS_WAIT_MAX_SECONDS
    seen = -1
    while call_starts.count != seen and time.monotonic() < deadline:
        seen = call_starts.count
        await asyncio.sleep(STARTS_QUIET_SECONDS)


async def _start_replication(runtime: Runtime) -> asyncio.Task[None] | None:
    """On PostgreSQL: hear other replicas' log batches before serving, so no tail misses them."""
    if runtime.replication is None:
        return None
    task = asyncio.create_task(runtime.replication.run(), name="log-replication")
    try:
        await asyncio.wait_for(runtime.replication.listening.wait(), timeout=10)
    except TimeoutError:
        log.warning("log replication is not listening yet; tails see other replicas' logs once it connects")
    return task
