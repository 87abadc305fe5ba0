"""Case-insensitive substring match that agrees with Python's str.casefold on every backend.

SQLite's LIKE and lower() fold ASCII letters only, so on SQLite a small
registered function does the match; PostgreSQL's ILIKE handles Unicode.
"""

from __future__ import annotations

from typing import Any

SQLITE_FUNCTION = "fleet_contains_casefold"


def casefold_contains(haystack: str | None, needle: str | None) -> bool:
    return haystack is not None and needle is not None and needle.casefold() in haystack.casefold()


def register_sqlite_functions(dbapi_connection: Any) -> None:
    dbapi_connection.create_function(SQLITE_FUNCTION, 2, casefold_contains, deterministic=True)
