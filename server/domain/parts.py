"""Robot parts: the units that run on hardware, each with secrets, a hostname and a config."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import col, select

from server.db.models import Robot, RobotPart
from server.domain import access, secrets
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.domain.ids import new_id
from server.domain.rows import checked_row
from server.domain.secrets import SecretView
from server.domain.status import OnlineState, online_state, strictly_after
from server.domain.validation import clean_name
from server.logs.replication import announce_tail_ends

_NOT_DNS = re.compile(r"[^a-z0-9-]+")
_PART_BY_ID = select(RobotPart).where(RobotPart.id == bindparam("id"))  # built once
MAX_DNS_LABEL = 63


@dataclass(frozen=True)
class PartView:
    id: str
    name: str
    dns_name: str
    fqdn: str
    local_fqdn: str
    robot_id: str
    location_id: str
    main_part: bool
    config: dict[str, Any]
    config_json: str
    created_on: datetime
    last_updated: datetime
    last_access: datetime | None
    online_state: OnlineState
    seconds_since_online: int
    secrets: list[SecretView]  # empty unless the caller owns the part


def create_part(ctx: DomainContext, robot: Robot, name: str, main: bool = False, field: str = "part_name") -> RobotPart:
    """`main`: the machine's main part; a machine without one (its last part was deleted) gets this one."""
    clean = clean_name(name, field)
    ensure_name_free(ctx, robot.id, clean)
    main = main or ctx.session.exec(select(RobotPart.id).where(RobotPart.robot_id == robot.id, RobotPart.main_part == True)).first() is None  # noqa: E712
    part = RobotPart(
        id=new_id(),
        robot_id=robot.id,
        name=clean,
        dns_name=_dns_name(ctx, robot.location_id, clean),
        main_part=main,
        created_on=ctx.now,
        last_updated=ctx.now,
    )
    ctx.session.add(part)
    ctx.session.flush()
    secrets.add_part_secret(ctx, part.id)
    return part


def ensure_name_free(ctx: DomainContext, robot_id: str, name: str, except_part: str | None = None) -> None:
    clash = ctx.session.exec(select(RobotPart.id).where(RobotPart.robot_id == robot_id, RobotPart.name == name)).first()
    if clash is not None and clash != except_part:
        raise AlreadyExists("part", name, f"machine {robot_id!r} already has a part named {name!r}")


def new_robot_part(ctx: DomainContext, robot_id: str, part_name: str) -> str:
    return create_part(ctx, checked_row(ctx, Robot, robot_id, "robot"), part_name).id


def get_robot_part(ctx: DomainContext, part_id: str) -> PartView:
    # A plain row rather than an ORM object: a third of the cost, and reading needs no more.
    row = ctx.session.connection().execute(_PART_BY_ID, {"id": part_id}).first()
    if row is None:
        raise PermissionDenied(f"robot part {part_id!r} does not exist")
    return view(ctx, row)  # type: ignore[arg-type]  # a row of robot_part has RobotPart's attributes


def get_robot_parts(ctx: DomainContext, robot_id: str) -> list[PartView]:
    """The main part first, then the others oldest first."""
    rows = ctx.session.exec(
        select(RobotPart)
        .where(RobotPart.robot_id == robot_id)
        .order_by(col(RobotPart.main_part).desc(), RobotPart.created_on, RobotPart.id)
    ).all()
    return [view(ctx, row) for row in rows]


def get_part_by_name_and_location(ctx: DomainContext, name: str, location_id: str) -> PartView:
    """A part on a machine directly in the location, by part name or by fqdn."""
    if not name:
        raise InvalidArgument("name", "is required")
    # DNS names are case-insensitive, and may end with the root's dot.
    fqdn, fqdn_suffix = name.lower().removesuffix("."), f".{location_id}.{ctx.facts.dns_domain}".lower()
    match = (
        RobotPart.dns_name == fqdn.removesuffix(fqdn_suffix)
        if fqdn.endswith(fqdn_suffix)
        else RobotPart.name == unicodedata.normalize("NFC", name)  # as names are stored
    )
    row = ctx.session.exec(
        select(RobotPart)
        .join(Robot, col(Robot.id) == col(RobotPart.robot_id))
        .where(Robot.location_id == location_id, match)
        .order_by(RobotPart.created_on, RobotPart.id)
    ).first()
    if row is None:
        raise NotFound("part", name, f"no part named {name!r} in location {location_id!r}")
    return view(ctx, row)


