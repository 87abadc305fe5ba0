"""What every domain operation receives: the open transaction, the caller and server-wide services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from server.domain.ids import utc_now
from server.logs.hub import LogHub
from server.logs.writer import LogWriter
from server.security.secret_box import SecretBox


@dataclass(frozen=True)
class Caller:
    identity_id: str
    identity_type: str  # "api-key", "user", or "robot-secret" for a machine (identity_id is its part id)
    # For machines: the part or location secret they authenticated with ("part:<id>" / "location:<id>").
    credential_id: str = ""


@dataclass(frozen=True)
class ServerFacts:
    secret_box: SecretBox
    dns_domain: str
    log_hub: LogHub
    log_writer: LogWriter


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
    def authenticated_caller(self) -> Caller:
        if self.caller is None:
            raise RuntimeError("operation needs an authenticated caller")
        return self.caller
