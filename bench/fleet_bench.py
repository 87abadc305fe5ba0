"""Shared setup for the benchmarks: a real server process, an owner token, machines with their tokens."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc  # noqa: E402
from generated.viam.app.v1 import app_pb2, app_pb2_grpc  # noqa: E402
from generated.viam.common.v1 import common_pb2  # noqa: E402
import tests.harness as harness  # noqa: E402
from tests.harness import ServerProcess, bootstrap, free_port  # noqa: E402


@dataclass
class Machine:
    part_id: str
    metadata: list[tuple[str, str]]


@dataclass
class Fleet:
    server: ServerProcess
    owner_metadata: list[tuple[str, str]]
    owner_credentials: auth_pb2.AuthenticateRequest
    organization_id: str
    location_id: str
    machines: list[Machine]


def start_fleet(machine_count: int, extra_env: dict[str, str] | None = None, data_dir: Path | None = None) -> Fleet:
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="fleet-bench-")) / "data"
    boot = bootstrap(data_dir, "bench")
    server = ServerProcess(data_dir, extra_env=extra_env).start()
    with grpc.insecure_channel(server.address) as channel:
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        app = app_pb2_grpc.AppServiceStub(channel)
        owner = [("authorization", "Bearer " + _token(auth, "api-key", boot.api_key_id, boot.api_key))]
        location = app.CreateLocation(
            app_pb2.CreateLocationRequest(organization_id=boot.organization_id, name="bench"), metadata=owner
        ).location
        machines = []
        for index in range(machine_count):
            robot_id = app.NewRobot(app_pb2.NewRobotRequest(name=f"m{index}", location=location.id), metadata=owner).id
            part = app.GetRobotParts(app_pb2.GetRobotPartsRequest(robot_id=robot_id), metadata=owner).parts[0]
            machines.append(Machine(part.id, [("authorization", "Bearer " + _token(auth, "robot-secret", part.id, part.secret))]))
    credentials = auth_pb2.AuthenticateRequest(
        entity=boot.api_key_id, credentials=auth_pb2.Credentials(type="api-key", payload=boot.api_key)
    )
    return Fleet(server, owner, credentials, boot.organization_id, location.id, machines)


def _token(auth: auth_pb2_grpc.AuthServiceStub, kind: str, entity: str, secret: str) -> str:
    request = auth_pb2.AuthenticateRequest(entity=entity, credentials=auth_pb2.Credentials(type=kind, payload=secret))
    return auth.Authenticate(request).access_token


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def rss_mb(pid: int) -> float:
    """RSS of the process and its children (the server and its log writer process)."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1]) / 1024
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += rss_mb(int(child))
    return total


@contextmanager
def local_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; every fleet started meanwhile gets a database of its own on it."""
    cluster = Path(tempfile.mkdtemp(prefix="fleet-bench-pg-"))
    script = str(ROOT / "scripts" / "local-postgres.sh")
    url = subprocess.run([script, "start", str(cluster), str(free_port())], check=True, capture_output=True, text=True).stdout.strip()
    previous, harness.TEST_POSTGRES_URL = harness.TEST_POSTGRES_URL, url
    try:
        yield url
    finally:
        harness.TEST_POSTGRES_URL = previous
        subprocess.run([script, "stop", str(cluster)], check=False)


def database_url(data_dir: Path) -> str:
    """The URL the servers on this data dir use (the harness's PostgreSQL database, else DIR/fleet.db)."""
    return harness.database_url(data_dir) or f"sqlite:///{data_dir / 'fleet.db'}"


def u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def loadgen_chunk(data: bytes) -> bytes:
    """bench/loadgen's framing: u32 length, then the bytes."""
    return u32(len(data)) + data


def bearer_token(metadata: list[tuple[str, str]]) -> bytes:
    return dict(metadata)["authorization"].removeprefix("Bearer ").encode()


def loadgen_machine(machine: Machine, requests: list[bytes]) -> bytes:
    """One machine for bench/loadgen: its token, then its serialized requests."""
    return loadgen_chunk(bearer_token(machine.metadata)) + u32(len(requests)) + b"".join(map(loadgen_chunk, requests))


def go_loadgen() -> Path:
    """Builds bench/loadgen (Go; its modules come from the Go module proxy the first time)."""
    source = ROOT / "bench" / "loadgen"
    binary = Path(tempfile.gettempdir()) / "fleet-bench-loadgen"
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=source, check=True)
    return binary


def run_loadgen(address: str, pushes: list[tuple[Machine, list[bytes]]], method: str = "/viam.app.v1.RobotService/Log") -> float:
    """Each machine sends its serialized requests in order, one call at a time, from a Go process
    (machine 0's requests once more first, untimed). Returns the timed run's calls/s."""
    stdin = b"".join(loadgen_machine(machine, requests) for machine, requests in pushes)
    result = subprocess.run(
        [str(go_loadgen()), "-address", address, "-method", method], input=stdin, capture_output=True, check=True
    )
    calls, seconds = result.stdout.split()
    return int(calls) / float(seconds)


# `bench/loadgen -mode tail` writes each Log call's send time over this, in the entries' `stack`.
STAMP_PLACEHOLDER = "@" * 16


def stamped_entries(count: int) -> list[common_pb2.LogEntry]:
    """Entries whose delivery to tails `loadgen -mode tail` times (their `stack` gets the send time)."""
    return [common_pb2.LogEntry(level="info", message=f"tick {i}", stack=STAMP_PLACEHOLDER) for i in range(count)]


def start_tail_load(address: str, owner_metadata: list[tuple[str, str]], tail_requests: list[bytes],
                    pushes: list[tuple[Machine, list[bytes]]], calls_per_second: float,
                    warmup_seconds: float = 2.0) -> subprocess.Popen[bytes]:
    """Tails (serialized TailRobotPartLogsRequests, as the owner) and paced Log calls (each machine's
    requests round-robin, `calls_per_second` each) from bench/loadgen -mode tail, a Go process: a
    Python client receiving thousands of responses a second takes a core of a small box, and the
    server's figures with it. Returns once every tail is subscribed and the warm-up has passed."""
    loader = subprocess.Popen(
        [str(go_loadgen()), "-mode", "tail", "-address", address, "-calls-per-second", str(calls_per_second),
         "-warmup", f"{warmup_seconds}s"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    assert loader.stdin is not None and loader.stdout is not None
    loader.stdin.write(b"".join([
        loadgen_chunk(bearer_token(owner_metadata)), u32(len(tail_requests)), *map(loadgen_chunk, tail_requests),
        u32(len(pushes)), *(loadgen_machine(machine, requests) for machine, requests in pushes),
    ]))
    loader.stdin.flush()
    if loader.stdout.readline().strip() != b"ready":
        raise RuntimeError("load generator did not get ready")
    return loader


def stop_tail_load(loader: subprocess.Popen[bytes]) -> dict[str, float]:
    """Ends the run (closes the loader's stdin); what the tails got since it was ready: responses,
    bytes, seconds, failed (tails), entries (in stamped responses) and their delivery latency
    p50_ms / p99_ms (NaN without stamped entries)."""
    assert loader.stdin is not None and loader.stdout is not None
    loader.stdin.close()
    fields = loader.stdout.read().split()
    if loader.wait(30) != 0:
        raise RuntimeError(f"load generator exited with {loader.returncode}")
    names = ("responses", "bytes", "seconds", "failed", "entries", "p50_ms", "p99_ms")
    return {name: float(value) for name, value in zip(names, fields, strict=True)}
