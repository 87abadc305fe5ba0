"""Does the secret a machine token was issued for still exist? Plain SQL, usable on a raw driver cursor.

Used by the log writer inside its write transaction, so a deleted part or
location secret stops ingest at once without a separate round trip.
"""

from __future__ import annotations

from typing import Any

_PART_SECRET = "SELECT 1 FROM part_secret WHERE id = {0} AND part_id = {0}"
_LOCATION_SECRET = (
    "SELECT 1 FROM location_secret ls JOIN robot r ON r.location_id = ls.location_id "
    "JOIN robot_part p ON p.robot_id = r.id WHERE ls.id = {0} AND p.id = {0}"
)
PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def machine_credential_exists(cursor: Any, paramstyle: str, part_id: str, credential_id: str) -> bool:
    """`credential_id` is "part:<secret id>" or "location:<secret id>"."""
    kind, _, secret_id = credential_id.partition(":")
    query = {"part": _PART_SECRET, "location": _LOCATION_SECRET}.get(kind)
    if query is None or not secret_id:
        return False
    cursor.execute(query.format(PLACEHOLDERS[paramstyle]), (secret_id, part_id))
    return cursor.fetchone() is not None
