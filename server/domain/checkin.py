"""What machines do with their part secret besides logging: fetch their config, check in, ask about restarts.

The config a machine gets has its fragments merged in (fragments.resolved_config).

Every Config and NeedsRestart call is a heartbeat. To keep check-ins from
writing to the database on every call, a part's `last_access` (and its
machine's) is written at most once per HEARTBEAT_WRITE_SECONDS (or per online
threshold, when that is shorter), so it lags the real last call by less than
the online threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.db.models import Location, Robot, RobotPart
from server.domain import fragments, part_configs, parts, secrets
from server.domain.context import DomainContext
from server.domain.secrets import SecretView
from server.domain.status import as_utc

HEARTBEAT_WRITE_SECONDS = 10
_HEARTBEAT_WRITE = timedelta(seconds=HEARTBEAT_WRITE_SECONDS)
# How often a machine should ask NeedsRestart again.
RESTART_CHECK_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class MachineConfig:
    """A part's config and the identity a machine needs to run it."""

    part_id: str
    robot_id: str
    location_id: str
    organization_id: str
    fqdn: str
    local_fqdn: str
    part_secret: str  # the newest, so a new secret reaches the machine before the old one is deleted
    location_secrets: list[SecretView]  # oldest first
    config: dict[str, Any]
    last_updated: datetime


def machine_config(ctx: DomainContext, part_id: str, agent_info: bytes | None) -> MachineConfig:
    """The calling part's config; records a heartbeat and the agent info, when sent."""
    part = parts.part_row(ctx, part_id)
    robot = ctx.session.get(Robot, part.robot_id)
    assert robot is not None  # the part's foreign key
    location = ctx.session.get(Location, robot.location_id)
    assert location is not None
    record_heartbeat(ctx, part, robot)
    if agent_info is not None and agent_info != part.agent_info:
        part.agent_info = agent_info
        ctx.session.add(part)
    part_secrets = secrets.part_secrets(ctx, part.id)
    domain = ctx.facts.dns_domain
    last_updated = as_utc(part.last_updated)
    assert last_updated is not None
    # `last_updated` (the config's revision) also moves when a fragment it uses changes.
    config, changed = fragments.resolved_config(ctx, json.loads(part.config_json), location.organization_id, last_updated)
    part_configs.ensure_sendable(ctx, config)
    return MachineConfig(
        part_id=part.id,
        robot_id=robot.id,
        location_id=location.id,
        organization_id=location.organization_id,
        fqdn=f"{part.dns_name}.{location.id}.{domain}",
        local_fqdn=f"{part.dns_name}.{location.id}.local.{domain}",
        part_secret=part_secrets[-1].secret if part_secrets else "",
        location_secrets=secrets.location_secrets(ctx, location.id),
        config=config,
        last_updated=changed,
    )


def needs_restart(ctx: DomainContext, part_id: str) -> bool:
    """Reports the restart flag once: a set flag is cleared by the call that reports it."""
    part = parts.part_row(ctx, part_id)
    record_heartbeat(ctx, part)
    flagged = part.restart_requested
    if flagged:
        part.restart_requested = False
        ctx.session.add(part)
    return flagged


def mark_for_restart(ctx: DomainContext, part_id: str) -> None:
    """Sets the restart flag; marking a part that is already marked changes nothing."""
    part = parts.part_row(ctx, part_id)
    if not part.restart_requested:
        part.restart_requested = True
        ctx.session.add(part)


def record_heartbeat(ctx: DomainContext, part: RobotPart, robot: Robot | None = None) -> None:
    """The part (and its machine) checked in now; written only if the stored time is stale."""
    last = as_utc(part.last_access)
    # Never less often than the online threshold, or a machine checking in would show offline.
    interval = min(_HEARTBEAT_WRITE, timedelta(seconds=ctx.facts.online_threshold_seconds))
    if last is not None and last <= ctx.now < last + interval:
        return
    part.last_access = ctx.now
    ctx.session.add(part)
    robot = robot or ctx.session.get(Robot, part.robot_id)
    if robot is not None:
        robot_last = as_utc(robot.last_access)
        if robot_last is None or robot_last < ctx.now:
            robot.last_access = ctx.now
            ctx.session.add(robot)
