"""Location sharing: a location shared with another organization gives that organization's members their
organization roles on it, its sub-locations and their machines (see access.resource_chain). The locations
themselves stay their primary organization's: changing, deleting, sharing them and their secrets need
ownership through it (`require_primary_owner`).

Who shares is decided by the location's primary organization: only an owner through it (an owner of
that organization, or of the location or a location above it by a role that organization granted)
shares the location and unshares it from any organization. Owning it through a share (as an owner of
a sharee organization, or by a role a sharee granted) only lets the sharee leave: unshare the location
from that same organization. Anything else is PermissionDenied, before anything about the target
organization or share is looked at.

- ShareLocation: the caller must hold a role in the target organization too (PermissionDenied otherwise,
  whether or not it exists, so other organizations stay invisible). Sharing with the primary
  organization is InvalidArgument; sharing twice AlreadyExists.
- UnshareLocation: the primary organization is FailedPrecondition; a share that does not exist NotFound.
  The roles that organization granted on the location, its sub-locations and their machines, and
  such roles in its pending invites, go with the share.
- Moving a location or machine out of a shared location (UpdateLocation, UpdateRobot) does the same
  for the organizations that no longer reach it (`moving`); deleting one (`deleting`) drops the roles
  on it, in pending invites too; deleting an organization drops what sharees granted on its locations
  (`deleting_organization`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import col, select

from server.db.models import Location, LocationShare
from server.domain import access, members, roles
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.domain.rows import checked_row


def shared_with(ctx: DomainContext, location_id: str) -> list[str]:
    """Ids of the organizations the location is shared with (not its primary one), oldest share first."""
    return list(
        ctx.session.exec(
            select(LocationShare.organization_id)
            .where(LocationShare.location_id == location_id)
            .order_by(LocationShare.created_on, LocationShare.organization_id)
        ).all()
    )


def share_location(ctx: DomainContext, location_id: str, organization_id: str) -> None:
    location = _location(ctx, location_id)
    if not organization_id:
        raise InvalidArgument("organization_id", "is required")
    require_primary_owner(ctx, location, "shared")
    if organization_id == location.organization_id:
        raise InvalidArgument("organization_id", "is the location's primary organization; share it with another one")
    if not access.has_permission(ctx, Permission.READ, ResourceType.ORGANIZATION, organization_id):
        raise PermissionDenied(
            f"no role in organization {organization_id!r} (or it does not exist): "
            "a location can only be shared with an organization the caller belongs to"
        )
    if ctx.session.get(LocationShare, (location_id, organization_id)) is not None:
        raise AlreadyExists(
            "location_share", organization_id, f"location {location_id!r} is already shared with organization {organization_id!r}"
        )
    ctx.session.add(LocationShare(location_id=location_id, organization_id=organization_id, created_on=ctx.now))


def unshare_location(ctx: DomainContext, location_id: str, organization_id: str) -> None:
    location = _location(ctx, location_id)
    if not organization_id:
        raise InvalidArgument("organization_id", "is required")
    # An owner through a sharee organization counts only for that organization itself.
    if not (_owns_through(ctx, location, location.organization_id) or _owns_through(ctx, location, organization_id)):
        raise PermissionDenied(
            f"location {location_id!r} is unshared from organization {organization_id!r} only by owners through "
            "the location's own organization or through that organization"
        )
    if organization_id == location.organization_id:
        raise FailedPrecondition("organization_id", "a location cannot be unshared from its primary organization")
    share = ctx.session.get(LocationShare, (location_id, organization_id))
    if share is None:
        raise NotFound(
            "location_share", organization_id, f"location {location_id!r} is not shared with organization {organization_id!r}"
        )
    ctx.session.delete(share)
    # What the organization granted on the location through the share goes with it.
    _drop_grants_outside(ctx, [organization_id])


@contextmanager
def moving(ctx: DomainContext, resource_type: ResourceType, resource_id: str) -> Iterator[None]:
    """Wraps a move of a location or machine: the organizations whose share it leaves lose the roles
    they granted on it and beneath it (as on an unshare), or they would keep reaching it."""
    before = access.organizations_reaching(ctx, resource_type, resource_id)
    yield
    ctx.session.flush()
    after = access.organizations_reaching(ctx, resource_type, resource_id)
    _drop_grants_outside(ctx, [organization_id for organization_id in before if organization_id not in after])


@contextmanager
def deleting(ctx: DomainContext, resource_type: ResourceType, resource_id: str) -> Iterator[None]:
    """Wraps a deletion of a location or machine: every role on it goes, and so do the roles on it in
    the pending invites of the organizations that reached it (they would be granted on nothing)."""
    organizations = access.organizations_reaching(ctx, resource_type, resource_id)
    access.revoke_all_on(ctx, resource_type.value, [resource_id])
    yield
    ctx.session.flush()
    for organization_id in organizations:
        members.drop_invite_grants_outside(ctx, organization_id)


@contextmanager
def deleting_organization(ctx: DomainContext, organization_id: str) -> Iterator[None]:
    """Wraps an organization's deletion: the organizations its locations were shared with lose the
    roles they granted on them, in pending invites too (the database drops the organization's own)."""
    sharees = ctx.session.exec(
        select(LocationShare.organization_id)
        .join(Location, col(Location.id) == col(LocationShare.location_id))
        .where(Location.organization_id == organization_id)
        .distinct()
    ).all()
    yield
    _drop_grants_outside(ctx, list(sharees))


def _drop_grants_outside(ctx: DomainContext, organization_ids: list[str]) -> None:
    """Deletes the organizations' roles, and such roles in their invites, on locations and machines
    no longer in them or shared with them."""
    ctx.session.flush()  # (which also forgets the resource chains read before)
    for organization_id in organization_ids:
        roles.drop_roles_outside(ctx, organization_id)
        members.drop_invite_grants_outside(ctx, organization_id)


def require_primary_owner(ctx: DomainContext, location: Location, action: str) -> None:
    """PermissionDenied unless the caller owns the location through its own organization: the
    location itself (sharing it, its place, name, region and secrets) is that organization's."""
    if not _owns_through(ctx, location, location.organization_id):
        raise PermissionDenied(
            f"location {location.id!r} is {action} only by owners through its own organization {location.organization_id!r}"
        )


def _owns_through(ctx: DomainContext, location: Location, organization_id: str) -> bool:
    """The caller owns the location by a role held in `organization_id`."""
    return access.has_permission(ctx, Permission.WRITE, ResourceType.LOCATION, location.id, held_in=organization_id)


def _location(ctx: DomainContext, location_id: str) -> Location:
    return checked_row(ctx, Location, location_id, "location")
