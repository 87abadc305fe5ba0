"""ListMachineSummaries: an organization's locations → machines → parts, with status and fragments.

Two queries whatever the fleet's size: one for locations, machines and parts
(sorted by location name, machine name, main part first, part name), one for
the fragments the parts name directly. `limit` counts machines. Only the
organization's own locations (nested ones included) are listed, and only
those that have machines matching the filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text

from server.domain import fragments
from server.domain.context import DomainContext
from server.domain.errors import InvalidArgument
from server.domain.status import OnlineState, online_state

MAX_FILTER_IDS = 1000


@dataclass(frozen=True)
class PartSummaryView:
    id: str
    name: str
    main_part: bool
    dns_name: str
    online_state: OnlineState
    seconds_since_online: int
    last_access: datetime | None
    agent_info: bytes | None
    fragments: list[tuple[str, str]]  # (id, name)


@dataclass(frozen=True)
class MachineSummaryView:
    id: str
    name: str
    parts: list[PartSummaryView]


@dataclass(frozen=True)
class LocationSummaryView:
    id: str
    name: str
    machines: list[MachineSummaryView]


def _filters(location_ids: list[str], fragment_ids: list[str]) -> str:
    where = "l.organization_id = :org"
    if location_ids:
        where += " AND l.id IN :locations"
    if fragment_ids:
        where += (
            " AND r.id IN (SELECT p2.robot_id FROM part_fragment pf2 JOIN robot_part p2 ON p2.id = pf2.part_id"
            f" JOIN fragment f2 ON f2.id = pf2.fragment_id WHERE pf2.fragment_id IN :fragments AND {fragments.usable_sql('f2', ':org')})"
        )
    return where


def machine_summaries(
    ctx: DomainContext, organization_id: str, fragment_ids: list[str], location_ids: list[str], limit: int | None
) -> list[LocationSummaryView]:
    if limit is not None and limit < 0:
        raise InvalidArgument("limit", "must not be negative")
    for field, ids in (("fragment_ids", fragment_ids), ("location_ids", location_ids)):
        if len(ids) > MAX_FILTER_IDS:
            raise InvalidArgument(field, f"must name at most {MAX_FILTER_IDS} ids")
    where = _filters(location_ids, fragment_ids)
    params: dict[str, object] = {"org": organization_id}
    expanding = []
    if location_ids:
        params["locations"] = list(location_ids)
        expanding.append(bindparam("locations", expanding=True))
    if fragment_ids:
        params["fragments"] = list(fragment_ids)
        expanding.append(bindparam("fragments", expanding=True))
    parts_query = text(
        f"""
        SELECT l.id, l.name, r.id, r.name, p.id, p.name, p.main_part, p.dns_name, p.last_access, p.agent_info
        FROM location l JOIN robot r ON r.location_id = l.id JOIN robot_part p ON p.robot_id = r.id
        WHERE {where}
        ORDER BY l.name, l.id, r.name, r.id, p.main_part DESC, p.name, p.id
        """
    ).bindparams(*expanding)
    fragments_query = text(
        f"""
        SELECT pf.part_id, f.id, f.name
        FROM location l JOIN robot r ON r.location_id = l.id JOIN robot_part p ON p.robot_id = r.id
        JOIN part_fragment pf ON pf.part_id = p.id JOIN fragment f ON f.id = pf.fragment_id
        WHERE {where} AND {fragments.usable_sql('f', ':org')}
        ORDER BY pf.part_id, f.name, f.id
        """
    ).bindparams(*expanding)
    ctx.session.flush()
    connection = ctx.session.connection()
    part_fragments: dict[str, list[tuple[str, str]]] = {}
    for part_id, fragment_id, fragment_name in connection.execute(fragments_query, params):
        part_fragments.setdefault(part_id, []).append((fragment_id, fragment_name))
    threshold = ctx.facts.online_threshold_seconds
    now = ctx.now
    locations: list[LocationSummaryView] = []
    machines = 0
    current_machine: MachineSummaryView | None = None
    for loc_id, loc_name, robot_id, robot_name, part_id, part_name, main, dns_name, last_access, agent_info in connection.execute(
        parts_query, params
    ):
        if current_machine is None or current_machine.id != robot_id:
            if limit and machines >= limit:
                break
            machines += 1
            if not locations or locations[-1].id != loc_id:
                locations.append(LocationSummaryView(loc_id, loc_name, []))
            current_machine = MachineSummaryView(robot_id, robot_name, [])
            locations[-1].machines.append(current_machine)
        last = _datetime(last_access)
        state, seconds = online_state(last, now, threshold)
        current_machine.parts.append(
            PartSummaryView(
                id=part_id,
                name=part_name,
                main_part=bool(main),
                dns_name=dns_name,
                online_state=state,
                seconds_since_online=seconds,
                last_access=last,
                agent_info=agent_info,
                fragments=part_fragments.get(part_id, []),
            )
        )
    return locations


def _datetime(value: object) -> datetime | None:
    """Raw SQLite rows hold datetimes as text."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
