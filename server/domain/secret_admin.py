"""Owners manage location and part secrets: LocationAuth, Create/DeleteLocationSecret, Create/DeleteRobotPartSecret.

The RPCs' guards already checked that the caller owns the location or part
(Permission.WRITE), so everything here may reveal what exists. Location secrets
are created and deleted only by owners through the location's own organization
(a location secret lets a machine in as any part in the location, so it is part
of the location, not of the machines a sharee manages); owners through a share
may read them.

- A part always keeps at least one secret: deleting its last one is a
  FailedPrecondition (a part without secrets could never authenticate again
  with "robot-secret").
- A location may lose its last secret: location secrets are optional (machines
  authenticate with their part secrets); CreateLocationSecret adds one back.
- Deleting a secret revokes it at once: machine tokens carry the id of the
  secret they were issued for and every call re-checks that it still exists
  (server/db/credentials.py).
- RobotService.Config hands a part its newest secret and its location's
  secrets, so creating or deleting one touches the parts concerned (their
  config revision moves; no history entry).
"""

from __future__ import annotations

from sqlmodel import select

from server.db.models import Location, RobotPart
from server.domain import parts, secrets, sharing
from server.domain.context import DomainContext
from server.domain.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.domain.parts import PartView
from server.domain.rows import checked_row
from server.domain.secrets import SecretView

LOCATION, PART = "location", "part"


def location_auth(ctx: DomainContext, location_id: str) -> list[SecretView]:
    """The location's secrets, oldest first."""
    _location(ctx, location_id)
    return secrets.location_secrets(ctx, location_id)


def create_location_secret(ctx: DomainContext, location_id: str) -> list[SecretView]:
    """Adds a secret; returns all of the location's secrets, oldest first (the new one last)."""
    sharing.require_primary_owner(ctx, _location(ctx, location_id), "given new secrets")
    secrets.add_location_secret(ctx, location_id)
    parts.touch_location(ctx, location_id)
    ctx.session.flush()
    return secrets.location_secrets(ctx, location_id)


def delete_location_secret(ctx: DomainContext, location_id: str, secret_id: str) -> None:
    sharing.require_primary_owner(ctx, _location(ctx, location_id), "has secrets deleted")
    _require_secret_id(secret_id)
    if not secrets.delete_secret(ctx, LOCATION, location_id, secret_id):
        raise NotFound("location_secret", secret_id, f"location {location_id!r} has no secret {secret_id!r}")
    parts.touch_location(ctx, location_id)


def create_robot_part_secret(ctx: DomainContext, part_id: str) -> PartView:
    """Adds a secret; returns the part as GetRobotPart shows it to its owner (the new secret last)."""
    part = _part(ctx, part_id, lock=False)
    secrets.add_part_secret(ctx, part_id)
    parts.touch(ctx, part)
    ctx.session.flush()
    return parts.get_robot_part(ctx, part_id)


def delete_robot_part_secret(ctx: DomainContext, part_id: str, secret_id: str) -> None:
    # Lock the part row (PostgreSQL; SQLite serializes writers anyway) so two
    # concurrent deletions cannot remove the last two secrets between them.
    part = _part(ctx, part_id, lock=True)
    _require_secret_id(secret_id)
    ids = secrets.secret_ids(ctx, PART, part_id)
    if secret_id not in ids:
        raise NotFound("part_secret", secret_id, f"robot part {part_id!r} has no secret {secret_id!r}")
    if len(ids) == 1:
        raise FailedPrecondition(
            "secret_id", "this is the part's last secret; create another one (CreateRobotPartSecret) before deleting it"
        )
    secrets.delete_secret(ctx, PART, part_id, secret_id)
    parts.touch(ctx, part)


def _require_secret_id(secret_id: str) -> None:
    if not secret_id:
        raise InvalidArgument("secret_id", "is required")


def _location(ctx: DomainContext, location_id: str) -> Location:
    return checked_row(ctx, Location, location_id, "location")


def _part(ctx: DomainContext, part_id: str, *, lock: bool) -> RobotPart:
    query = select(RobotPart).where(RobotPart.id == part_id)
    part = ctx.session.exec(query.with_for_update() if lock else query).first()
    if part is None:  # the permission check passed, so it was deleted concurrently
        raise PermissionDenied(f"robot part {part_id!r} does not exist")
    return part
