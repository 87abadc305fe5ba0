"""Live tail: 100 concurrent tails while 10 machines ingest about 10k entries/s.

Prints ingest-to-delivery latency p50/p99 and entries delivered per second;
the baseline is the round trip of a bare unary Log call of one entry measured
in the same run (the floor any delivery can reach on this machine).
Run: .venv/bin/python bench/bench_log_tail.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from fleet_bench import Machine, percentile, start_fleet
from generated.viam.app.v1 import app_pb2, app_pb2_grpc, robot_pb2
from generated.viam.common.v1 import common_pb2

MACHINES = 10
TAILS = int(os.environ.get("BENCH_TAILS", "100"))
BATCH = 100
BATCHES_PER_SECOND_PER_MACHINE = 10  # 10 machines x 10 x 100 = 10k entries/s


@dataclass
class Deliveries:
    """What the tails of one group received: ingest-to-delivery latencies and the entry count."""

    latencies_ms: list[float] = field(default_factory=list)
    delivered: int = 0


def stamped_entries(count: int) -> list[common_pb2.LogEntry]:
    """A batch whose entries carry the send time (perf_counter_ns) in `stack`, which the tail decodes."""
    stamp = struct.pack("<q", time.perf_counter_ns()).hex()
    return [common_pb2.LogEntry(level="info", message=f"tick {i}", stack=stamp) for i in range(count)]


async def collect(app: app_pb2_grpc.AppServiceStub, part_id: str, metadata, deliveries: Deliveries) -> None:  # type: ignore[no-untyped-def]
    """Tails one part until cancelled, recording each entry's latency (same process, so the same clock).

    A response's entries arrive together and in order, so its latency is that of
    its first, oldest entry (an upper bound for the others), counted once per
    entry. Decoding only that entry keeps this client's own Python work (100k
    entries/s with 100 tails) from queueing up and being measured as server latency.
    """
    stream = app.TailRobotPartLogs(app_pb2.TailRobotPartLogsRequest(id=part_id), metadata=metadata)
    try:
        async for response in stream:
            now = time.perf_counter_ns()
            count = len(response.logs)
            first = response.logs[0] if count else None
            if first is not None and first.stack:  # the send time, packed by the pusher
                sent = struct.unpack("<q", bytes.fromhex(first.stack))[0]
                deliveries.latencies_ms.extend([(now - sent) / 1e6] * count)
            deliveries.delivered += count
    except asyncio.CancelledError:
        stream.cancel()
        raise


async def push_at_rate(log_call, machine: Machine, seconds: float, entries_per_second: float,  # type: ignore[no-untyped-def]
                       batch_size: Callable[[], int], phase: float = 0.0) -> None:
    """Sends stamped batches of batch_size() entries for `seconds`, paced to entries_per_second.

    `phase` (0..1) delays the first batch by that fraction of the pacing interval:
    real machines are not phase-locked, and ten pushers firing at the same instant
    would measure their own burst's queueing rather than delivery latency.
    """
    deadline = time.perf_counter() + seconds
    next_at = time.perf_counter()
    if phase:
        next_at += phase * batch_size() / entries_per_second
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    while time.perf_counter() < deadline:
        count = batch_size()
        await log_call(robot_pb2.LogRequest(id=machine.part_id, logs=stamped_entries(count)).SerializeToString(), metadata=machine.metadata)
        next_at += count / entries_per_second
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


async def log_round_trips(log_call, machine: Machine, calls: int = 200) -> list[float]:  # type: ignore[no-untyped-def]
    """ms of a bare one-entry Log call: the floor any delivery can reach on this machine."""
    one = robot_pb2.LogRequest(id=machine.part_id, logs=[common_pb2.LogEntry(message="x")]).SerializeToString()
    round_trips = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        await log_call(one, metadata=machine.metadata)
        round_trips.append((time.perf_counter_ns() - t0) / 1e6)
    return round_trips


async def run(seconds: float) -> None:
    fleet = start_fleet(MACHINES)
    deliveries = Deliveries()
    try:
        async with grpc.aio.insecure_channel(fleet.server.address) as channel:
            app = app_pb2_grpc.AppServiceStub(channel)
            log_call = channel.unary_unary("/viam.app.v1.RobotService/Log")
            tails = [
                asyncio.create_task(collect(app, fleet.machines[i % MACHINES].part_id, fleet.owner_metadata, deliveries))
                for i in range(TAILS)
            ]
            await asyncio.sleep(1.0)  # let every tail subscribe

            started = time.perf_counter()
            rate = BATCH * BATCHES_PER_SECOND_PER_MACHINE
            await asyncio.gather(*(
                push_at_rate(log_call, m, seconds, rate, lambda: BATCH, phase=index / MACHINES)
                for index, m in enumerate(fleet.machines)
            ))
            await asyncio.sleep(0.5)  # let the last deliveries land
            elapsed = time.perf_counter() - started
            for task in tails:
                task.cancel()
            await asyncio.gather(*tails, return_exceptions=True)
            round_trips = await log_round_trips(log_call, fleet.machines[0])
    finally:
        fleet.server.stop()

    latencies_ms, delivered = deliveries.latencies_ms, deliveries.delivered

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
