"""The CLI's stored credentials: `$FLEET_CONFIG_DIR/credentials.json` (default ~/.config/fleet), mode 0600.

Two kinds: an API key (`{address, api_key_id, api_key}`; the CLI authenticates
with it on every run) or a user session (`{address, email, token}`: the access
token a password login returned; the password itself is never stored, so when
the server rejects the token the user runs `fleet login --email` again).
"""

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
    """An API key."""

    address: str
    api_key_id: str
    api_key: str

    @property
    def identity(self) -> str:
        return self.api_key_id

    def login_command(self) -> str:
        return f"fleet login --address {self.address} --key-id {self.api_key_id}"


@dataclass(frozen=True)
class UserCredentials:
    """A user session: the token of a password login (never the password)."""

    address: str
    email: str
    token: str

    @property
    def identity(self) -> str:
        return self.email

    def login_command(self) -> str:
        return f"fleet login --address {self.address} --email {self.email}"


StoredCredentials = Credentials | UserCredentials


def config_dir() -> Path:
    override = os.environ.get("FLEET_CONFIG_DIR")
    return Path(override) if override else Path.home() / ".config" / "fleet"


def credentials_path() -> Path:
    return config_dir() / FILE_NAME


def save(credentials: StoredCredentials) -> Path:
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


def load() -> StoredCredentials:
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "not logged in: run `fleet login --address HOST:PORT --key-id ID` or `fleet login --address HOST:PORT --email EMAIL`"
        ) from None
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    try:
        if "token" in data:
            return UserCredentials(address=str(data["address"]), email=str(data["email"]), token=str(data["token"]))
        return Credentials(address=str(data["address"]), api_key_id=str(data["api_key_id"]), api_key=str(data["api_key"]))
    except (KeyError, TypeError):
        raise ConfigError(f"{path} is not a fleet credentials file; run `fleet login` again") from None
