"""`buf lint` and `buf breaking` (against main) must pass on proto/ (configured by buf.yaml).

buf comes from npm (pinned in package.json): run `npm install` at the project
root. Without it this test is skipped, unless FLEET_REQUIRE_BUF=1 (for CI), in
which case a missing buf is a failure.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUF = ROOT / "node_modules" / ".bin" / "buf"


def _require_buf() -> None:
    if not BUF.exists():
        message = f"{BUF.relative_to(ROOT)} not found; run `npm install` at the project root"
        if os.environ.get("FLEET_REQUIRE_BUF", "") not in ("", "0"):
            pytest.fail(f"FLEET_REQUIRE_BUF is set but {message}")
        pytest.skip(message)


def test_buf_breaking_against_main() -> None:
    """The working tree's contract must not break what main already ships (buf.yaml: FILE rules)."""
    _require_buf()
    has_main = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "refs/heads/main"], cwd=ROOT, capture_output=True)
    if has_main.returncode != 0:
        pytest.skip("no local branch `main` to compare against")
    result = subprocess.run(
        [str(BUF), "breaking", "--against", ".git#branch=main,subdir=proto"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"`buf breaking` against main failed:\n{result.stdout}{result.stderr}"


def test_buf_lint_passes() -> None:
    _require_buf()
    result = subprocess.run([str(BUF), "lint"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, (
        f"`buf lint` failed (exit {result.returncode}); fix proto/, or if the rule conflicts with "
        f"Viam's wire contract, add it to `except:` in buf.yaml with a comment:\n{result.stdout}{result.stderr}"
    )