def delete_robot_part(ctx: DomainContext, part_id: str) -> None:
    part = part_row(ctx, part_id)
    if part.main_part:
        others = ctx.session.exec(
            select(RobotPart.id).where(RobotPart.robot_id == part.robot_id, RobotPart.id != part.id).limit(1)
        ).first()
        if others:
            raise FailedPrecondition(
                "part_id", "this is the machine's main part; mark another part as main before deleting it"
            )
    ctx.session.delete(part)
    ctx.session.flush()
    # The machine's state follows its parts: a deleted part's check-in no longer counts.
    robot = ctx.session.get(Robot, part.robot_id)
    if robot is not None:
        robot.last_access = ctx.session.exec(select(func.max(RobotPart.last_access)).where(RobotPart.robot_id == robot.id)).one()
        ctx.session.add(robot)
    end_live_tails(ctx, [part.id])


def end_live_tails(ctx: DomainContext, part_ids: list[str]) -> None:
    """Once the deletion committed, live tails of these parts end."""
    if part_ids:
        ctx.after_commit.append(lambda: ctx.facts.log_hub.close_parts(part_ids))
        if ctx.facts.replica_id is not None:
            announce_tail_ends(ctx.session, ctx.facts.replica_id, part_ids)


def mark_part_as_main(ctx: DomainContext, part_id: str) -> None:
    part = part_row(ctx, part_id)
    for sibling in ctx.session.exec(select(RobotPart).where(RobotPart.robot_id == part.robot_id, RobotPart.main_part)).all():
        if sibling.id != part.id:
            sibling.main_part = False
            touch(ctx, sibling)
    if not part.main_part:
        part.main_part = True
        touch(ctx, part)


def touch(ctx: DomainContext, part: RobotPart) -> None:
    """The part changed without a config update (no history entry): its last_updated, the config
    revision machines watch, moves strictly forward, so a last_known_update read before is stale."""
    part.last_updated = strictly_after(ctx.now, part.last_updated)
    ctx.session.add(part)


def touch_location(ctx: DomainContext, location_id: str) -> None:
    """Touches the parts of the machines directly in the location (whose Config carries its secrets)."""
    in_location = select(RobotPart).join(Robot, col(Robot.id) == col(RobotPart.robot_id)).where(Robot.location_id == location_id)
    for part in ctx.session.exec(in_location).all():
        touch(ctx, part)


def view(ctx: DomainContext, part: RobotPart) -> PartView:
    location_id = access.part_location(ctx, part.id)
    state, seconds = online_state(part.last_access, ctx.now, ctx.facts.online_threshold_seconds)
    owner = access.has_permission(ctx, Permission.WRITE, ResourceType.ROBOT_PART, part.id)
    domain = ctx.facts.dns_domain
    return PartView(
        id=part.id,
        name=part.name,
        dns_name=part.dns_name,
        fqdn=f"{part.dns_name}.{location_id}.{domain}",
        local_fqdn=f"{part.dns_name}.{location_id}.local.{domain}",
        robot_id=part.robot_id,
        location_id=location_id,
        main_part=part.main_part,
        config=json.loads(part.config_json),
        config_json=part.config_json,
        created_on=part.created_on,
        last_updated=part.last_updated,
        last_access=part.last_access,
        online_state=state,
        seconds_since_online=seconds,
        secrets=secrets.part_secrets(ctx, part.id) if owner else [],
    )


def part_row(ctx: DomainContext, part_id: str) -> RobotPart:
    return checked_row(ctx, RobotPart, part_id, "robot part")


def move_parts(ctx: DomainContext, robot: Robot, location_id: str) -> None:
    """Before the machine moves to `location_id`: its parts whose dns_name a part there already
    has get a new one (hostnames are per location, and the move changes their fqdn anyway).
    Every part is touched: the fqdn and location secrets Config hands them change."""
    taken = _dns_names_in(ctx, location_id)
    for part in ctx.session.exec(select(RobotPart).where(RobotPart.robot_id == robot.id).order_by(RobotPart.created_on)).all():
        if part.dns_name in taken:
            part.dns_name = _dns_name(ctx, location_id, part.name, taken)
        taken.add(part.dns_name)
        touch(ctx, part)


def _dns_name(ctx: DomainContext, location_id: str, name: str, taken: set[str] | None = None) -> str:
    """A DNS label from the name, made unique within the location (hostnames are per location)."""
    # Dashes stripped after each cut too: a label must not end with one (RFC 1123).
    base = _NOT_DNS.sub("-", name.lower()).strip("-")[:MAX_DNS_LABEL].rstrip("-") or "part"
    if taken is None:
        taken = _dns_names_in(ctx, location_id)
    candidate, suffix = base, 2
    while candidate in taken:
        tail = f"-{suffix}"
        candidate, suffix = base[: MAX_DNS_LABEL - len(tail)].rstrip("-") + tail, suffix + 1
    return candidate


def _dns_names_in(ctx: DomainContext, location_id: str) -> set[str]:
    return set(
        ctx.session.exec(
            select(RobotPart.dns_name).join(Robot, col(Robot.id) == col(RobotPart.robot_id)).where(Robot.location_id == location_id)
        ).all()
    )
