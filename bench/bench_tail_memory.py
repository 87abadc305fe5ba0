"""Server memory with 1000 open live tails (target <= 300 MB RSS).

Baseline: the same server's RSS before the tails open, in the same run.
Run: .venv/bin/python bench/bench_tail_memory.py [--tails 1000]
"""

from __future__ import annotations

import argparse
import asyncio

import grpc

from fleet_bench import rss_mb, start_fleet
from generated.viam.app.v1 import app_pb2, app_pb2_grpc, robot_pb2
from generated.viam.common.v1 import common_pb2

PARTS = 10


async def run(tails: int) -> None:
    fleet = start_fleet(PARTS)
    pid = fleet.server.process.pid  # type: ignore[union-attr]
    try:
        async with grpc.aio.insecure_channel(fleet.server.address) as channel:
            app = app_pb2_grpc.AppServiceStub(channel)
            await app.ListOrganizations(app_pb2.ListOrganizationsRequest(), metadata=fleet.owner_metadata)
            idle = rss_mb(pid)
            received = 0

            async def tail(part_id: str) -> None:
                nonlocal received
                async for response in app.TailRobotPartLogs(app_pb2.TailRobotPartLogsRequest(id=part_id), metadata=fleet.owner_metadata):
                    received += len(response.logs)

            tasks = [asyncio.create_task(tail(fleet.machines[i % PARTS].part_id)) for i in range(tails)]
            await asyncio.sleep(3)
            log_call = channel.unary_unary("/viam.app.v1.RobotService/Log")
            for machine in fleet.machines:
                entries = [common_pb2.LogEntry(level="error", message=f"e{i}") for i in range(100)]
                await log_call(robot_pb2.LogRequest(id=machine.part_id, logs=entries).SerializeToString(), metadata=machine.metadata)
            await asyncio.sleep(2)
            loaded = rss_mb(pid)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(1)
            after = rss_mb(pid)
    finally:
        fleet.server.stop()
    print(f"server RSS idle: {idle:.0f} MB")
    print(f"server RSS with {tails} open tails (after each got 100 entries; {received:,} delivered): {loaded:.0f} MB "
          f"({loaded / idle:.2f}x idle; target <= 300 MB)")
    print(f"server RSS after the tails were cancelled: {after:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tails", type=int, default=1000)
    asyncio.run(run(parser.parse_args().tails))


if __name__ == "__main__":
    main()
