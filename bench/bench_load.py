"""Unary latency under load: GetRobotPart p99 idle, then with 1000 live tails open under growing ingest.

One client calls GetRobotPart --calls times, at concurrency 4 back to back (closed
loop, saturating) and at --pace calls/s (open loop, the latency a caller sees), on
an idle server (the in-run baseline), then once per --rates value while a Go
process (bench/loadgen -mode tail) holds --tails open tails and ingests that many
entries/s into the tailed parts (target: loaded p99 <= 2x idle). That sequence runs
--rounds times, and each figure is the median of the rounds' p99s: on a small VM an
idle p99 taken once moved between 4.9 and 9.3 ms from one run to the next. Each
--layouts value is a run of its own on a fresh server, with the tails over that
many parts: 5 parts is a heavy fan-out (every batch goes out to 200 tails, so the
tail messages/s column is what grows the load); 1000 parts is one tail a machine,
as when each machine has someone watching its logs. Each phase also times a bare
grpc.aio echo server in a process of its own, which the load never reaches, at the
same pace: how much of the slowdown the box itself brings (the load generator and
the server share its cores with the caller). Also prints the server's RSS
idle, with the tails, and after they close (the memory bound). SQLite by default;
--postgres runs on a throwaway PostgreSQL cluster. The per-identity stream cap is
raised for the run.
Run: .venv/bin/python bench/bench_load.py [--tails 1000] [--layouts 5,1000] [--rates 0,250,1000] [--rounds 3] [--calls 500] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from bench_auth import wait_for_port
from fleet_bench import Fleet, local_postgres, percentile, rss_mb, stamped_entries, start_fleet, start_tail_load, stop_tail_load
from generated.viam.app.v1 import app_pb2, app_pb2_grpc, robot_pb2
from tests.harness import free_port

CONCURRENCY = 4
INGEST_BATCH = 50
LOG_REQUESTS = 250  # distinct Log requests in all (at least 2 a machine), each machine's sent round-robin
STREAM_CAP = "5000"  # FLEET_MAX_STREAMS_PER_IDENTITY for the run (default 1000 would refuse the last tails)


async def time_unary(address: str, metadata, part_id: str, calls: int, pace: float | None = None) -> list[float]:  # type: ignore[no-untyped-def]
    """ms per GetRobotPart, `calls` in all, on a connection of its own: from CONCURRENCY
    workers back to back (closed loop), or `pace` calls/s (open loop)."""
    request = app_pb2.GetRobotPartRequest(id=part_id)
    return await time_calls(address, lambda channel: app_pb2_grpc.AppServiceStub(channel).GetRobotPart, request, metadata, calls, pace)


async def time_echo(address: str, calls: int, pace: float) -> list[float]:
    """ms per call to bench/echo_server.py, as time_unary's open loop."""
    return await time_calls(address, lambda channel: channel.unary_unary("/bench.Echo/Echo"), b"x" * 200, (), calls, pace)


