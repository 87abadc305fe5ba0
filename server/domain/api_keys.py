"""API keys: identities of an organization that hold roles and authenticate with a secret.

The secret is random (security/api_keys.py), returned only by create_key,
rotate_key and create_key_from_existing, and stored only as a hash. Unlike
hosted Viam, which shows a key's secret again in ListKeys, this server cannot:
listings carry an empty `key`.

Every token names the key id and a fingerprint of the secret it was issued
for, and the server re-checks both on every call: deleting a key stops its
tokens at once, and rotating it stops the tokens of the old secret (the
caller's own included; authenticate again with the new secret).

Who may do what:
- create: the caller must own every resource the new key gets a role on
  (all in one organization, the key's);
- list, delete, rename: owners of the key's organization;
- rotate and create-from-existing hand out a secret with the key's roles, so
  they also need the caller to own every resource those roles are on;
- an unknown key id and a key of an organization the caller doesn't own give
  the same PermissionDenied.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from server.db.models import ApiKey, Authorization
from server.domain import access, roles
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import InvalidArgument, PermissionDenied
from server.domain.ids import new_id
from server.domain.roles import API_KEY, AuthorizationInput, Grant
from server.domain.validation import clean_name, require_id
from server.security.api_keys import hash_api_key, new_api_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewSecret:
    """A key id with its secret, shown this once."""

    id: str
    key: str


@dataclass(frozen=True)
class KeyView:
    id: str
    organization_id: str
    name: str
    created_on: datetime
    roles: list[Authorization]


def create_key(ctx: DomainContext, authorizations: Sequence[AuthorizationInput], name: str) -> NewSecret:
    field = "authorizations"
    if not authorizations:
        raise InvalidArgument(field, "at least one authorization is required")
    grants = [roles.parse(given, field, identity="absent") for given in authorizations]
    organization_ids = {grant.organization_id for grant in grants}
    if len(organization_ids) != 1:
        raise InvalidArgument(field, f"all authorizations must be in one organization; got {', '.join(sorted(organization_ids))}")
    seen: set[tuple[str, str, str]] = set()
    for grant in grants:
        role = (grant.role, grant.resource_type, grant.resource_id)
        if role in seen:
            raise InvalidArgument(field, f"{grant.authorization_id} on {grant.resource_id!r} is listed twice")
        seen.add(role)
    key_name = clean_name(name) if name.strip() else None
    roles.check_grantable(ctx, grants, field)
    key_id = new_id()
    return _insert_key(ctx, key_id, grants[0].organization_id, key_name or f"key-{key_id[:8]}", grants)


def list_keys(ctx: DomainContext, organization_id: str) -> list[KeyView]:
    """Every key of the organization with all its roles, oldest first (the caller owns the organization)."""
    keys = ctx.session.exec(
        select(ApiKey).where(ApiKey.organization_id == organization_id).order_by(ApiKey.created_on, ApiKey.id)
    ).all()
    held = roles.roles_of(ctx, [key.id for key in keys])
    return [_view(key, held[key.id]) for key in keys]


def delete_key(ctx: DomainContext, key_id: str) -> None:
    """Deletes the key and its roles; refused if that would leave the key's own organization
    without an owner.

    Organizations the key created and alone owns don't hold the deletion up (revoking a key
    must always be possible for its organization's owners); they are left without an owner,
    which a server administrator can give them (`fleet-server user-add --owner-of`).
    A caller may delete the very key it is calling with; its next call is then unauthenticated.
    """
    key = _owned_key(ctx, key_id)
    held = roles.roles_of(ctx, [key.id])[key.id]
    roles.ensure_owners_remain(ctx, [row for row in held if row.organization_id == key.organization_id])
    _revoke(ctx, key.organization_id, held, f"api key {key.id} deleted")
    ctx.session.delete(key)


def revoke_keys_of(ctx: DomainContext, organization_id: str) -> None:
    """Before an organization is deleted (its keys go with it by cascade): deletes its keys' roles,
    those in organizations they created included, which no cascade reaches. As with delete_key,
    organizations they alone owned are left without an owner."""
    key_ids = list(ctx.session.exec(select(ApiKey.id).where(ApiKey.organization_id == organization_id)).all())
    held = [row for rows in roles.roles_of(ctx, key_ids).values() for row in rows]
    _revoke(ctx, organization_id, held, f"organization {organization_id} deleted with its api keys")


def rotate_key(ctx: DomainContext, key_id: str) -> NewSecret:
    """A new secret for the same key id. The old secret stops authenticating at once, and tokens
    issued for it stop too: a key's tokens carry a fingerprint of the secret they were issued for.
    """
    key = _owned_key(ctx, key_id)
    _require_owner_of_roles(ctx, key)
    secret = new_api_key()
    key.key_hash = hash_api_key(secret)
    ctx.session.add(key)
    return NewSecret(id=key.id, key=secret)


def rename_key(ctx: DomainContext, key_id: str, name: str) -> ApiKey:
    key = _owned_key(ctx, key_id)
    key.name = clean_name(name)
    ctx.session.add(key)
    return key


def create_key_from_existing(ctx: DomainContext, key_id: str) -> NewSecret:
    """A new key in the same organization with the same roles (and a generated name)."""
    key = _owned_key(ctx, key_id)
    held = _require_owner_of_roles(ctx, key)
    grants = [
        Grant(organization_id=row.organization_id, role=row.role, resource_type=row.resource_type, resource_id=row.resource_id)
        for row in held
    ]
    new_key_id = new_id()
    return _insert_key(ctx, new_key_id, key.organization_id, f"key-{new_key_id[:8]}", grants)


def robot_api_keys(ctx: DomainContext, robot_id: str) -> list[KeyView]:
    """Keys with a role that reaches the machine: on it, a location above it, or an organization
    that owns or shares one of those locations. Each key comes with only those roles (not its
    roles elsewhere, which the caller may not be entitled to see)."""
    chain = access.resource_chain(ctx, ResourceType.ROBOT, robot_id)
    if not chain:
        return []
    rows = [
        row
        for row in ctx.session.exec(
            select(Authorization)
            .where(Authorization.identity_type == API_KEY)
            .where(col(Authorization.resource_id).in_([resource_id for _, resource_id in chain]))
            .order_by(Authorization.created_on, Authorization.id)
        ).all()
        if (row.resource_type, row.resource_id) in chain
    ]
    by_key: dict[str, list[Authorization]] = {}
    for row in rows:
        by_key.setdefault(row.identity_id, []).append(row)
    if not by_key:
        return []
    keys = ctx.session.exec(
        select(ApiKey).where(col(ApiKey.id).in_(list(by_key))).order_by(ApiKey.created_on, ApiKey.id)
    ).all()
    return [_view(key, by_key[key.id]) for key in keys]


def _insert_key(ctx: DomainContext, key_id: str, organization_id: str, name: str, grants: Sequence[Grant]) -> NewSecret:
    secret = new_api_key()
    ctx.session.add(
        ApiKey(id=key_id, organization_id=organization_id, name=name, key_hash=hash_api_key(secret), created_on=ctx.now)
    )
    ctx.session.flush()
    for grant in grants:
        roles.insert(ctx, grant, key_id, API_KEY)
    return NewSecret(id=key_id, key=secret)


def _revoke(ctx: DomainContext, organization_id: str, held: Sequence[Authorization], event: str) -> None:
    """Deletes roles of keys of the organization, warning about other organizations left without an owner."""
    orphaned = roles.organizations_left_without_owner(ctx, [row for row in held if row.organization_id != organization_id])
    if orphaned:
        log.warning("%s; organizations only they owned now have no owner: %s", event, ", ".join(orphaned))
    for row in held:
        ctx.session.delete(row)


def _owned_key(ctx: DomainContext, key_id: str) -> ApiKey:
    """The key, if the caller owns its organization; the same PermissionDenied whether or not it exists."""
    require_id(key_id, "id")
    key = ctx.session.get(ApiKey, key_id)
    if key is None or not access.has_permission(ctx, Permission.WRITE, ResourceType.ORGANIZATION, key.organization_id):
        raise PermissionDenied(f"no write permission on api key {key_id!r} (or it does not exist)")
    return key


def _require_owner_of_roles(ctx: DomainContext, key: ApiKey) -> list[Authorization]:
    held = roles.roles_of(ctx, [key.id])[key.id]
    for row in held:
        if not access.has_permission(ctx, Permission.WRITE, ResourceType(row.resource_type), row.resource_id):
            raise PermissionDenied(
                f"api key {key.id!r} has a role on {row.resource_type} {row.resource_id!r} that you do not own"
            )
    return held


def _view(key: ApiKey, held: list[Authorization]) -> KeyView:
    return KeyView(id=key.id, organization_id=key.organization_id, name=key.name, created_on=key.created_on, roles=held)
