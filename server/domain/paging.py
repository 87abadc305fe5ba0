"""Keyset paging shared by log queries, part history and fragment history.

Page tokens are opaque to clients: base64url of a small JSON object of
integers/booleans naming where the previous page stopped (never an offset).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

from server.domain.errors import InvalidArgument

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def page_size(limit: int, default: int, maximum: int, field: str = "limit") -> int:
    """0 means the default; more than the maximum is capped; negative is refused."""
    if limit < 0:
        raise InvalidArgument(field, "must not be negative")
    return min(limit or default, maximum)


def encode_token(**position: int | bool) -> str:
    payload = json.dumps(position, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    """The position a token names; INVALID_ARGUMENT `page_token` for anything this server did not issue."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError, RecursionError):  # RecursionError: JSON nested thousands deep
        data = None
    if not isinstance(data, dict):
        raise bad_token()
    return data


def token_int(data: dict[str, Any], key: str) -> int:
    """An integer a decoded token carries. Tokens this server issued hold int64s (database
    integers); anything else would overflow a query parameter, so it is not our token."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not INT64_MIN <= value <= INT64_MAX:
        raise bad_token()
    return value


def bad_token() -> InvalidArgument:
    return InvalidArgument("page_token", "is not a token this server issued")


def leading_within(sizes: Iterable[int], max_bytes: int) -> int:
    """How many of the leading items fit in `max_bytes` together; at least one, if there are any
    (a page always moves on). The rest go to the next page."""
    total = count = 0
    for size in sizes:
        total += size
        if total > max_bytes and count:
            break
        count += 1
    return count
