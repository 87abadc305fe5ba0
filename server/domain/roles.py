"""Roles: who holds owner or operator on an organization, a location or a robot.

A role travels on the wire as Viam's `Authorization`: authorization_type
"role", authorization_id "<resource_type>_<role>" (e.g. "location_operator"),
resource_type, resource_id, identity_id, identity_type ("api-key" | "user")
and organization_id, the organization the role is held in. `parse` checks
the shape of one, `check_grantable` what it points at; both are shared by
every operation that takes authorizations (keys, roles, invites).

Rules for granting a role:
- the caller must own the resource (PermissionDenied otherwise, checked
  before anything about the resource is revealed);
- the resource must belong to the role's organization: the organization
  itself, or a location/machine in it or in a location shared with it;
- an API key may only hold roles in its own organization; a user may hold
  roles in any organization;
- a role is unique per identity, resource and granting organization (a shared
  location may hold the same role from its own organization and a sharee);
- an organization never loses its last owner (its last "organization_owner"
  role).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from server.db.models import ApiKey, Authorization, Organization, User
from server.domain import access
from server.domain.access import OPERATOR, OWNER, Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

API_KEY = "api-key"
USER = "user"
IDENTITY_TYPES = (API_KEY, USER)
ROLE_AUTHORIZATION = "role"
RESOURCE_TYPES = ("organization", "location", "robot")
LAST_OWNER = "organization must keep at least one owner"

# CheckPermissions vocabulary: what each role allows on a resource and everything beneath it.
OPERATOR_PERMISSIONS = (
    "read_organization",
    "read_location",
    "read_robot",
    "read_robot_logs",
    "read_robot_config",
    "control_robot",
)
OWNER_PERMISSIONS = OPERATOR_PERMISSIONS + (
    "update_organization",
    "update_location",
    "update_robot",
    "update_robot_config",
    "delete_organization",
    "delete_location",
    "delete_robot",
    "manage_keys",
    "manage_roles",
    "manage_members",
)
_PERMISSIONS_OF = {OWNER: frozenset(OWNER_PERMISSIONS), OPERATOR: frozenset(OPERATOR_PERMISSIONS)}


@dataclass(frozen=True)
class AuthorizationInput:
    """An `Authorization` as received, unchecked."""

    authorization_type: str = ""
    authorization_id: str = ""
    resource_type: str = ""
    resource_id: str = ""
    identity_id: str = ""
    identity_type: str = ""
    organization_id: str = ""


@dataclass(frozen=True)
class Grant:
    """A well-formed role; identity_id/identity_type may be "" where the operation supplies them."""

    organization_id: str
    role: str
    resource_type: str
    resource_id: str
    identity_id: str = ""
    identity_type: str = ""

    @property
    def authorization_id(self) -> str:
        return f"{self.resource_type}_{self.role}"

    def describe(self) -> str:
        who = f"{self.identity_id} " if self.identity_id else ""
        return f"{who}{self.authorization_id} on {self.resource_id}"


@dataclass(frozen=True)
class PermissionQuery:
    """One CheckPermissions entry: the permissions asked for on one resource."""

    resource_type: str
    resource_id: str
    permissions: tuple[str, ...]


# --------------------------------------------------------------------------- checks shared with keys and invites


def parse(given: AuthorizationInput, field: str, *, identity: str = "required") -> Grant:
    """Checks the shape of one authorization (no database). `identity`: "required", "optional" or "absent".

    "absent" is for CreateKey: the key does not exist yet, so identity_id must be empty
    and identity_type empty or "api-key" (what the Viam SDK sends).
    """
    if given.authorization_type not in ("", ROLE_AUTHORIZATION):
        raise InvalidArgument(field, f"authorization_type must be {ROLE_AUTHORIZATION!r}, got {given.authorization_type!r}")
    if given.resource_type not in RESOURCE_TYPES:
        raise InvalidArgument(field, f"resource_type must be one of {', '.join(RESOURCE_TYPES)}; got {given.resource_type!r}")
    prefix, _, role = given.authorization_id.rpartition("_")
    if prefix != given.resource_type or role not in access.ROLES:
        raise InvalidArgument(
            field,
            f"authorization_id must be '{given.resource_type}_owner' or '{given.resource_type}_operator' "
            f"for resource_type {given.resource_type!r}; got {given.authorization_id!r}",
        )
    if not given.resource_id:
        raise InvalidArgument(field, "resource_id is required")
    if not given.organization_id:
        raise InvalidArgument(field, "organization_id is required")
    if identity == "absent":
        if given.identity_id:
            raise InvalidArgument(field, "identity_id must be empty: the new key's id is not known yet")
        if given.identity_type not in ("", API_KEY):
            raise InvalidArgument(field, f"identity_type must be {API_KEY!r} or empty; got {given.identity_type!r}")
    else:
        if identity == "required" and not given.identity_id:
            raise InvalidArgument(field, "identity_id is required")
        if given.identity_type not in ("", *IDENTITY_TYPES):
            raise InvalidArgument(field, f"identity_type must be 'api-key', 'user' or empty; got {given.identity_type!r}")
    return Grant(
        organization_id=given.organization_id,
        role=role,
        resource_type=given.resource_type,
        resource_id=given.resource_id,
        identity_id=given.identity_id,
        identity_type=given.identity_type,
    )


def require_owner_of(ctx: DomainContext, grants: Iterable[Grant]) -> None:
    """PermissionDenied unless the caller owns every resource (unknown resources included)."""
    for grant in grants:
        access.require(ctx, Permission.WRITE, ResourceType(grant.resource_type), [grant.resource_id])


def check_in_organization(ctx: DomainContext, grant: Grant, field: str) -> None:
    """InvalidArgument unless the resource belongs to the grant's organization (or a location shared with it)."""
    if grant.resource_type == "organization":
        inside = grant.resource_id == grant.organization_id and ctx.session.get(Organization, grant.resource_id) is not None
    else:
        chain = access.resource_chain(ctx, ResourceType(grant.resource_type), grant.resource_id)
        inside = ("organization", grant.organization_id) in chain
    if not inside:
        raise InvalidArgument(
            field,
            f"{grant.resource_type} {grant.resource_id!r} does not exist in organization {grant.organization_id!r}",
        )


