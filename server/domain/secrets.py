"""Part and location secrets: created with their owner, encrypted at rest, shown only to owners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from server.db.models import LocationSecret, PartSecret
from server.domain.context import DomainContext
from server.domain.ids import new_id, new_secret


@dataclass(frozen=True)
class SecretView:
    id: str
    secret: str
    created_on: datetime


def add_location_secret(ctx: DomainContext, location_id: str) -> None:
    secret_id = new_id()
    sealed = ctx.facts.secret_box.seal(new_secret(), context=f"location:{location_id}:{secret_id}")
    ctx.session.add(LocationSecret(id=secret_id, location_id=location_id, secret_ciphertext=sealed, created_on=ctx.now))


def add_part_secret(ctx: DomainContext, part_id: str) -> None:
    secret_id = new_id()
    sealed = ctx.facts.secret_box.seal(new_secret(), context=f"part:{part_id}:{secret_id}")
    ctx.session.add(PartSecret(id=secret_id, part_id=part_id, secret_ciphertext=sealed, created_on=ctx.now))


def location_secrets(ctx: DomainContext, location_id: str) -> list[SecretView]:
    rows = ctx.session.exec(
        select(LocationSecret).where(LocationSecret.location_id == location_id).order_by(LocationSecret.created_on, LocationSecret.id)
    ).all()
    box = ctx.facts.secret_box
    return [SecretView(r.id, box.open(r.secret_ciphertext, f"location:{location_id}:{r.id}"), r.created_on) for r in rows]


def part_secrets(ctx: DomainContext, part_id: str) -> list[SecretView]:
    rows = ctx.session.exec(
        select(PartSecret).where(PartSecret.part_id == part_id).order_by(PartSecret.created_on, PartSecret.id)
    ).all()
    box = ctx.facts.secret_box
    return [SecretView(r.id, box.open(r.secret_ciphertext, f"part:{part_id}:{r.id}"), r.created_on) for r in rows]
