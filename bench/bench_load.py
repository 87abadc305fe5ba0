"""Unary latency under load: GetRobotPart p99 idle, then with 1000 live tails open and a light ingest.

One client calls GetRobotPart --calls times, at concurrency 4 back to back (closed
loop, saturating) and at --pace calls/s (open loop, the latency a caller sees),
first on an idle server (the in-run baseline), then while a Go process (bench/loadgen -mode tail) holds --tails open
tails on a few parts and ingests --rate entries/s into them (target: loaded p99
<= 2x idle). Also prints the server's RSS idle, loaded, and after the tails
close (the memory bound). SQLite by default; --postgres runs on a throwaway
PostgreSQL cluster. The per-identity stream cap is raised for the run.
Run: .venv/bin/python bench/bench_load.py [--tails 1000] [--rate 1000] [--calls 400] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import time
from contextlib import nullcontext

import grpc

from bench_log_tail import stamped_entries
from fleet_bench import Machine, go_loadgen, local_postgres, percentile, rss_mb, start_fleet, u32
from generated.viam.app.v1 import app_pb2, app_pb2_grpc, robot_pb2

PARTS = 5
CONCURRENCY = 4
INGEST_BATCH = 50
LOG_REQUEST_POOL = 50  # distinct Log requests per machine, sent round-robin
STREAM_CAP = "5000"  # FLEET_MAX_STREAMS_PER_IDENTITY for the run (default 1000 would refuse the last tails)


async def time_unary(address: str, metadata, part_id: str, calls: int, pace: float | None = None) -> list[float]:  # type: ignore[no-untyped-def]
    """ms per GetRobotPart, `calls` in all, on a connection of its own: from CONCURRENCY
    workers back to back (closed loop), or `pace` calls/s (open loop)."""
    # A local subchannel pool: never share the load generator's (or any other) connection.
    async with grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
        app = app_pb2_grpc.AppServiceStub(channel)
        request = app_pb2.GetRobotPartRequest(id=part_id)
        for _ in range(20):  # warm-up
            await app.GetRobotPart(request, metadata=metadata)
        samples: list[float] = []

        async def worker(count: int) -> None:
            for _ in range(count):
                started = time.perf_counter()
                await app.GetRobotPart(request, metadata=metadata)
                samples.append((time.perf_counter() - started) * 1000)

        if pace is None:
            await asyncio.gather(*(worker(calls // CONCURRENCY) for _ in range(CONCURRENCY)))
            return samples

        async def one() -> None:
            started = time.perf_counter()
            await app.GetRobotPart(request, metadata=metadata)
            samples.append((time.perf_counter() - started) * 1000)

        # Open loop: a call every 1/pace s whether or not the last one finished, so the
        # figure is the latency a caller sees, not the server's share of a saturating client.
        calls_in_flight = []
        next_at = time.perf_counter()
        for _ in range(calls):
            calls_in_flight.append(asyncio.create_task(one()))
            next_at += 1 / pace
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await asyncio.gather(*calls_in_flight)
        return samples


def tail_load_input(owner_metadata, machines: list[Machine], tails: int) -> bytes:  # type: ignore[no-untyped-def]
    """stdin for `loadgen -mode tail`: the owner's token, `tails` tail requests over the parts, and
    per machine a pool of Log requests of 1 to 2*INGEST_BATCH-1 entries (INGEST_BATCH on average)."""
    rng = random.Random(5)
    owner = dict(owner_metadata)["authorization"].removeprefix("Bearer ").encode()
    out = bytearray(u32(len(owner)) + owner + u32(tails))
    for i in range(tails):
        request = app_pb2.TailRobotPartLogsRequest(id=machines[i % len(machines)].part_id).SerializeToString()
        out += u32(len(request)) + request
    out += u32(len(machines))
    for machine in machines:
        token = dict(machine.metadata)["authorization"].removeprefix("Bearer ").encode()
        out += u32(len(token)) + token + u32(LOG_REQUEST_POOL)
        for _ in range(LOG_REQUEST_POOL):
            count = rng.randint(1, 2 * INGEST_BATCH - 1)
            request = robot_pb2.LogRequest(id=machine.part_id, logs=stamped_entries(count)).SerializeToString()
            out += u32(len(request)) + request
    return bytes(out)


def start_tail_load(address: str, owner_metadata, machines: list[Machine], tails: int, rate: float) -> subprocess.Popen:  # type: ignore[no-untyped-def,type-arg]
    """Tails and paced ingest from a Go process (bench/loadgen -mode tail): a Python client receiving
    thousands of responses a second took a core of this box, and the server's figures with it."""
    loader = subprocess.Popen(
        [str(go_loadgen()), "-mode", "tail", "-address", address,
         "-calls-per-second", str(rate / len(machines) / INGEST_BATCH)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=False,
    )
    assert loader.stdin is not None and loader.stdout is not None
    loader.stdin.write(tail_load_input(owner_metadata, machines, tails))
    loader.stdin.flush()
    if loader.stdout.readline().strip() != b"ready":
        raise RuntimeError("load generator did not get ready")
    return loader


def stop_tail_load(loader: subprocess.Popen) -> dict:  # type: ignore[type-arg]
    """Ends the run (closes the loader's stdin); its counts over the loaded phase."""
    assert loader.stdin is not None and loader.stdout is not None
    loader.stdin.close()
    responses, size, seconds, failed = loader.stdout.read().split()
    if loader.wait(30) != 0:
        raise RuntimeError(f"load generator exited with {loader.returncode}")
    return {"responses": int(responses), "bytes": int(size), "seconds": float(seconds), "failed": int(failed)}


def run(args: argparse.Namespace) -> None:
    fleet = start_fleet(PARTS, extra_env={"FLEET_MAX_STREAMS_PER_IDENTITY": STREAM_CAP})
    pid = fleet.server.process.pid  # type: ignore[union-attr]
    part_id = fleet.machines[0].part_id
    try:
        idle = asyncio.run(time_unary(fleet.server.address, fleet.owner_metadata, part_id, args.calls))
        idle_paced = asyncio.run(time_unary(fleet.server.address, fleet.owner_metadata, part_id, args.calls, args.pace))
        rss_idle = rss_mb(pid)
        loader = start_tail_load(fleet.server.address, fleet.owner_metadata, fleet.machines, args.tails, args.rate)
        loaded = asyncio.run(time_unary(fleet.server.address, fleet.owner_metadata, part_id, args.calls))
        loaded_paced = asyncio.run(time_unary(fleet.server.address, fleet.owner_metadata, part_id, args.calls, args.pace))
        rss_loaded = rss_mb(pid)
        load = stop_tail_load(loader)
        time.sleep(2)
        rss_after = rss_mb(pid)
    finally:
        fleet.server.stop()
    errors = [line for line in fleet.server.log().splitlines() if "Traceback" in line or " ERROR " in line]

    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{backend}; GetRobotPart x {args.calls} at concurrency {CONCURRENCY}; load: {args.tails} tails over {PARTS} parts, "
          f"ingest {args.rate:,.0f} entries/s (batches of 1-{2 * INGEST_BATCH - 1})")
    for label, quiet, busy in (
        (f"open loop, {args.pace:.0f} calls/s (latency a caller sees)", idle_paced, loaded_paced),
        (f"closed loop, concurrency {CONCURRENCY} (saturating: shares of the CPU)", idle, loaded),
    ):
        p99_idle, p99_loaded = percentile(quiet, 0.99), percentile(busy, 0.99)
        print(f"GetRobotPart {label}")
        print(f"  idle:   p50 {percentile(quiet, 0.5):6.2f} ms, p99 {p99_idle:6.2f} ms")
        print(f"  loaded: p50 {percentile(busy, 0.5):6.2f} ms, p99 {p99_loaded:6.2f} ms")
        print(f"  ratio loaded/idle p99: {p99_loaded / p99_idle:.2f}x (target <= 2x)")
    print(f"tails during the loaded phase ({load['seconds']:.1f}s): {load['responses'] / load['seconds']:,.0f} responses/s, "
          f"{load['bytes'] / load['seconds'] / 1e6:.1f} MB/s delivered; tails failed: {load['failed']}")
    print(f"server RSS: idle {rss_idle:.0f} MB, loaded {rss_loaded:.0f} MB ({rss_loaded / rss_idle:.2f}x), "
          f"after the tails closed {rss_after:.0f} MB")
    print(f"server log lines with ERROR/Traceback: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tails", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1000, help="entries/s ingested into the tailed parts")
    parser.add_argument("--calls", type=int, default=400, help="GetRobotPart calls per phase")
    parser.add_argument("--pace", type=float, default=50, help="calls/s of the open-loop phase")
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL cluster instead of SQLite")
    args = parser.parse_args()
    with local_postgres() if args.postgres else nullcontext():
        run(args)


if __name__ == "__main__":
    main()
