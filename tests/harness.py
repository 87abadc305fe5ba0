"""Run the real server as a child process for tests.

This module imports neither our generated code nor viam-sdk, so both the main
suite and the viam-sdk compatibility suite (which must not share a process with
our descriptors) can use it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 30.0
# Admin URL of a PostgreSQL cluster: when set, every data dir's server uses a
# database of its own there instead of DIR/fleet.db (scripts/test sets it).
TEST_POSTGRES_URL = os.environ.get("FLEET_TEST_POSTGRES_URL", "")


def database_url(data_dir: Path) -> str | None:
    """The FLEET_DATABASE_URL servers on this data dir use, or None for the SQLite default."""
    if not TEST_POSTGRES_URL:
        return None
    # Next to the data dir, so it is shared by every process that uses the dir
    # (bootstrap, serve, user-add, the viam-sdk suite) and never inside it.
    marker = data_dir.parent / f".{data_dir.name}.database-url"
    if marker.exists():
        return marker.read_text()
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    name = f"fleet_test_{uuid.uuid4().hex[:16]}"
    admin = make_url(TEST_POSTGRES_URL)
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name).render_as_string(hide_password=False)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(url)
    return url


def effective_database_url(data_dir: Path) -> str:
    """The database servers on this data dir use: the test PostgreSQL one, or DIR/fleet.db."""
    return database_url(data_dir) or f"sqlite:///{data_dir / 'fleet.db'}"


def server_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for any `python -m server ...` process working on this data dir."""
    url = database_url(data_dir)
    return {**os.environ, **({"FLEET_DATABASE_URL": url} if url else {}), **(extra or {})}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class BootstrapResult:
    organization_id: str
    api_key_id: str
    api_key: str


def bootstrap(data_dir: Path, org_name: str = "First Org") -> BootstrapResult:
    """Run `python -m server bootstrap --json` on a data directory."""
    out = subprocess.run(
        [sys.executable, "-m", "server", "bootstrap", "--data-dir", str(data_dir), "--org-name", org_name, "--json"],
        cwd=ROOT,
        env=server_env(data_dir),
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(out.stdout)
    return BootstrapResult(data["organization_id"], data["api_key_id"], data["api_key"])


class ServerProcess:
    """`python -m server serve` on a free loopback port, stopped with SIGTERM."""

    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None, extra_args: list[str] | None = None):
        self.data_dir = data_dir
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self._env = server_env(data_dir, extra_env)
        self._extra_args = extra_args or []
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "ServerProcess":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--listen", self.address, "--data-dir", str(self.data_dir), *self._extra_args],
            cwd=ROOT,
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not listen within {STARTUP_TIMEOUT_S}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, wait for a graceful exit; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"server ignored SIGTERM for {timeout}s:\n{self.log()}")

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
