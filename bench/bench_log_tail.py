"""Live tail: 100 concurrent tails while 10 machines ingest about 10k entries/s.

Prints ingest-to-delivery latency p50/p99 and entries delivered per second;
the baseline is the round trip of a bare unary Log call of one entry measured
in the same run (the floor any delivery can reach on this machine).

The tails and the machines are one Go process (bench/loadgen -mode tail): each
Log call carries its send time in its entries' `stack`, and a tail response's
latency is that of its first, oldest entry, counted once per entry. A Python
client receiving 1,000 responses a second took about a third of a core of a
2-core box and added its own event-loop delays to what it measured.
Run: .venv/bin/python bench/bench_log_tail.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import time

import grpc

from fleet_bench import Machine, percentile, stamped_entries, start_fleet, start_tail_load, stop_tail_load
from generated.viam.app.v1 import app_pb2, robot_pb2
from generated.viam.common.v1 import common_pb2

MACHINES = 10
TAILS = int(os.environ.get("BENCH_TAILS", "100"))
BATCH = 100
BATCHES_PER_SECOND_PER_MACHINE = 10  # 10 machines x 10 x 100 = 10k entries/s


def log_round_trips(address: str, machine: Machine, calls: int = 200) -> list[float]:
    """ms of a bare one-entry Log call: the floor any delivery can reach on this machine."""
    one = robot_pb2.LogRequest(id=machine.part_id, logs=[common_pb2.LogEntry(message="x")]).SerializeToString()
    round_trips = []
    with grpc.insecure_channel(address) as channel:
        log_call = channel.unary_unary("/viam.app.v1.RobotService/Log")
        for _ in range(calls):
            started = time.perf_counter_ns()
            log_call(one, metadata=machine.metadata)
            round_trips.append((time.perf_counter_ns() - started) / 1e6)
    return round_trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    seconds = parser.parse_args().seconds
    fleet = start_fleet(MACHINES)
    try:
        tails = [app_pb2.TailRobotPartLogsRequest(id=fleet.machines[i % MACHINES].part_id).SerializeToString() for i in range(TAILS)]
        pushes = [(m, [robot_pb2.LogRequest(id=m.part_id, logs=stamped_entries(BATCH)).SerializeToString()]) for m in fleet.machines]
        loader = start_tail_load(fleet.server.address, fleet.owner_metadata, tails, pushes, BATCHES_PER_SECOND_PER_MACHINE,
                                 warmup_seconds=1.0)
        time.sleep(seconds)
        load = stop_tail_load(loader)
        round_trips = log_round_trips(fleet.server.address, fleet.machines[0])
    finally:
        fleet.server.stop()

    rate = MACHINES * BATCH * BATCHES_PER_SECOND_PER_MACHINE
    expected = rate * load["seconds"] * TAILS / MACHINES
    print(f"{TAILS} tails over {MACHINES} parts, ingest target {rate:,} entries/s for {load['seconds']:.0f}s (tails and machines: bench/loadgen)")
    print(f"delivered: {load['entries']:,.0f} entries ({load['entries'] / load['seconds']:,.0f}/s; expected about {expected:,.0f})"
          + (f", tails failed: {load['failed']:.0f}" if load["failed"] else ""))
    print(f"ingest-to-delivery latency: p50 {load['p50_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms (target p99 <= 20 ms)")
    base = percentile(round_trips, 0.5)
    print(f"baseline: idle one-entry Log round trip p50 {base:.2f} ms; latency p50 ratio {load['p50_ms'] / base:.1f}x")


if __name__ == "__main__":
    main()
