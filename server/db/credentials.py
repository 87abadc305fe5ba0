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


CREDENTIALS_PER_QUERY = 200


def existing_machine_credentials(cursor: Any, paramstyle: str, pairs: list[tuple[str, str]]) -> list[bool]:
    """For each (part_id, credential_id): does the secret still exist? One query per
    CREDENTIALS_PER_QUERY distinct pairs (SQLite refuses a compound SELECT of more than 500 terms)."""
    distinct = list(dict.fromkeys(pairs))
    found: set[int] = set()
    for start in range(0, len(distinct), CREDENTIALS_PER_QUERY):
        selects: list[str] = []
        params: list[str] = []
        for index in range(start, min(start + CREDENTIALS_PER_QUERY, len(distinct))):
            query = machine_credential_query(*distinct[index])
            if query is not None:
                selects.append(f"SELECT {index} WHERE EXISTS ({query[0]})")
                params.extend(query[1])
        if selects:
            cursor.execute(for_paramstyle(" UNION ALL ".join(selects), paramstyle), params)
            found.update(row[0] for row in cursor.fetchall())
    position = {pair: index for index, pair in enumerate(distinct)}
    return [position[pair] in found for pair in pairs]