async def time_calls(address: str, method_of, request, metadata, calls: int, pace: float | None) -> list[float]:  # type: ignore[no-untyped-def]
    # A local subchannel pool: never share the load generator's (or any other) connection.
    async with grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
        method = method_of(channel)
        for _ in range(20):  # warm-up
            await method(request, metadata=metadata)
        samples: list[float] = []

        async def worker(count: int) -> None:
            for _ in range(count):
                started = time.perf_counter()
                await method(request, metadata=metadata)
                samples.append((time.perf_counter() - started) * 1000)

        if pace is None:
            await asyncio.gather(*(worker(calls // CONCURRENCY) for _ in range(CONCURRENCY)))
            return samples

        # Open loop: a call every 1/pace s whether or not the last one finished, so the
        # figure is the latency a caller sees, not the server's share of a saturating client.
        calls_in_flight = []
        next_at = time.perf_counter()
        for _ in range(calls):
            calls_in_flight.append(asyncio.create_task(worker(1)))
            next_at += 1 / pace
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await asyncio.gather(*calls_in_flight)
        return samples


def start_load(fleet: Fleet, tails: int, rate: float) -> subprocess.Popen[bytes]:
    """`tails` tails over the parts, and per machine a pool of Log requests of 1 to
    2*INGEST_BATCH-1 entries (INGEST_BATCH on average) sent to reach `rate` entries/s in all."""
    rng = random.Random(5)
    machines = fleet.machines
    tail_requests = [app_pb2.TailRobotPartLogsRequest(id=machines[i % len(machines)].part_id).SerializeToString() for i in range(tails)]
    pool = max(2, LOG_REQUESTS // len(machines))
    pushes = [
        (machine, [
            robot_pb2.LogRequest(id=machine.part_id, logs=stamped_entries(rng.randint(1, 2 * INGEST_BATCH - 1))).SerializeToString()
            for _ in range(pool)
        ])
        for machine in machines
    ]
    return start_tail_load(fleet.server.address, fleet.owner_metadata, tail_requests, pushes, rate / len(machines) / INGEST_BATCH)


@dataclass
class Phase:
    """GetRobotPart latencies (ms) under one load, a list per round, and what the tails got meanwhile."""

    rate: float | None  # entries/s ingested into the tailed parts; None: no tails (idle)
    closed: list[list[float]] = field(default_factory=list)
    paced: list[list[float]] = field(default_factory=list)
    echo: list[list[float]] = field(default_factory=list)  # the bare echo server's, open loop
    rss_mb: float = 0.0
    loads: list[dict[str, float]] = field(default_factory=list)


def p99_of_rounds(rounds: list[list[float]]) -> tuple[float, float, float]:
    """(median, lowest, highest) of the rounds' p99s: a stall of the whole VM in one round
    (this box has them) moves the highest, not the figure."""
    p99s = sorted(percentile(samples, 0.99) for samples in rounds)
    return statistics.median(p99s), p99s[0], p99s[-1]


def run(args: argparse.Namespace, parts: int) -> None:
    fleet = start_fleet(parts, extra_env={"FLEET_MAX_STREAMS_PER_IDENTITY": STREAM_CAP})
    pid = fleet.server.process.pid  # type: ignore[union-attr]
    part_id = fleet.machines[0].part_id
    echo_port = free_port()
    echo = subprocess.Popen([sys.executable, str(Path(__file__).parent / "echo_server.py"), str(echo_port)])

    def measure(phase: Phase) -> None:
        phase.closed.append(asyncio.run(time_unary(fleet.server.address, fleet.owner_metadata, part_id, args.calls)))
        phase.paced.append(asyncio.run(time_unary(fleet.server.address, fleet.owner_metadata, part_id, args.calls, args.pace)))
        phase.echo.append(asyncio.run(time_echo(f"127.0.0.1:{echo_port}", args.calls, args.pace)))
        phase.rss_mb = max(phase.rss_mb, rss_mb(pid))

    idle = Phase(None)
    phases = [Phase(rate) for rate in args.rates]
    try:
        wait_for_port(echo_port)
        # Rounds alternate idle and loaded phases, so the baseline is taken across the run
        # as the loaded figures are, not once at its start.
        for _ in range(args.rounds):
            measure(idle)
            for phase in phases:
                assert phase.rate is not None
                loader = start_load(fleet, args.tails, phase.rate)
                measure(phase)
                phase.loads.append(stop_tail_load(loader))
        time.sleep(2)
        rss_after = rss_mb(pid)
    finally:
        fleet.server.stop()
        echo.kill()
        echo.wait()
    errors = [line for line in fleet.server.log().splitlines() if "Traceback" in line or " ERROR " in line]

    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{backend}; {args.rounds} rounds, each an idle phase then one phase per load; GetRobotPart x {args.calls} a phase, "
          f"open loop at {args.pace:.0f} calls/s (the latency a caller sees) and closed loop at concurrency {CONCURRENCY} "
          f"(saturating: shares of the CPU); load: {args.tails} tails over {parts} parts while their machines ingest "
          f"into them (batches of 1-{2 * INGEST_BATCH - 1}); p99: the median of the rounds' p99s [lowest-highest]")
    print(f"{'':44}{'open p50 / p99 [range] (ratio)':>44}{'closed p50 / p99 [range] (ratio)':>44}{'bare echo, open (the box)':>44}")

    def row(label: str, phase: Phase) -> str:
        cells = []
        for rounds, baseline in ((phase.paced, idle.paced), (phase.closed, idle.closed), (phase.echo, idle.echo)):
            p99, lowest, highest = p99_of_rounds(rounds)
            ratio = f"({p99 / p99_of_rounds(baseline)[0]:.2f}x)" if phase is not idle else ""
            p50 = percentile([sample for samples in rounds for sample in samples], 0.5)
            cells.append(f"{p50:6.2f} / {p99:6.2f} [{lowest:.1f}-{highest:.1f}] ms {ratio:>8}")
        return f"{label:44}" + "".join(f"{cell:>44}" for cell in cells)

    print(row("idle (no tails)", idle))
    for phase in phases:
        loads = phase.loads
        seconds = sum(load["seconds"] for load in loads)
        label = f"{phase.rate:,.0f} entries/s, {sum(load['responses'] for load in loads) / seconds:,.0f} tail msgs/s"
        delivery = ""
        if all(load["entries"] for load in loads):
            delivery = (f"  tail delivery p50 / p99 {statistics.median(load['p50_ms'] for load in loads):.1f} / "
                        f"{statistics.median(load['p99_ms'] for load in loads):.1f} ms")
        failed = sum(load["failed"] for load in loads)
        print(row(label, phase) + delivery + (f"  tails failed: {failed:.0f}" if failed else ""))
    print("target: loaded p99 <= 2x idle; the bare echo server's ratio is what the box alone brings to a caller")
    print(f"server RSS: idle {idle.rss_mb:.0f} MB, with the tails up to {max(p.rss_mb for p in phases):.0f} MB, "
          f"after the tails closed {rss_after:.0f} MB")
    print(f"server log lines with ERROR/Traceback: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tails", type=int, default=1000)
    parser.add_argument("--layouts", type=lambda text: [int(n) for n in text.split(",")], default=[5, 1000],
                        help="parts the tails are spread over, one run each (comma-separated)")
    parser.add_argument("--rates", type=lambda text: [float(r) for r in text.split(",")], default=[0.0, 250.0, 1000.0],
                        help="entries/s ingested into the tailed parts, one loaded phase each (comma-separated)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of an idle phase and one phase per rate")
    parser.add_argument("--calls", type=int, default=500, help="GetRobotPart calls per phase (and per loop kind)")
    parser.add_argument("--pace", type=float, default=50, help="calls/s of the open-loop phase")
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL cluster instead of SQLite")
    args = parser.parse_args()
    with local_postgres() if args.postgres else nullcontext():
        for index, parts in enumerate(args.layouts):
            if index:
                print()
            run(args, parts)


if __name__ == "__main__":
    main()
