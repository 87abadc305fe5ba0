"""Users: people who authenticate with email and password and hold roles; pending invites."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, select

from server.db.models import Authorization, Location, Organization, OrganizationInvite, Robot, User
from server.domain.errors import AlreadyExists, InvalidArgument, NotFound
from server.domain.ids import new_id, utc_now
from server.domain.validation import has_control_characters
from server.security.passwords import MIN_LENGTH, hash_password

USER = "user"
# What an invite grant may be on; unshares and moves already drop grants outside the organization.
_RESOURCE_TABLES = {"organization": Organization, "location": Location, "robot": Robot}


def normalize_email(email: str) -> str:
    clean = email.strip().lower()
    local, at, domain = clean.partition("@")
    if (
        not at
        or not local
        or "." not in domain
        or any(ch.isspace() for ch in clean)
        or has_control_characters(clean)
        or len(clean) > 254
    ):
        raise InvalidArgument("email", f"{email!r} is not an email address")
    return clean


def find_by_email(session: Session, email: str) -> User | None:
    try:
        clean = normalize_email(email)
    except InvalidArgument:
        return None
    return session.exec(select(User).where(User.email == clean)).first()


def create_user(session: Session, email: str, password: str) -> User:
    clean = normalize_email(email)
    if len(password) < MIN_LENGTH:
        raise InvalidArgument("password", f"must be at least {MIN_LENGTH} characters")
    if find_by_email(session, clean) is not None:
        raise AlreadyExists("user", clean)
    user = User(id=new_id(), email=clean, password_hash=hash_password(password), created_on=utc_now())
    session.add(user)
    session.flush()
    return user


def record_login(session: Session, user: User, now: datetime) -> None:
    """Stamps the login and turns the user's pending invites into roles."""
    user.last_login = now
    session.add(user)
    for invite in session.exec(select(OrganizationInvite).where(OrganizationInvite.email == user.email)).all():
        for grant in json.loads(invite.authorizations_json):
            if session.get(_RESOURCE_TABLES[grant["resource_type"]], grant["resource_id"]) is None:
                continue  # deleted since the invite: a role on nothing would still make the user a member
            exists = session.exec(
                select(Authorization.id).where(
                    Authorization.organization_id == invite.organization_id,
                    Authorization.identity_id == user.id,
                    Authorization.role == grant["role"],
                    Authorization.resource_type == grant["resource_type"],
                    Authorization.resource_id == grant["resource_id"],
                )
            ).first()
            if exists is None:
                session.add(
                    Authorization(
                        id=new_id(),
                        organization_id=invite.organization_id,
                        identity_id=user.id,
                        identity_type=USER,
                        role=grant["role"],
                        resource_type=grant["resource_type"],
                        resource_id=grant["resource_id"],
                        created_on=now,
                    )
                )
        session.delete(invite)


def grant_organization_owner(session: Session, user: User, organization_id: str) -> None:
    if session.get(Organization, organization_id) is None:
        raise NotFound("organization", organization_id)
    session.add(
        Authorization(
            id=new_id(),
            organization_id=organization_id,
            identity_id=user.id,
            identity_type=USER,
            role="owner",
            resource_type="organization",
            resource_id=organization_id,
            created_on=utc_now(),
        )
    )