def check_grantable(ctx: DomainContext, grants: Sequence[Grant], field: str) -> None:
    """The caller owns every resource and holds a role in each grant's organization (owning a
    location through a share gives no say over who belongs to the sharing organization), then
    each resource belongs to its grant's organization."""
    require_owner_of(ctx, grants)
    require_member_of(ctx, grants)
    for grant in grants:
        check_in_organization(ctx, grant, field)


def require_member_of(ctx: DomainContext, grants: Iterable[Grant]) -> None:
    """PermissionDenied unless the caller holds a role in each grant's organization: only its
    members decide who holds roles in it (owning a location through a share is not enough)."""
    member_of = set(access.organizations_of_caller(ctx))
    for grant in grants:
        if grant.organization_id not in member_of:
            raise PermissionDenied(f"no role in organization {grant.organization_id!r}: only its members manage roles in it")


def is_in_organization(ctx: DomainContext, organization_id: str, resource_type: str, resource_id: str) -> bool:
    try:
        check_in_organization(ctx, Grant(organization_id, OWNER, resource_type, resource_id), "")
    except InvalidArgument:
        return False
    return True


def drop_roles_outside(ctx: DomainContext, organization_id: str) -> None:
    """Deletes the organization's roles on locations and machines no longer in it or shared with it
    (after an unshare: they would otherwise still grant access)."""
    rows = ctx.session.exec(
        select(Authorization)
        .where(Authorization.organization_id == organization_id)
        .where(col(Authorization.resource_type).in_(["location", "robot"]))
    ).all()
    for row in rows:
        if not is_in_organization(ctx, organization_id, row.resource_type, row.resource_id):
            ctx.session.delete(row)


