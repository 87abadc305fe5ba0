"""SIGTERM: health turns NOT_SERVING before the port closes, in-flight calls finish, tails end cleanly, exit 0.

Run with no shutdown notice (the default: Health/Watch streams are told, then
the port closes) and with one (Health/Check pollers see NOT_SERVING while the
server still answers calls).
"""

from __future__ import annotations

import math
import signal
import socket
import threading
import time
from dataclasses import dataclass, field

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import Fleet, auth_metadata, open_channel
from harness import ServerProcess, bootstrap
from generated.viam.app.v1 import app_pb2, robot_pb2, robot_pb2_grpc
from test_logs import Tail, entry, new_machine, subscribe

STORED_BATCHES = 100  # 100,000 entries: a filter that matches none reads them all (about 15 ms a query)
# How many slow queries to send, and how long to wait before SIGTERM, are measured
# (see in_flight_plan): with a fixed number and wait, faster machines had finished
# most calls before SIGTERM, and the test then proved little.
MIN_SLOW_QUERIES = 60
# Not many more: calls that reached the transport but not yet their handler when the
# server stops are CANCELLED by grpc (bursts of about 300 did that on a 2-core box).
MAX_SLOW_QUERIES = 250
LOG_BATCHES = 8
TAILS = 3
# Long enough for the calls to reach the server; shortened on a fast server so that
# at least half of the calls are still running at SIGTERM.
MAX_IN_FLIGHT_WAIT_S = 0.3
MIN_IN_FLIGHT_WAIT_S = 0.1


@dataclass
class HealthWatch:
    """grpc.health.v1.Health/Watch read in a background thread: (monotonic time, status) per message."""

    channel: grpc.Channel
    seen: list[tuple[float, int]] = field(default_factory=list)
    error: grpc.RpcError | None = None

    def start(self) -> "HealthWatch":
        self.call = health_pb2_grpc.HealthStub(self.channel).Watch(health_pb2.HealthCheckRequest(service=""), timeout=60)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.seen and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [status for _, status in self.seen] == [health_pb2.HealthCheckResponse.SERVING]
        return self

    def _run(self) -> None:
        try:
            for response in self.call:
                self.seen.append((time.monotonic(), response.status))
        except grpc.RpcError as err:
            self.error = err

    def first(self, status: int) -> float | None:
        return next((at for at, seen in self.seen if seen == status), None)


class CheckPoller:
    """Polls Health/Check; records when it first answers NOT_SERVING (a load balancer's view)."""

    def __init__(self, channel: grpc.Channel):
        self.stub = health_pb2_grpc.HealthStub(channel)
        self.not_serving_at: float | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                status = self.stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2).status
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                    continue  # a busy server: ask again
                return
            if status == health_pb2.HealthCheckResponse.NOT_SERVING:
                self.not_serving_at = time.monotonic()
                return
            time.sleep(0.01)


class PortWatch:
    """Connects to the port in a loop; records when connecting first fails."""

    def __init__(self, port: int):
        self.port = port
        self.closed_at: float | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                self.closed_at = time.monotonic()
                return
            time.sleep(0.002)


@dataclass
class Outcome:
    code: grpc.StatusCode | None = None
    details: str = ""
    done_at: float = 0.0


def watch_future(future: grpc.Future) -> Outcome:  # type: ignore[type-arg]
    outcome = Outcome()

    def done(f: grpc.Future) -> None:  # type: ignore[type-arg]
        outcome.done_at = time.monotonic()
        outcome.code, outcome.details = f.code(), f.details() or ""

    future.add_done_callback(done)
    return outcome


def in_flight_plan(fleet: Fleet, slow: app_pb2.GetRobotPartLogsRequest) -> tuple[int, float]:
    """How many slow queries to send, and how long to wait before SIGTERM, for this server's speed.

    Measures its throughput on concurrent slow queries (best of two waves, so a cold
    cache doesn't make it look slower than it is). On a slow server the count grows
    until the wait covers a sixth of the work; on a fast one, where the count hits
    its cap, the wait shrinks to cover half of it.
    """
    wave = 40
    best_s = float("inf")
    for _ in range(2):
        started = time.monotonic()
        futures = [fleet.app.GetRobotPartLogs.future(slow, metadata=fleet.md, timeout=60) for _ in range(wave)]
        for future in futures:
            future.result()
        best_s = min(best_s, time.monotonic() - started)
    per_second = wave / best_s
    count = max(MIN_SLOW_QUERIES, min(MAX_SLOW_QUERIES, math.ceil(per_second * MAX_IN_FLIGHT_WAIT_S * 6)))
    wait_s = max(MIN_IN_FLIGHT_WAIT_S, min(MAX_IN_FLIGHT_WAIT_S, count / per_second / 2))
    return count, wait_s


