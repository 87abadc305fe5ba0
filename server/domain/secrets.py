"""Part and location secrets: created with their owner, encrypted at rest, shown only to owners.

The owner's kind, id and the secret id are bound into the ciphertext, so a
sealed secret copied to another row fails to decrypt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, select

from server.db.models import LocationSecret, PartSecret
from server.domain.context import DomainContext
from server.domain.ids import new_id, new_secret
from server.security.secret_box import SecretBox

_TABLES: dict[str, type[LocationSecret] | type[PartSecret]] = {"location": LocationSecret, "part": PartSecret}
_OWNER_COLUMNS = {"location": "location_id", "part": "part_id"}
# Built once: building a statement costs as much as running it.
_SEALED = {
    kind: select(table.id, table.secret_ciphertext, table.created_on)
    .where(getattr(table, _OWNER_COLUMNS[kind]) == bindparam("owner_id"))
    .order_by(table.created_on, table.id)
    for kind, table in _TABLES.items()
}


@dataclass(frozen=True)
class SecretView:
    id: str
    secret: str
    created_on: datetime


def add_location_secret(ctx: DomainContext, location_id: str) -> None:
    _add(ctx, "location", location_id)


def add_part_secret(ctx: DomainContext, part_id: str) -> None:
    _add(ctx, "part", part_id)


def location_secrets(ctx: DomainContext, location_id: str) -> list[SecretView]:
    return _list(ctx, "location", location_id)


def part_secrets(ctx: DomainContext, part_id: str) -> list[SecretView]:
    return _list(ctx, "part", part_id)


def seal_context(owner_kind: str, owner_id: str, secret_id: str) -> str:
    """What a secret is sealed with besides the key: its owner and its own id (see SecretBox.seal)."""
    return f"{owner_kind}:{owner_id}:{secret_id}"


class WrongSecretKey(RuntimeError):
    """The secret-encryption key is not the one the database's secrets were sealed with."""


def check_secret_key(session: Session, box: SecretBox, key_path: str) -> None:
    """Opens one stored secret of each kind, if any: with another key every machine's
    authentication and every secret read would fail, and new secrets would be sealed
    with a key the other replicas don't have. Raises WrongSecretKey."""
    for kind, table in _TABLES.items():
        row = session.exec(select(table).limit(1)).first()
        if row is not None and not box.can_open(row.secret_ciphertext, seal_context(kind, getattr(row, _OWNER_COLUMNS[kind]), row.id)):
            raise WrongSecretKey(
                f"{key_path} is not the key this database's secrets were encrypted with, so none of them can be read."
                " Restore the original file (every replica on one database needs the same one); the server will not start with this one."
            )


def _add(ctx: DomainContext, owner_kind: str, owner_id: str) -> None:
    secret_id = new_id()
    sealed = ctx.facts.secret_box.seal(new_secret(), context=seal_context(owner_kind, owner_id, secret_id))
    row = _TABLES[owner_kind](id=secret_id, secret_ciphertext=sealed, created_on=ctx.now, **{_OWNER_COLUMNS[owner_kind]: owner_id})
    ctx.session.add(row)


def _list(ctx: DomainContext, owner_kind: str, owner_id: str) -> list[SecretView]:
    ctx.session.flush()  # plain rows, not ORM objects (a third of the cost), so no autoflush
    rows = ctx.session.connection().execute(_SEALED[owner_kind], {"owner_id": owner_id}).all()
    box = ctx.facts.secret_box
    return [SecretView(r.id, box.open(r.secret_ciphertext, seal_context(owner_kind, owner_id, r.id)), r.created_on) for r in rows]


# --- Managing secrets (LocationAuth, Create/Delete*Secret) --------------------------------------


def secret_ids(ctx: DomainContext, owner_kind: str, owner_id: str) -> list[str]:
    """The ids of a location's ("location") or part's ("part") secrets, oldest first, without decrypting them."""
    table = _TABLES[owner_kind]
    return list(
        ctx.session.exec(
            select(table.id).where(getattr(table, _OWNER_COLUMNS[owner_kind]) == owner_id).order_by(table.created_on, table.id)
        ).all()
    )


def delete_secret(ctx: DomainContext, owner_kind: str, owner_id: str, secret_id: str) -> bool:
    """Deletes the secret if it belongs to that owner; False when it does not (or does not exist)."""
    table = _TABLES[owner_kind]
    row = ctx.session.get(table, secret_id)
    if row is None or getattr(row, _OWNER_COLUMNS[owner_kind]) != owner_id:
        return False
    ctx.session.delete(row)
    ctx.session.flush()
    return True
