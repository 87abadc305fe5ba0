"""What every domain operation receives: the open transaction, the caller and server-wide services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event
from sqlmodel import Session

from server.domain.ids import utc_now
from server.domain.status import ONLINE_THRESHOLD_SECONDS
from server.logs.hub import LogHub
from server.logs.writer import LogWriter
from server.security.secret_box import SecretBox


_MEMO = "fleet.memo"


# Listeners for every session (one registered per session cost 0.1 ms a call).
@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_memo(session: Session, _event_argument: object) -> None:
    session.info.pop(_MEMO, None)


@dataclass(frozen=True)
class Caller:
    identity_id: str
    identity_type: str  # "api-key", "user", or "robot-secret" for a machine (identity_id is its part id)
    # For machines: the part or location secret they authenticated with ("part:<id>" / "location:<id>").
    credential_id: str = ""


class AccessWrites:
    """Counts the writes that may have changed who may do what: the non-machine write calls this
    server finished, and those other replicas announced. Open streams re-check their callers
    when it moves, so a deleted key or removed role ends them too, not only their next calls."""

    def __init__(self) -> None:
        self.count = 0

    def note(self) -> None:
        self.count += 1


@dataclass(frozen=True)
class ServerFacts:
    secret_box: SecretBox
    dns_domain: str
    log_hub: LogHub
    log_writer: LogWriter
    # Seconds since its last check-in within which a machine counts as online.
    online_threshold_seconds: int = ONLINE_THRESHOLD_SECONDS
    # Set when replicas share the database: deletions must end their tails too.
    replica_id: str | None = None
    # A GetRobotPartLogs or GetFragmentHistory page stops early (with a next_page_token) at this many
    # bytes of entries, so it fits the client's receive limit. One entry always goes.
    log_page_bytes: int = 3 * 1024 * 1024
    access_writes: AccessWrites = field(default_factory=AccessWrites)


@dataclass
class DomainContext:
    session: Session
    caller: Caller | None
    facts: ServerFacts
    now: datetime = field(default_factory=utc_now)
    # Run on the event loop once the transaction committed (e.g. end the live
    # tails of deleted parts); never run after a rollback.
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def memo(self) -> dict[object, object]:
        """Per-call cache of access lookups (grants, resource chains); cleared whenever
        the session flushes, so it never outlives a change made in this transaction."""
        return self.session.info.setdefault(_MEMO, {})  # type: ignore[no-any-return]

    @property
    def authenticated_caller(self) -> Caller:
        if self.caller is None:
            raise RuntimeError("operation needs an authenticated caller")
        return self.caller
