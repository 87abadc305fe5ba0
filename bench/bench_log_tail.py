"""Live tail: 100 concurrent tails while 10 machines ingest about 10k entries/s.

Prints ingest-to-delivery latency p50/p99 and entries delivered per second;
the baseline is the round trip of a bare unary Log call of one entry measured
in the same run (the floor any delivery can reach on this machine).
Run: .venv/bin/python bench/bench_log_tail.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import asyncio
import struct
import time

import grpc

from fleet_bench import percentile, start_fleet
from generated.viam.app.v1 import app_pb2, app_pb2_grpc, robot_pb2
from generated.viam.common.v1 import common_pb2

MACHINES = 10
TAILS = int(os.environ.get("BENCH_TAILS", "100"))
BATCH = 100
BATCHES_PER_SECOND_PER_MACHINE = 10  # 10 machines x 10 x 100 = 10k entries/s


async def run(seconds: float) -> None:
    fleet = start_fleet(MACHINES)
    latencies_ms: list[float] = []
    delivered = 0
    try:
        async with grpc.aio.insecure_channel(fleet.server.address) as channel:
            app = app_pb2_grpc.AppServiceStub(channel)
            log_call = channel.unary_unary("/viam.app.v1.RobotService/Log")
            ready = 0

            async def tail(part_id: str) -> None:
                nonlocal delivered, ready
                stream = app.TailRobotPartLogs(app_pb2.TailRobotPartLogsRequest(id=part_id), metadata=fleet.owner_metadata)
                ready += 1
                try:
                    async for response in stream:
                        now = time.perf_counter_ns()
                        for entry in response.logs:
                            if entry.stack:  # the send time, packed by the pusher
                                sent = struct.unpack("<q", bytes.fromhex(entry.stack))[0]
                                latencies_ms.append((now - sent) / 1e6)
                        delivered += len(response.logs)
                except asyncio.CancelledError:
                    stream.cancel()
                    raise

            tails = [asyncio.create_task(tail(fleet.machines[i % MACHINES].part_id)) for i in range(TAILS)]
            await asyncio.sleep(1.0)  # let every tail subscribe

            async def push(index: int) -> None:
                machine = fleet.machines[index]
                interval = 1 / BATCHES_PER_SECOND_PER_MACHINE
                deadline = time.perf_counter() + seconds
                next_at = time.perf_counter()
                while time.perf_counter() < deadline:
                    stamp = struct.pack("<q", time.perf_counter_ns()).hex()
                    entries = [common_pb2.LogEntry(level="info", message=f"tick {i}", stack=stamp) for i in range(BATCH)]
                    await log_call(robot_pb2.LogRequest(id=machine.part_id, logs=entries).SerializeToString(), metadata=machine.metadata)
                    next_at += interval
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

            started = time.perf_counter()
            await asyncio.gather(*(push(i) for i in range(MACHINES)))
            await asyncio.sleep(0.5)  # let the last deliveries land
            elapsed = time.perf_counter() - started
            for task in tails:
                task.cancel()
            await asyncio.gather(*tails, return_exceptions=True)

            machine = fleet.machines[0]
            one = robot_pb2.LogRequest(id=machine.part_id, logs=[common_pb2.LogEntry(message="x")]).SerializeToString()
            round_trips = []
            for _ in range(200):
                t0 = time.perf_counter_ns()
                await log_call(one, metadata=machine.metadata)
                round_trips.append((time.perf_counter_ns() - t0) / 1e6)
    finally:
        fleet.server.stop()

    expected = MACHINES * BATCH * BATCHES_PER_SECOND_PER_MACHINE * seconds * TAILS / MACHINES
    print(f"{TAILS} tails over {MACHINES} parts, ingest target {MACHINES * BATCH * BATCHES_PER_SECOND_PER_MACHINE:,} entries/s for {seconds:.0f}s")
    print(f"delivered: {delivered:,} entries ({delivered / elapsed:,.0f}/s; expected about {expected:,.0f} in all)")
    print(f"ingest-to-delivery latency: p50 {percentile(latencies_ms, 0.5):.1f} ms, p99 {percentile(latencies_ms, 0.99):.1f} ms (target p99 <= 20 ms)")
    base = percentile(round_trips, 0.5)
    print(f"baseline: idle one-entry Log round trip p50 {base:.2f} ms; latency p50 ratio {percentile(latencies_ms, 0.5) / base:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    asyncio.run(run(parser.parse_args().seconds))


if __name__ == "__main__":
    main()
