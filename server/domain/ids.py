"""Identifiers and generated secrets."""

from __future__ import annotations

import secrets
import string
import uuid
from datetime import UTC, datetime

_LOWER_ALNUM = string.ascii_lowercase + string.digits
LOCATION_ID_LENGTH = 10
SECRET_LENGTH = 32


def new_id() -> str:
    return str(uuid.uuid4())


def new_location_id() -> str:
    # Location ids appear in machine hostnames, so they stay short and DNS-safe.
    return "".join(secrets.choice(_LOWER_ALNUM) for _ in range(LOCATION_ID_LENGTH))


def new_secret() -> str:
    return "".join(secrets.choice(_LOWER_ALNUM) for _ in range(SECRET_LENGTH))


def utc_now() -> datetime:
    return datetime.now(UTC)
