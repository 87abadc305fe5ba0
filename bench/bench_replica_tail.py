"""Live tails across replicas: two servers on one PostgreSQL database, tails on B, ingest on A.

N tails (default 20) on replica B, spread over 10 parts, while 10 machines
ingest on replica A at a fixed total rate (default 2k entries/s) in batches of
10-100 entries. Each batch carries its send time, so the tail measures
ingest-to-delivery latency. Baseline, in the same run: as many tails on
replica A itself, on the same parts (no LISTEN/NOTIFY hop).
Starts (and stops) its own PostgreSQL cluster with scripts/local-postgres.sh.
Run: .venv/bin/python bench/bench_replica_tail.py [--tails 20] [--rate 2000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from fleet_bench import Machine, local_postgres, percentile, start_fleet
from generated.viam.app.v1 import app_pb2, app_pb2_grpc, robot_pb2
from generated.viam.common.v1 import common_pb2
from tests.harness import ServerProcess

MACHINES = 10
MIN_BATCH, MAX_BATCH = 10, 100


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


async def measure(address_a: str, address_b: str, fleet, args: argparse.Namespace) -> tuple[Deliveries, Deliveries, float]:  # type: ignore[no-untyped-def]
    """(deliveries on B, deliveries on A, seconds) while the machines push to A."""
    cross, same = Deliveries(), Deliveries()
    async with grpc.aio.insecure_channel(address_a) as channel_a, grpc.aio.insecure_channel(address_b) as channel_b:
        app_a, app_b = app_pb2_grpc.AppServiceStub(channel_a), app_pb2_grpc.AppServiceStub(channel_b)
        log_call = channel_a.unary_unary("/viam.app.v1.RobotService/Log")
        parts = [fleet.machines[i % MACHINES].part_id for i in range(args.tails)]
        tails = [asyncio.create_task(collect(app_b, part, fleet.owner_metadata, cross)) for part in parts]
        tails += [asyncio.create_task(collect(app_a, part, fleet.owner_metadata, same)) for part in parts]
        await asyncio.sleep(1.0)  # let every tail subscribe
        # Warm-up: one small batch per machine reaches both groups, then the counters start over.
        await asyncio.gather(*(push_at_rate(log_call, m, 0.01, 1000, lambda: MIN_BATCH) for m in fleet.machines))
        warm_up = args.tails * MIN_BATCH  # each tail's part got one batch
        for _ in range(50):
            if cross.delivered >= warm_up and same.delivered >= warm_up:
                break
            await asyncio.sleep(0.1)
        else:
            print(f"WARNING: the warm-up batches did not reach every group within 5s (B {cross.delivered}, A {same.delivered} entries)")
        for deliveries in (cross, same):
            deliveries.latencies_ms.clear()
            deliveries.delivered = 0

        rng = random.Random(3)
        started = time.perf_counter()
        await asyncio.gather(*(
            push_at_rate(log_call, m, args.seconds, args.rate / MACHINES, lambda: rng.randint(MIN_BATCH, MAX_BATCH))
            for m in fleet.machines
        ))
        elapsed = time.perf_counter() - started  # the ingest window: delivered/s is over it
        await asyncio.sleep(1.0)  # let the last deliveries land
        for task in tails:
            task.cancel()
        await asyncio.gather(*tails, return_exceptions=True)
    return cross, same, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tails", type=int, default=20, help="tails on replica B (and as many on A for the baseline)")
    parser.add_argument("--rate", type=float, default=2000, help="entries/s ingested on replica A, all machines together")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with local_postgres():
        fleet = start_fleet(MACHINES)
        replica_b = ServerProcess(fleet.server.data_dir).start()
        try:
            cross, same, elapsed = asyncio.run(measure(fleet.server.address, replica_b.address, fleet, args))
        finally:
            replica_b.stop()
            fleet.server.stop()

    expected = args.rate * args.seconds * args.tails / MACHINES
    print(f"2 replicas on one PostgreSQL database; {MACHINES} machines ingest on A at {args.rate:,.0f} entries/s "
          f"(batches of {MIN_BATCH}-{MAX_BATCH}) for {args.seconds:.0f}s; {args.tails} tails on B and {args.tails} on A over {MACHINES} parts")
    for label, deliveries in (("cross-replica (tails on B)", cross), ("same replica (tails on A, baseline)", same)):
        lat = deliveries.latencies_ms
        print(f"{label:<38} delivered {deliveries.delivered:>9,} entries ({deliveries.delivered / elapsed:>8,.0f}/s; "
              f"expected about {expected:,.0f}), latency p50 {percentile(lat, 0.5):6.1f} ms, p99 {percentile(lat, 0.99):6.1f} ms")
    print(f"cross/same ratio: p50 {percentile(cross.latencies_ms, 0.5) / percentile(same.latencies_ms, 0.5):.2f}x, "
          f"p99 {percentile(cross.latencies_ms, 0.99) / percentile(same.latencies_ms, 0.99):.2f}x, "
          f"delivered {cross.delivered / max(1, same.delivered):.2f}x")


if __name__ == "__main__":
    main()
