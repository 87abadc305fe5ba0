"""Machines (robots): named per location, each with one or more parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from server.db.models import Location, Robot, RobotPart
from server.domain import access, locations, parts, sharing
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import AlreadyExists, InvalidArgument
from server.domain.ids import new_id
from server.domain.rows import checked_row
from server.domain.status import OnlineState, online_state
from server.domain.validation import MAX_NAME_LENGTH, clean_name


@dataclass(frozen=True)
class RobotView:
    id: str
    name: str
    location_id: str
    created_on: datetime
    last_access: datetime | None
    online_state: OnlineState
    seconds_since_online: int


def new_robot(ctx: DomainContext, name: str, location_id: str) -> str:
    """Creates the machine and its main part "<name>-main"; returns the machine id."""
    clean = clean_name(name)
    checked_row(ctx, Location, location_id, "location")
    _ensure_name_free(ctx, location_id, clean)
    robot = Robot(id=new_id(), location_id=location_id, name=clean, created_on=ctx.now)
    ctx.session.add(robot)
    ctx.session.flush()
    parts.create_part(ctx, robot, main_part_name(clean), main=True)
    return robot.id


def main_part_name(robot_name: str) -> str:
    suffix = "-main"
    return robot_name[: MAX_NAME_LENGTH - len(suffix)] + suffix


def get_robot(ctx: DomainContext, robot_id: str) -> RobotView:
    return view(ctx, robot_row(ctx, robot_id))


def update_robot(ctx: DomainContext, robot_id: str, name: str, location_id: str) -> RobotView:
    """Renames the machine; a non-empty location moves it within its organization."""
    robot = robot_row(ctx, robot_id)
    clean = clean_name(name)
    target = location_id or robot.location_id
    if target != robot.location_id:
        # Permission first: an unknown location and one the caller can't see look the same.
        access.require(ctx, Permission.WRITE, ResourceType.LOCATION, [target])
        current = ctx.session.get(Location, robot.location_id)
        assert current is not None
        if locations.location_in_organization(ctx, target, current.organization_id) is None:
            raise InvalidArgument("location", f"{target!r} is not a location of the machine's organization")
    if (clean, target) != (robot.name, robot.location_id):
        _ensure_name_free(ctx, target, clean, except_robot=robot.id)
    robot.name = clean
    if target != robot.location_id:
        parts.move_parts(ctx, robot, target)
        with sharing.moving(ctx, ResourceType.ROBOT, robot.id):
            robot.location_id = target
    ctx.session.add(robot)
    return view(ctx, robot)


def delete_robot(ctx: DomainContext, robot_id: str) -> None:
    robot = robot_row(ctx, robot_id)
    part_ids = list(ctx.session.exec(select(RobotPart.id).where(RobotPart.robot_id == robot.id)).all())
    with sharing.deleting(ctx, ResourceType.ROBOT, robot.id):
        ctx.session.delete(robot)
    parts.end_live_tails(ctx, part_ids)


def list_robots(ctx: DomainContext, location_ids: list[str]) -> list[RobotView]:
    """Machines directly in the given locations, oldest first."""
    if not location_ids:
        return []
    rows = ctx.session.exec(
        select(Robot).where(col(Robot.location_id).in_(location_ids)).order_by(Robot.created_on, Robot.id)
    ).all()
    return [view(ctx, row) for row in rows]


def list_robots_for_organization(ctx: DomainContext, organization_id: str) -> list[RobotView]:
    location_ids = list(ctx.session.exec(select(Location.id).where(Location.organization_id == organization_id)).all())
    return list_robots(ctx, location_ids)


def view(ctx: DomainContext, robot: Robot) -> RobotView:
    state, seconds = online_state(robot.last_access, ctx.now, ctx.facts.online_threshold_seconds)
    return RobotView(
        id=robot.id,
        name=robot.name,
        location_id=robot.location_id,
        created_on=robot.created_on,
        last_access=robot.last_access,
        online_state=state,
        seconds_since_online=seconds,
    )


def robot_row(ctx: DomainContext, robot_id: str) -> Robot:
    return checked_row(ctx, Robot, robot_id, "robot")


def _ensure_name_free(ctx: DomainContext, location_id: str, name: str, except_robot: str | None = None) -> None:
    clash = ctx.session.exec(select(Robot.id).where(Robot.location_id == location_id, Robot.name == name)).first()
    if clash is not None and clash != except_robot:
        raise AlreadyExists("machine", name, f"a machine named {name!r} already exists in location {location_id!r}")
