"""The setup scripts: `./scripts/serve FLAGS` hands its flags to the server, not to pip.

Runs copies of the real scripts in a scratch root whose `.venv` holds stubs, so
nothing is installed and no server starts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _scratch_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "scripts").mkdir(parents=True)
    for name in ("serve", "ensure-venv.sh"):
        shutil.copy2(ROOT / "scripts" / name, root / "scripts" / name)
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    calls = tmp_path / "calls"
    for name in ("python", "fleet-server"):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\n')
        stub.chmod(0o755)
    # Installed already (as after a first `./scripts/serve`): the stamp is newer than pyproject.toml.
    stamp = root / ".venv" / ".installed"
    stamp.touch()
    later = time.time() + 5
    os.utime(stamp, (later, later))
    return root


def test_serve_passes_its_flags_to_the_server_and_does_not_reinstall(tmp_path: Path) -> None:
    root = _scratch_root(tmp_path)
    result = subprocess.run(
        [str(root / "scripts" / "serve"), "--listen", "127.0.0.1:9", "--data-dir", "/tmp/x"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == ["fleet-server serve --listen 127.0.0.1:9 --data-dir /tmp/x"], calls
