"""Random keys persisted in the data directory, created once with owner-only permissions."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create_key(path: Path, size: int = 32) -> bytes:
    if path.exists():
        key = path.read_bytes()
        if len(key) != size:
            raise RuntimeError(f"{path} is corrupt: expected {size} bytes, found {len(key)}")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(size)
    # O_EXCL: if two processes race on a new data directory, one key wins and
    # the loser reads it back instead of overwriting it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_key(path, size)
    with os.fdopen(fd, "wb") as file:
        file.write(key)
        file.flush()
        os.fsync(file.fileno())
    return key