def identity_type_of(ctx: DomainContext, grant: Grant, field: str) -> str:
    """The identity must exist: an API key of the grant's organization, or a user."""
    if grant.identity_type in ("", API_KEY):
        key = ctx.session.get(ApiKey, grant.identity_id)
        if key is not None and key.organization_id == grant.organization_id:
            return API_KEY
    if grant.identity_type in ("", USER) and ctx.session.get(User, grant.identity_id) is not None:
        return USER
    raise InvalidArgument(
        field,
        f"identity {grant.identity_id!r} is neither an API key of organization {grant.organization_id!r} nor a user",
    )


def ensure_owners_remain(ctx: DomainContext, removing: Sequence[Authorization]) -> None:
    """FailedPrecondition if removing these roles would leave an organization without an owner."""
    orphaned = organizations_left_without_owner(ctx, removing)
    if orphaned:
        raise FailedPrecondition(f"organization/{orphaned[0]}", LAST_OWNER)


def organizations_left_without_owner(ctx: DomainContext, removing: Sequence[Authorization]) -> list[str]:
    """The organizations that removing these roles would leave without an owner."""
    orphaned = []
    removed_ids = {row.id for row in removing}
    organizations = sorted({row.resource_id for row in removing if row.role == OWNER and row.resource_type == "organization"})
    for organization_id in organizations:
        # Serializes concurrent removals of an organization's owners (a no-op on SQLite, whose writers are serialized).
        ctx.session.exec(select(Organization.id).where(Organization.id == organization_id).with_for_update()).first()
        remaining = [
            row_id
            for row_id in ctx.session.exec(
                select(Authorization.id)
                .where(Authorization.role == OWNER)
                .where(Authorization.resource_type == "organization")
                .where(Authorization.resource_id == organization_id)
            ).all()
            if row_id not in removed_ids
        ]
        if not remaining:
            orphaned.append(organization_id)
    return orphaned


def insert(ctx: DomainContext, grant: Grant, identity_id: str, identity_type: str) -> None:
    access.grant(
        ctx,
        organization_id=grant.organization_id,
        identity_id=identity_id,
        identity_type=identity_type,
        role=grant.role,
        resource_type=grant.resource_type,
        resource_id=grant.resource_id,
    )


def roles_of(ctx: DomainContext, identity_ids: Sequence[str]) -> dict[str, list[Authorization]]:
    """Every role of each identity, oldest first."""
    found: dict[str, list[Authorization]] = {identity_id: [] for identity_id in identity_ids}
    if not identity_ids:
        return found
    rows = ctx.session.exec(
        select(Authorization)
        .where(col(Authorization.identity_id).in_(list(identity_ids)))
        .order_by(Authorization.created_on, Authorization.id)
    ).all()
    for row in rows:
        found[row.identity_id].append(row)
    return found


# --------------------------------------------------------------------------- RPCs


def add_role(ctx: DomainContext, given: AuthorizationInput, field: str = "authorization") -> None:
    grant = parse(given, field)
    check_grantable(ctx, [grant], field)
    identity_type = identity_type_of(ctx, grant, field)
    if _find(ctx, grant) is not None:
        raise AlreadyExists("authorization", grant.describe())
    insert(ctx, grant, grant.identity_id, identity_type)


def remove_role(ctx: DomainContext, given: AuthorizationInput, field: str = "authorization") -> None:
    grant = parse(given, field)
    require_owner_of(ctx, [grant])
    require_member_of(ctx, [grant])
    row = _existing(ctx, grant)
    ensure_owners_remain(ctx, [row])
    ctx.session.delete(row)


