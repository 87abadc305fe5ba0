"""Plain SQL on the driver cursor of a session's own transaction, for the per-call hot path.

Every RPC re-checks its caller and permission: five small lookups. Through
SQLAlchemy each costs about 0.1 ms of statement compilation and result
wrapping; on the driver cursor it costs about a tenth of that. Statements are
written with `?` placeholders and translated once for drivers that use `%s`
(psycopg), so they must not contain a literal `?` or `%`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

_DRIVER = "fleet.driver"  # session.info key: (DBAPI connection, paramstyle) of the session's connection
# A bound parameter's placeholder, by the driver's DB-API paramstyle (sqlite3, psycopg).
PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def fetch_all(session: Session, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    connection, paramstyle = _driver(session)
    cursor = connection.cursor()
    try:
        cursor.execute(for_paramstyle(sql, paramstyle), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def fetch_one(session: Session, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    rows = fetch_all(session, sql, params)
    return rows[0] if rows else None


def marks(count: int) -> str:
    """`?, ?, …` for an IN list of `count` values."""
    return ", ".join("?" * count)


def _driver(session: Session) -> tuple[Any, str]:
    cached = session.info.get(_DRIVER)
    if cached is None:
        connection = session.connection()  # joins (or begins) the session's transaction
        cached = (connection.connection, connection.dialect.paramstyle)
        if isinstance(session.bind, Connection):  # the same connection until the transaction ends
            session.info[_DRIVER] = cached
    return cached


@event.listens_for(Session, "after_transaction_end")
def _forget_driver(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_DRIVER, None)


@lru_cache(maxsize=256)
def for_paramstyle(sql: str, paramstyle: str) -> str:
    placeholder = PLACEHOLDERS[paramstyle]
    if placeholder == "?":
        return sql
    if "%" in sql:
        raise ValueError("driver SQL must not contain '%'")
    return sql.replace("?", placeholder)
