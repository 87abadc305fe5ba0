"""Online status of machines and parts, derived from their last check-in."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

# A machine that checked in within this many seconds counts as online.
ONLINE_THRESHOLD_SECONDS = 60


class OnlineState(Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    AWAITING_SETUP = "awaiting_setup"  # never checked in


def online_state(last_access: datetime | None, now: datetime) -> tuple[OnlineState, int]:
    """(state, whole seconds since the last check-in; 0 if never)."""
    if last_access is None:
        return OnlineState.AWAITING_SETUP, 0
    seconds = max(0, int((now - last_access).total_seconds()))
    return (OnlineState.ONLINE if seconds <= ONLINE_THRESHOLD_SECONDS else OnlineState.OFFLINE), seconds
