"""User metadata: a free-form JSON map on organizations, locations, machines and parts."""

from __future__ import annotations

import json
from typing import Any

from server.db.models import Location, Organization, Robot, RobotPart
from server.domain.access import ResourceType
from server.domain.context import DomainContext

from server.domain.rows import checked_row
from server.domain.validation import metadata_json

_TABLES = {
    ResourceType.ORGANIZATION: Organization,
    ResourceType.LOCATION: Location,
    ResourceType.ROBOT: Robot,
    ResourceType.ROBOT_PART: RobotPart,
}


def get_metadata(ctx: DomainContext, resource_type: ResourceType, resource_id: str) -> dict[str, Any]:
    return json.loads(_row(ctx, resource_type, resource_id).metadata_json)


def update_metadata(ctx: DomainContext, resource_type: ResourceType, resource_id: str, data: dict[str, Any] | None) -> None:
    """Replaces the whole map; unset data clears it."""
    text = metadata_json(data)
    row = _row(ctx, resource_type, resource_id)
    row.metadata_json = text
    ctx.session.add(row)


def _row(ctx: DomainContext, resource_type: ResourceType, resource_id: str):  # type: ignore[no-untyped-def]
    return checked_row(ctx, _TABLES[resource_type], resource_id, resource_type.value)
