"""Locations: nested groups of machines inside an organization."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from server.db.models import Location, LocationShare, Organization, Robot
from server.domain import access, metadata, secrets, sharing
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import FailedPrecondition, InvalidArgument
from server.domain.ids import new_location_id
from server.domain.rows import checked_row
from server.domain.secrets import SecretView
from server.domain.validation import check_region, clean_name

UNCHANGED = None


@dataclass(frozen=True)
class LocationView:
    id: str
    name: str
    parent_location_id: str  # "" at the top level, or when the caller can't read the parent
    organization_id: str
    organization_name: str
    region: str
    created_on: datetime
    robot_count: int
    secrets: list[SecretView]  # empty unless the caller owns the location
    shared_with: list[str] = field(default_factory=list)  # ids of the other organizations it is shared with (access.visible_sharees)


def create_location(ctx: DomainContext, organization_id: str, name: str, parent_location_id: str | None) -> LocationView:
    organization = checked_row(ctx, Organization, organization_id, "organization")
    location = Location(
        id=new_location_id(),
        organization_id=organization_id,
        parent_location_id=_checked_parent(ctx, organization_id, parent_location_id or "", moving=None),
        name=clean_name(name),
        region=organization.default_region,
        created_on=ctx.now,
    )
    ctx.session.add(location)
    ctx.session.flush()
    secrets.add_location_secret(ctx, location.id)
    return view(ctx, location)


def get_location(ctx: DomainContext, location_id: str) -> LocationView:
    return view(ctx, _location(ctx, location_id))


def update_location(
    ctx: DomainContext, location_id: str, name: str | None, parent_location_id: str | None, region: str | None
) -> LocationView:
    """name None or "" keeps the name; parent None keeps it, "" moves to the top level."""
    location = _location(ctx, location_id)
    sharing.require_primary_owner(ctx, location, "changed")
    if name:
        location.name = clean_name(name)
    # The current parent is no move, so it needs no permission on it (or on the organization).
    if parent_location_id is not UNCHANGED and parent_location_id != (location.parent_location_id or ""):
        with sharing.moving(ctx, ResourceType.LOCATION, location.id):
            location.parent_location_id = _checked_parent(ctx, location.organization_id, parent_location_id, moving=location.id)
    if region is not None:
        location.region = check_region(region)
    ctx.session.add(location)
    return view(ctx, location)


def update_location_metadata(ctx: DomainContext, location_id: str, data: dict[str, Any] | None) -> None:
    """Metadata goes with the location's name and place: the primary organization's, not a sharee's."""
    sharing.require_primary_owner(ctx, _location(ctx, location_id), "changed")
    metadata.update_metadata(ctx, ResourceType.LOCATION, location_id, data)


def delete_location(ctx: DomainContext, location_id: str) -> None:
    location = _location(ctx, location_id)
    sharing.require_primary_owner(ctx, location, "deleted")
    if ctx.session.exec(select(Robot.id).where(Robot.location_id == location_id).limit(1)).first():
        raise FailedPrecondition("location_id", "the location still has machines; delete or move them first")
    if ctx.session.exec(select(Location.id).where(Location.parent_location_id == location_id).limit(1)).first():
        raise FailedPrecondition("location_id", "the location still has sub-locations; delete or move them first")
    with sharing.deleting(ctx, ResourceType.LOCATION, location_id):
        ctx.session.delete(location)


def list_locations(ctx: DomainContext, organization_id: str) -> list[LocationView]:
    """The organization's own locations, then those other organizations share with it and their
    sub-locations, which the share reaches too (oldest first each)."""
    own = ctx.session.exec(
        select(Location).where(Location.organization_id == organization_id).order_by(Location.created_on, Location.id)
    ).all()
    roots = list(ctx.session.exec(select(LocationShare.location_id).where(LocationShare.organization_id == organization_id)).all())
    reached = set(roots).union(*_generations(ctx, roots))
    shared = ctx.session.exec(
        select(Location).where(col(Location.id).in_(reached)).order_by(Location.created_on, Location.id)
    ).all()
    return [view(ctx, row) for row in [*own, *shared]]


