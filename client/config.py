"""The CLI's stored credentials: `$FLEET_CONFIG_DIR/credentials.json` (default ~/.config/fleet), mode 0600."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "credentials.json"


class ConfigError(Exception):
    """Missing or unreadable credentials file."""


@dataclass(frozen=True)
class Credentials:
    address: str
    api_key_id: str
    api_key: str


def config_dir() -> Path:
    override = os.environ.get("FLEET_CONFIG_DIR")
    return Path(override) if override else Path.home() / ".config" / "fleet"


def credentials_path() -> Path:
    return config_dir() / FILE_NAME


def save(credentials: Credentials) -> Path:
    """Writes the file atomically; it is never readable by others, not even briefly."""
    path = credentials_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(credentials), out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def load() -> Credentials:
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("not logged in: run `fleet login --address HOST:PORT --key-id ID --key KEY`") from None
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    try:
        return Credentials(address=str(data["address"]), api_key_id=str(data["api_key_id"]), api_key=str(data["api_key"]))
    except (KeyError, TypeError):
        raise ConfigError(f"{path} is not a fleet credentials file; run `fleet login` again") from None
