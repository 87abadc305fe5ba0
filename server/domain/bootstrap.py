"""First start: the first organization and an owner API key, shown once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from server.db.models import ApiKey, Organization
from server.domain import organizations
from server.domain.authentication import API_KEY
from server.domain.context import Caller, DomainContext
from server.domain.errors import FailedPrecondition
from server.domain.ids import new_id
from server.security.api_keys import hash_api_key, new_api_key


@dataclass(frozen=True)
class BootstrapResult:
    organization_id: str
    organization_name: str
    api_key_id: str
    api_key: str


def is_bootstrapped(session: Session) -> bool:
    return session.exec(select(Organization.id).limit(1)).first() is not None


def bootstrap(ctx: DomainContext, organization_name: str) -> BootstrapResult:
    if is_bootstrapped(ctx.session):
        raise FailedPrecondition("data_dir", "this server is already bootstrapped (it has organizations)")
    organization = organizations.insert_organization(ctx, organization_name, "org-name")
    key = new_api_key()
    api_key = ApiKey(
        id=new_id(), organization_id=organization.id, name="bootstrap owner key", key_hash=hash_api_key(key), created_on=ctx.now
    )
    ctx.session.add(api_key)
    ctx.session.flush()
    organizations.grant_owner(ctx, organization.id, Caller(identity_id=api_key.id, identity_type=API_KEY))
    return BootstrapResult(organization.id, organization.name, api_key.id, key)
