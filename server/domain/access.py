"""Who may do what: roles on an organization, a location (and its sub-locations) or a robot.

A role on a resource covers everything beneath it. Reads need operator or
owner, writes need owner. An unknown id has no roles on it, so callers get
the same PermissionDenied whether or not the resource exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from sqlmodel import col, select

from server.db.models import Authorization, Location, Robot, RobotPart
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


def resource_chain(ctx: DomainContext, resource_type: ResourceType, resource_id: str) -> list[tuple[str, str]]:
    """The resource and everything above it, as (type, id) pairs a role can be granted on."""
    session = ctx.session
    if resource_type is ResourceType.ORGANIZATION:
        return [("organization", resource_id)]
    if resource_type is ResourceType.ROBOT_PART:
        robot_id = session.exec(select(RobotPart.robot_id).where(RobotPart.id == resource_id)).first()
        return resource_chain(ctx, ResourceType.ROBOT, robot_id) if robot_id else []
    if resource_type is ResourceType.ROBOT:
        location_id = session.exec(select(Robot.location_id).where(Robot.id == resource_id)).first()
        return [("robot", resource_id), *resource_chain(ctx, ResourceType.LOCATION, location_id)] if location_id else []
    chain: list[tuple[str, str]] = []
    location = session.get(Location, resource_id)
    seen: set[str] = set()
    while location is not None and location.id not in seen:
        seen.add(location.id)
        chain.append(("location", location.id))
        if location.parent_location_id is None:
            chain.append(("organization", location.organization_id))
            break
        location = session.get(Location, location.parent_location_id)
    return chain


def has_permission(ctx: DomainContext, permission: Permission, resource_type: ResourceType, resource_id: str) -> bool:
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
    chain = resource_chain(ctx, resource_type, resource_id)
    if not chain:
        return False
    match = ctx.session.exec(
        select(Authorization.id)
        .where(Authorization.identity_id == ctx.caller.identity_id)
        .where(col(Authorization.role).in_(permission.roles()))
        .where(col(Authorization.resource_id).in_([resource for _, resource in chain]))
    ).all()
    if not match:
        return False
    # Ids of different resource types never collide in practice, but check the pair anyway.
    rows = ctx.session.exec(select(Authorization).where(col(Authorization.id).in_(match))).all()
    return any((row.resource_type, row.resource_id) in chain for row in rows)


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
