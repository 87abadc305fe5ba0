"""Runs the viam-sdk compatibility suite (tests/sdk_compat) in a separate pytest process.

viam-sdk registers the `viam.app.v1` protobuf descriptors, as our generated code
does, so the two cannot be imported into one process. The suite drives a real
server through the official Python SDK exactly like a user would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 300


def test_viam_sdk_compatibility_suite() -> None:
    cmd = [sys.executable, "-m", "pytest", "-q", "tests/sdk_compat", "-p", "no:cacheprovider"]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise AssertionError(f"viam-sdk compatibility suite timed out after {TIMEOUT_S}s\n{out}\n{err}") from None
    output = f"$ {' '.join(cmd)}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    print(output)
    assert proc.returncode == 0, f"viam-sdk compatibility suite failed (exit {proc.returncode}):\n{output}"
