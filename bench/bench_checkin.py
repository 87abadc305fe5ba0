"""RobotService.Config check-ins per second from 1000 simulated machines, vs a bare grpcio echo server.

Each machine is a client task with its own part token, calling Config in a
loop (with agent info, as viam-agent does): first with part configs that use
no fragment, then with each naming one fragment (merged into every response). The echo server gets the same request bytes
from the same number of tasks in the same run.
Run: .venv/bin/python bench/bench_checkin.py [--machines 1000] [--seconds 5] [--channels 8]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

import grpc

from bench_auth import wait_for_port
from fleet_bench import Machine, start_fleet
from generated.viam.app.v1 import app_pb2, app_pb2_grpc, robot_pb2
from tests.harness import free_port


async def rate(channels: list[grpc.aio.Channel], path: str, machines: list[tuple[bytes, list[tuple[str, str]] | None]], seconds: float) -> float:
    calls = [channel.unary_unary(path) for channel in channels]
    done = 0
    deadline = time.perf_counter() + seconds

    async def machine(index: int, request: bytes, metadata: list[tuple[str, str]] | None) -> None:
        nonlocal done
        call = calls[index % len(calls)]
        while time.perf_counter() < deadline:
            await call(request, metadata=metadata)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(machine(i, request, metadata) for i, (request, metadata) in enumerate(machines)))
    return done / (time.perf_counter() - started)


def _requests(machines: list[Machine], with_tokens: bool) -> list[tuple[bytes, list[tuple[str, str]] | None]]:
    agent = robot_pb2.AgentInfo(host="bench", os="linux", version="0.1.0", platform="linux/amd64")
    return [
        (robot_pb2.ConfigRequest(id=m.part_id, agent_info=agent).SerializeToString(), m.metadata if with_tokens else None)
        for m in machines
    ]


def _use_a_fragment(fleet) -> None:  # type: ignore[no-untyped-def]
    """Every machine's part config names one fragment holding a component."""
    with grpc.insecure_channel(fleet.server.address) as channel:
        app = app_pb2_grpc.AppServiceStub(channel)
        fragment = app.CreateFragment(
            app_pb2.CreateFragmentRequest(organization_id=fleet.organization_id, name="base"), metadata=fleet.owner_metadata
        ).fragment
        app.UpdateFragment(
            app_pb2.UpdateFragmentRequest(id=fragment.id, name="base", fragment_config_json='{"components":[{"name":"cam","model":"fake"}]}'),
            metadata=fleet.owner_metadata,
        )
        for machine in fleet.machines:
            app.UpdateRobotPart(
                app_pb2.UpdateRobotPartRequest(id=machine.part_id, name="main", robot_config_json=f'{{"fragments":["{fragment.id}"]}}'),
                metadata=fleet.owner_metadata,
            )


async def run(machine_count: int, seconds: float, channel_count: int) -> None:
    started = time.perf_counter()
    fleet = start_fleet(machine_count)
    print(f"set up {machine_count} machines in {time.perf_counter() - started:.0f} s")
    port = free_port()
    echo = subprocess.Popen([sys.executable, str(Path(__file__).parent / "echo_server.py"), str(port)])
    try:
        wait_for_port(port)
        echo_channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.use_local_subchannel_pool", 1)]) for _ in range(channel_count)]
        server_channels = [grpc.aio.insecure_channel(fleet.server.address, options=[("grpc.use_local_subchannel_pool", 1)]) for _ in range(channel_count)]
        config_path = "/viam.app.v1.RobotService/Config"
        try:
            await rate(echo_channels, "/bench.Echo/Echo", _requests(fleet.machines, False), 0.5)  # warm-up
            echo_rate = await rate(echo_channels, "/bench.Echo/Echo", _requests(fleet.machines, False), seconds)
            await rate(server_channels, config_path, _requests(fleet.machines, True), 0.5)
            plain_rate = await rate(server_channels, config_path, _requests(fleet.machines, True), seconds)
            _use_a_fragment(fleet)
            await rate(server_channels, config_path, _requests(fleet.machines, True), 0.5)
            fragment_rate = await rate(server_channels, config_path, _requests(fleet.machines, True), seconds)
        finally:
            for channel in echo_channels + server_channels:
                await channel.close()
    finally:
        echo.terminate()
        fleet.server.stop()
    print(f"{machine_count} machines, {channel_count} channels, {seconds:.0f} s each")
    print(f"bare grpcio echo:                 {echo_rate:8,.0f} calls/s")
    print(f"Config, config without fragments: {plain_rate:8,.0f} calls/s ({plain_rate / echo_rate:.2f}x echo)")
    print(f"Config, config using a fragment:  {fragment_rate:8,.0f} calls/s ({fragment_rate / echo_rate:.2f}x echo)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--machines", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--channels", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.machines, args.seconds, args.channels))


if __name__ == "__main__":
    main()
