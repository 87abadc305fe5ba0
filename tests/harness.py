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
        self._env = {**os.environ, **(extra_env or {})}
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
