"""Authenticate and authenticated GetRobotPart calls per second, vs a bare grpcio echo server.

All three run in the same way (sequential calls from several concurrent
client tasks over one channel) in the same run.
Run: .venv/bin/python bench/bench_auth.py [--seconds 3] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc

from fleet_bench import start_fleet
from generated.viam.app.v1 import app_pb2
from tests.harness import free_port


async def rate(call, request: bytes, seconds: float, concurrency: int, metadata=None) -> float:  # type: ignore[no-untyped-def]
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await call(request, metadata=metadata)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


def wait_for_port(port: int) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("echo server did not start")


async def run(seconds: float, concurrency: int) -> None:
    fleet = start_fleet(1)
    port = free_port()
    echo = subprocess.Popen([sys.executable, str(Path(__file__).parent / "echo_server.py"), str(port)])
    try:
        wait_for_port(port)
        part_request = app_pb2.GetRobotPartRequest(id=fleet.machines[0].part_id).SerializeToString()
        auth_request = fleet.owner_credentials.SerializeToString()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as echo_channel, grpc.aio.insecure_channel(
            fleet.server.address
        ) as channel:
            echo_call = echo_channel.unary_unary("/bench.Echo/Echo")
            authenticate = channel.unary_unary("/proto.rpc.v1.AuthService/Authenticate")
            get_part = channel.unary_unary("/viam.app.v1.AppService/GetRobotPart")
            await rate(echo_call, part_request, 0.5, concurrency)  # warm-up
            echo_rate = await rate(echo_call, part_request, seconds, concurrency)
            auth_rate = await rate(authenticate, auth_request, seconds, concurrency)
            part_rate = await rate(get_part, part_request, seconds, concurrency, metadata=fleet.owner_metadata)
    finally:
        echo.terminate()
        fleet.server.stop()
    print(f"concurrency {concurrency}, {seconds:.0f}s each")
    print(f"bare grpcio echo:                {echo_rate:8,.0f} calls/s")
    print(f"AuthService/Authenticate:        {auth_rate:8,.0f} calls/s ({auth_rate / echo_rate:.2f}x echo)")
    print(f"AppService/GetRobotPart (token): {part_rate:8,.0f} calls/s ({part_rate / echo_rate:.2f}x echo)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