@pytest.mark.parametrize("notice_s", [0.0, 0.5], ids=["no-notice", "notice"])
def test_sigterm_drains_and_exits_cleanly(tmp_path, notice_s: float) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    boot = bootstrap(data_dir, "Shutdown Org")
    server = ServerProcess(data_dir, extra_env={"FLEET_SHUTDOWN_NOTICE_SECONDS": str(notice_s)}).start()
    process = server.process
    assert process is not None
    channel = open_channel(server.address)
    try:
        fleet = Fleet(channel, auth_metadata(channel, boot), boot)
        machine = new_machine(fleet)
        for batch in range(STORED_BATCHES):
            machine.log([entry(f"stored {batch}-{i}") for i in range(1000)])
        tails = [Tail(fleet, machine.part_id) for _ in range(TAILS)]
        subscribe(machine, *tails)
        health = HealthWatch(channel).start()
        poller = CheckPoller(channel)
        port = PortWatch(server.port)

        slow = app_pb2.GetRobotPartLogsRequest(id=machine.part_id, filter="matches-nothing", limit=1000)
        slow_queries, in_flight_wait_s = in_flight_plan(fleet, slow)
        robot = robot_pb2_grpc.RobotServiceStub(channel)
        outcomes = [watch_future(fleet.app.GetRobotPartLogs.future(slow, metadata=fleet.md, timeout=60)) for _ in range(slow_queries)]
        outcomes += [
            watch_future(
                robot.Log.future(
                    robot_pb2.LogRequest(id=machine.part_id, logs=[entry(f"in flight {b}-{i}") for i in range(1000)]),
                    metadata=machine.md,
                    timeout=60,
                )
            )
            for b in range(LOG_BATCHES)
        ]
        time.sleep(in_flight_wait_s)
        sigterm_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        if notice_s:
            # during the notice, pollers see NOT_SERVING while new calls are still taken
            while poller.not_serving_at is None and time.monotonic() - sigterm_at < 5:
                time.sleep(0.01)
            assert poller.not_serving_at is not None, "Health/Check never answered NOT_SERVING"
            # a call that arrives during the notice is taken (it may finish during the drain)
            assert fleet.call("GetRobotPartLogs", id=machine.part_id, limit=1).logs
        exit_code = process.wait(timeout=30)
        stopped_at = time.monotonic()

        assert exit_code == 0, server.log()[-3000:]
        # Watch said NOT_SERVING, then ended cleanly instead of holding the drain open
        not_serving_at = health.first(health_pb2.HealthCheckResponse.NOT_SERVING)
        assert not_serving_at is not None, f"Watch never reported NOT_SERVING: {health.seen} {health.error!r}"
        assert health.error is None, f"Watch ended with {health.error!r}"
        assert port.closed_at is not None and sigterm_at < not_serving_at
        if notice_s:
            assert port.closed_at - poller.not_serving_at > notice_s / 2, "the port closed without the notice period"
        # every call that was in flight finished with OK, a good share of them only after SIGTERM
        deadline = time.monotonic() + 5
        while any(o.code is None for o in outcomes) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [(o.code, o.details) for o in outcomes if o.code != grpc.StatusCode.OK] == []
        drained = sum(1 for o in outcomes if o.done_at > sigterm_at)
        assert drained >= len(outcomes) // 4, f"only {drained} calls were still running at SIGTERM: the test proves little"
        # tails ended with OK (a clean end of stream), none cut mid-stream
        for tail in tails:
            tail.wait_finished()
            assert tail.error is None, f"tail ended with {tail.error!r}"
        print(
            f"\nshutdown: {drained}/{len(outcomes)} calls ({slow_queries} slow queries, SIGTERM {in_flight_wait_s * 1000:.0f} ms "
            f"after they were sent) finished after SIGTERM; NOT_SERVING after "
            f"{(not_serving_at - sigterm_at) * 1000:.0f} ms, port closed after {(port.closed_at - sigterm_at) * 1000:.0f} ms, "
            f"exit after {(stopped_at - sigterm_at) * 1000:.0f} ms"
        )
    finally:
        channel.close()
        server.stop()

    # the acknowledged in-flight batches were stored
    restarted = ServerProcess(data_dir).start()
    try:
        channel = open_channel(restarted.address)
        try:
            fleet = Fleet(channel, auth_metadata(channel, boot), boot)
            stored = fleet.call("GetRobotPartLogs", id=machine.part_id, filter="in flight", limit=1000)
            assert len(stored.logs) == min(1000, LOG_BATCHES * 1000)
        finally:
            channel.close()
    finally:
        assert restarted.stop() == 0
