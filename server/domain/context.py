"""What every domain operation receives: the open transaction, the caller and server-wide services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from server.domain.ids import utc_now
from server.security.secret_box import SecretBox


@dataclass(frozen=True)
class Caller:
    identity_id: str
    identity_type: str  # "api-key" (users and machines come with the access-control work)


@dataclass(frozen=True)
class ServerFacts:
    secret_box: SecretBox
    dns_domain: str


@dataclass
class DomainContext:
    session: Session
    caller: Caller | None
    facts: ServerFacts
    now: datetime = field(default_factory=utc_now)

    @property
    def authenticated_caller(self) -> Caller:
        if self.caller is None:
            raise RuntimeError("operation needs an authenticated caller")
        return self.caller
