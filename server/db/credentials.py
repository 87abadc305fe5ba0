"""Does the secret a machine token was issued for still exist? Plain SQL, usable on a raw driver cursor.

Used by the log writer inside its write transaction, so a deleted part or
location secret stops ingest at once without a separate round trip.
"""

from __future__ import annotations

from typing import Any

from server.db.driver_sql import for_paramstyle

_PART_SECRET = "SELECT 1 FROM part_secret WHERE id = ? AND part_id = ?"
_LOCATION_SECRET = (
    "SELECT 1 FROM location_secret ls JOIN robot r ON r.location_id = ls.location_id "
    "JOIN robot_part p ON p.robot_id = r.id WHERE ls.id = ? AND p.id = ?"
)


def machine_credential_query(part_id: str, credential_id: str) -> tuple[str, tuple[str, str]] | None:
    """The query (with `?` placeholders) that finds the secret; None when `credential_id`,
    "part:<secret id>" or "location:<secret id>", names none."""
    kind, _, secret_id = credential_id.partition(":")
    query = {"part": _PART_SECRET, "location": _LOCATION_SECRET}.get(kind)
    if query is None or not secret_id:
        return None
    return query, (secret_id, part_id)


def machine_credential_exists(cursor: Any, paramstyle: str, part_id: str, credential_id: str) -> bool:
    query = machine_credential_query(part_id, credential_id)
    if query is None:
        return False
    cursor.execute(for_paramstyle(query[0], paramstyle), query[1])
    return cursor.fetchone() is not None
