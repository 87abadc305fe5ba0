"""Loading a row an RPC's permission check has already passed on."""

from __future__ import annotations

from typing import TypeVar

from server.domain.context import DomainContext
from server.domain.errors import PermissionDenied

Row = TypeVar("Row")


def checked_row(ctx: DomainContext, table: type[Row], row_id: str, label: str) -> Row:
    """The row; if it is gone it was deleted concurrently, reported like any id the caller can't see."""
    row = ctx.session.get(table, row_id)
    if row is None:
        raise PermissionDenied(f"{label} {row_id!r} does not exist")
    return row