def change_role(ctx: DomainContext, old: AuthorizationInput, new: AuthorizationInput) -> None:
    """Replaces one role of an identity by another, atomically, with the checks of RemoveRole and AddRole."""
    old_grant = parse(old, "old_authorization")
    new_grant = parse(new, "new_authorization", identity="optional")
    if new_grant.identity_id and new_grant.identity_id != old_grant.identity_id:
        raise InvalidArgument("new_authorization", "identity_id must be the same as old_authorization's")
    if new_grant.organization_id != old_grant.organization_id:
        raise InvalidArgument("new_authorization", "organization_id must be the same as old_authorization's")
    require_owner_of(ctx, [old_grant, new_grant])
    require_member_of(ctx, [old_grant])
    check_in_organization(ctx, new_grant, "new_authorization")
    row = _existing(ctx, old_grant)
    new_grant = Grant(
        organization_id=new_grant.organization_id,
        role=new_grant.role,
        resource_type=new_grant.resource_type,
        resource_id=new_grant.resource_id,
        identity_id=row.identity_id,
        identity_type=new_grant.identity_type,
    )
    if new_grant.identity_type not in ("", row.identity_type):
        raise InvalidArgument("new_authorization", f"identity_type must be the same as old_authorization's ({row.identity_type!r})")
    if (new_grant.role, new_grant.resource_type, new_grant.resource_id) == (row.role, row.resource_type, row.resource_id):
        return  # unchanged
    if _find(ctx, new_grant) is not None:
        raise AlreadyExists("authorization", new_grant.describe())
    if not (new_grant.role == OWNER and new_grant.resource_type == "organization" and new_grant.resource_id == row.resource_id):
        ensure_owners_remain(ctx, [row])
    ctx.session.delete(row)
    ctx.session.flush()
    insert(ctx, new_grant, row.identity_id, row.identity_type)


def list_authorizations(ctx: DomainContext, organization_id: str, resource_ids: Sequence[str]) -> list[Authorization]:
    """Every role held in the organization, oldest first; only those on `resource_ids` when given."""
    for resource_id in resource_ids:
        if not resource_id:
            raise InvalidArgument("resource_ids", "must not contain empty ids")
    query = select(Authorization).where(Authorization.organization_id == organization_id)
    if resource_ids:
        query = query.where(col(Authorization.resource_id).in_(list(resource_ids)))
    return list(ctx.session.exec(query.order_by(Authorization.created_on, Authorization.id)).all())


def check_permissions(ctx: DomainContext, queries: Sequence[PermissionQuery]) -> list[PermissionQuery]:
    """The asked-for permissions the caller holds. Unknown permissions, resource types and resources
    (including ones the caller cannot see) are dropped, never an error; entries left empty are omitted."""
    if not queries:
        raise InvalidArgument("permissions", "at least one entry is required")
    held: list[PermissionQuery] = []
    for query in queries:
        if query.resource_type not in RESOURCE_TYPES or not query.resource_id:
            continue
        role = _role_on(ctx, ResourceType(query.resource_type), query.resource_id)
        if role is None:
            continue
        allowed = _PERMISSIONS_OF[role]
        permissions = tuple(dict.fromkeys(p for p in query.permissions if p in allowed))
        if permissions:
            held.append(PermissionQuery(query.resource_type, query.resource_id, permissions))
    return held


def _role_on(ctx: DomainContext, resource_type: ResourceType, resource_id: str) -> str | None:
    if access.has_permission(ctx, Permission.WRITE, resource_type, resource_id):
        return OWNER
    if access.has_permission(ctx, Permission.READ, resource_type, resource_id):
        return OPERATOR
    return None


def _find(ctx: DomainContext, grant: Grant) -> Authorization | None:
    """The row the unique constraint would clash with: a location shared with another organization
    may hold the same role from each, and they are added and removed apart."""
    return ctx.session.exec(
        select(Authorization)
        .where(Authorization.organization_id == grant.organization_id)
        .where(Authorization.identity_id == grant.identity_id)
        .where(Authorization.role == grant.role)
        .where(Authorization.resource_type == grant.resource_type)
        .where(Authorization.resource_id == grant.resource_id)
    ).first()


def _existing(ctx: DomainContext, grant: Grant) -> Authorization:
    row = _find(ctx, grant)
    if row is None or (grant.identity_type and grant.identity_type != row.identity_type):
        raise NotFound("authorization", grant.describe())
    return row
