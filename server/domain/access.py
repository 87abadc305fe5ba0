"""Who may do what: roles on an organization, a location (and its sub-locations) or a robot.

A role on a resource covers everything beneath it. Reads need operator or
owner, writes need owner. An unknown id has no roles on it, so callers get
the same PermissionDenied whether or not the resource exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from sqlmodel import col, select

from server.db.driver_sql import fetch_all, fetch_one, marks
from server.db.models import Authorization
from server.domain.context import DomainContext
from server.domain.errors import PermissionDenied
from server.domain.ids import new_id

OWNER = "owner"
OPERATOR = "operator"
ROLES = (OWNER, OPERATOR)
MACHINE_IDENTITY = "robot-secret"


class Permission(Enum):
    AUTHENTICATED = "authenticated"  # any valid caller; the operation filters what it shows
    MACHINE = "machine"  # only the part itself, authenticated with its part secret
    READ = "read"
    WRITE = "write"

    def roles(self) -> tuple[str, ...]:
        return (OWNER,) if self is Permission.WRITE else ROLES


class ResourceType(str, Enum):
    ORGANIZATION = "organization"
    LOCATION = "location"
    ROBOT = "robot"
    ROBOT_PART = "robot_part"


# Plain SQL on the driver cursor (server/db/driver_sql.py): these run on every call.
_PART_PARENTS = "SELECT r.id, r.location_id FROM robot_part p JOIN robot r ON r.id = p.robot_id WHERE p.id = ?"
_ROBOT_PARENT = "SELECT id, location_id FROM robot WHERE id = ?"
# Locations nest at most this many levels deep (a top-level one is level 1): the ancestor walk
# below reaches no further, so a role on a location must reach every level beneath it.
MAX_LOCATION_DEPTH = 100
# The location and its ancestors up to the organization, in one round trip.
# `depth` bounds the walk should a cycle ever reach the table.
_LOCATION_ANCESTORS = f"""
    WITH RECURSIVE chain(id, parent_id, organization_id, depth) AS (
        SELECT id, parent_location_id, organization_id, 0 FROM location WHERE id = ?
        UNION ALL
        SELECT l.id, l.parent_location_id, l.organization_id, c.depth + 1
        FROM location l JOIN chain c ON l.id = c.parent_id
        WHERE c.depth < {MAX_LOCATION_DEPTH}
    )
    SELECT id, organization_id FROM chain ORDER BY depth
"""
_SHARED_WITH = "SELECT organization_id FROM location_share WHERE location_id IN ({marks})"
_CALLER_GRANTS = 'SELECT role, resource_type, resource_id, organization_id FROM "authorization" WHERE identity_id = ?'


def resource_chain(ctx: DomainContext, resource_type: ResourceType, resource_id: str) -> list[tuple[str, str]]:
    """The resource and everything above it, as (type, id) pairs a role can be granted on; [] if unknown."""
    key = ("chain", resource_type, resource_id)
    if key not in ctx.memo:
        ctx.session.flush()  # the queries below bypass the ORM's autoflush
        ctx.memo[key] = _resource_chain(ctx, resource_type, resource_id)
    return ctx.memo[key]  # type: ignore[return-value]


def organizations_reaching(ctx: DomainContext, resource_type: ResourceType, resource_id: str) -> list[str]:
    """The resource's own organization, then those reaching it through a share ([] if it is unknown)."""
    return [rid for kind, rid in resource_chain(ctx, resource_type, resource_id) if kind == "organization"]


def part_location(ctx: DomainContext, part_id: str) -> str:
    """The location of the part's machine ("" if the part is gone), from the part's
    resource chain: the one the permission check already read."""
    chain = resource_chain(ctx, ResourceType.ROBOT_PART, part_id)
    return chain[1][1] if chain else ""  # [("robot", id), ("location", id), ...]


def _resource_chain(ctx: DomainContext, resource_type: ResourceType, resource_id: str) -> list[tuple[str, str]]:
    session = ctx.session
    if resource_type is ResourceType.ORGANIZATION:
        return [("organization", resource_id)]
    chain: list[tuple[str, str]] = []
    location_id = resource_id
    if resource_type in (ResourceType.ROBOT_PART, ResourceType.ROBOT):
        query = _PART_PARENTS if resource_type is ResourceType.ROBOT_PART else _ROBOT_PARENT
        row = fetch_one(session, query, (resource_id,))
        if row is None:
            return []
        chain.append(("robot", row[0]))
        location_id = row[1]
    rows = fetch_all(session, _LOCATION_ANCESTORS, (location_id,))
    if not rows:
        return []
    chain.extend(("location", row[0]) for row in rows)
    chain.append(("organization", rows[-1][1]))
    # Organizations a location in the chain is shared with: their roles reach it too.
    shared = fetch_all(session, _SHARED_WITH.format(marks=marks(len(rows))), [row[0] for row in rows])
    chain.extend(("organization", row[0]) for row in shared if ("organization", row[0]) not in chain)
    return chain


