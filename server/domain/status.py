"""Online status of machines and parts, derived from their last check-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum

# Default for FLEET_ONLINE_THRESHOLD_SECONDS: a machine that checked in within
# this many seconds counts as online.
ONLINE_THRESHOLD_SECONDS = 60


class OnlineState(Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    AWAITING_SETUP = "awaiting_setup"  # never checked in


def as_utc(value: datetime | None) -> datetime | None:
    """Stored datetimes come back from SQLite without a time zone; they are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def strictly_after(now: datetime, previous: datetime | None) -> datetime:
    """A new `last_updated`: now, or a microsecond past `previous` when the clock has not passed it
    (same microsecond, a clock stepped back, a replica's clock behind), so it never repeats or goes
    back and a stale `last_known_update` can never match again."""
    earliest = as_utc(previous)
    return now if earliest is None else max(now, earliest + timedelta(microseconds=1))


def online_state(
    last_access: datetime | None, now: datetime, threshold_seconds: int = ONLINE_THRESHOLD_SECONDS
) -> tuple[OnlineState, int]:
    """(state, whole seconds since the last check-in; 0 if never)."""
    last = as_utc(last_access)
    if last is None:
        return OnlineState.AWAITING_SETUP, 0
    seconds = max(0, int((now - last).total_seconds()))
    return (OnlineState.ONLINE if seconds <= threshold_seconds else OnlineState.OFFLINE), seconds