def view(ctx: DomainContext, location: Location) -> LocationView:
    organization = ctx.session.get(Organization, location.organization_id)
    robot_count = ctx.session.exec(select(func.count()).select_from(Robot).where(Robot.location_id == location.id)).one()
    owner = access.has_permission(ctx, Permission.WRITE, ResourceType.LOCATION, location.id)
    return LocationView(
        id=location.id,
        name=location.name,
        parent_location_id=_visible_parent(ctx, location),
        organization_id=location.organization_id,
        organization_name=organization.name if organization else "",
        region=location.region,
        created_on=location.created_on,
        robot_count=int(robot_count),
        secrets=secrets.location_secrets(ctx, location.id) if owner else [],
        shared_with=access.visible_sharees(ctx, location.id, location.organization_id, sharing.shared_with(ctx, location.id)),
    )


def _visible_parent(ctx: DomainContext, location: Location) -> str:
    """The parent's id, or "" when the caller can't read the parent (a sharee of just a sub-location):
    the location is then a root of what they see, and they learn no id they can't read."""
    parent_id = location.parent_location_id or ""
    if parent_id and not access.has_permission(ctx, Permission.READ, ResourceType.LOCATION, parent_id):
        return ""
    return parent_id


def location_in_organization(ctx: DomainContext, location_id: str, organization_id: str) -> Location | None:
    location = ctx.session.get(Location, location_id)
    return location if location is not None and location.organization_id == organization_id else None


def _location(ctx: DomainContext, location_id: str) -> Location:
    return checked_row(ctx, Location, location_id, "location")


def _checked_parent(ctx: DomainContext, organization_id: str, parent_id: str, moving: str | None) -> str | None:
    """A parent must be a location of the same organization, not the location itself or below it,
    and leave no location nested deeper than access.MAX_LOCATION_DEPTH. Moving to the top level
    takes it from under its parent's owners: it needs the organization, as a new parent needs its owner."""
    if not parent_id:
        if moving is not None:
            access.require(ctx, Permission.WRITE, ResourceType.ORGANIZATION, [organization_id])
        return None
    # Permission first: an unknown location and one the caller can't see look the same.
    access.require(ctx, Permission.WRITE, ResourceType.LOCATION, [parent_id])
    parent = location_in_organization(ctx, parent_id, organization_id)
    if parent is None:
        raise InvalidArgument("parent_location_id", f"{parent_id!r} is not a location of this organization")
    parent_level = 0
    ancestor: Location | None = parent
    while ancestor is not None:
        if ancestor.id == moving:
            raise InvalidArgument("parent_location_id", "a location cannot be moved under itself or one of its sub-locations")
        parent_level += 1
        ancestor = ctx.session.get(Location, ancestor.parent_location_id) if ancestor.parent_location_id else None
    if parent_level + _levels(ctx, moving) > access.MAX_LOCATION_DEPTH:
        raise InvalidArgument(
            "parent_location_id", f"locations nest at most {access.MAX_LOCATION_DEPTH} levels deep; this would go deeper"
        )
    return parent_id


def _levels(ctx: DomainContext, location_id: str | None) -> int:
    """How many levels the location and its sub-locations span (1 for a new location)."""
    if location_id is None:
        return 1
    return 1 + sum(1 for _ in _generations(ctx, [location_id]))


def _generations(ctx: DomainContext, location_ids: list[str]) -> Iterator[list[str]]:
    """The locations' sub-locations, one level at a time (at most access.MAX_LOCATION_DEPTH levels)."""
    current = location_ids
    while current := list(ctx.session.exec(select(Location.id).where(col(Location.parent_location_id).in_(current))).all()):
        yield current