def _grants(ctx: DomainContext) -> list[tuple[str, str, str, str]]:
    """Every (role, resource_type, resource_id, organization_id) the caller holds, read once per call."""
    assert ctx.caller is not None
    key = ("grants", ctx.caller.identity_id)
    if key not in ctx.memo:
        ctx.session.flush()
        ctx.memo[key] = fetch_all(ctx.session, _CALLER_GRANTS, (ctx.caller.identity_id,))
    return ctx.memo[key]  # type: ignore[return-value]


def has_permission(
    ctx: DomainContext, permission: Permission, resource_type: ResourceType, resource_id: str, *, held_in: str | None = None
) -> bool:
    """Whether the caller holds a role allowing `permission` on the resource or above it; with
    `held_in`, only roles held in that organization count."""
    if permission is Permission.AUTHENTICATED:
        return ctx.caller is not None and ctx.caller.identity_type != MACHINE_IDENTITY
    if ctx.caller is None or not resource_id:
        return False
    if ctx.caller.identity_type == MACHINE_IDENTITY or permission is Permission.MACHINE:
        # Machines reach nothing but RobotService calls for their own part.
        return (
            ctx.caller.identity_type == MACHINE_IDENTITY
            and permission is Permission.MACHINE
            and resource_type is ResourceType.ROBOT_PART
            and resource_id == ctx.caller.identity_id
        )
    roles = permission.roles()
    held = {(kind, rid) for role, kind, rid, org in _grants(ctx) if role in roles and (held_in is None or org == held_in)}
    if not held:
        return False
    return any(link in held for link in resource_chain(ctx, resource_type, resource_id))


def require(ctx: DomainContext, permission: Permission, resource_type: ResourceType, resource_ids: Iterable[str]) -> None:
    for resource_id in resource_ids:
        if not has_permission(ctx, permission, resource_type, resource_id):
            raise PermissionDenied(
                f"no {permission.value} permission on {resource_type.value} {resource_id!r} (or it does not exist)"
            )


def require_authenticated(ctx: DomainContext) -> None:
    if not has_permission(ctx, Permission.AUTHENTICATED, ResourceType.ORGANIZATION, ""):
        raise PermissionDenied("machines may only call RobotService for their own part")


def organizations_of_caller(ctx: DomainContext) -> list[str]:
    caller = ctx.authenticated_caller
    return list(
        ctx.session.exec(
            select(Authorization.organization_id).where(Authorization.identity_id == caller.identity_id).distinct()
        ).all()
    )


def visible_sharees(ctx: DomainContext, location_id: str, primary_id: str, sharee_ids: list[str]) -> list[str]:
    """Of the organizations a location is shared with, those the caller may see: all of them with a role
    through the location's own organization, else only the caller's own (a sharee learns nothing of the
    location's other shares)."""
    if not sharee_ids or has_permission(ctx, Permission.READ, ResourceType.LOCATION, location_id, held_in=primary_id):
        return sharee_ids
    member_of = set(organizations_of_caller(ctx))
    return [organization_id for organization_id in sharee_ids if organization_id in member_of]


def grant(ctx: DomainContext, *, organization_id: str, identity_id: str, identity_type: str, role: str,
          resource_type: str, resource_id: str) -> None:
    ctx.session.add(
        Authorization(
            id=new_id(),
            organization_id=organization_id,
            identity_id=identity_id,
            identity_type=identity_type,
            role=role,
            resource_type=resource_type,
            resource_id=resource_id,
            created_on=ctx.now,
        )
    )


def revoke_all_on(ctx: DomainContext, resource_type: str, resource_ids: list[str]) -> None:
    """Drop roles on resources that are being deleted, so a reused id never inherits them."""
    if not resource_ids:
        return
    for row in ctx.session.exec(
        select(Authorization)
        .where(Authorization.resource_type == resource_type)
        .where(col(Authorization.resource_id).in_(resource_ids))
    ).all():
        ctx.session.delete(row)
