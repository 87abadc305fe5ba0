"""Part configs: UpdateRobotPart with optimistic concurrency, and the history of every change.

A part's config is a JSON object stored as text (compact, key order kept).
Every UpdateRobotPart writes one history entry holding the part as it was
before, and moves `last_updated` forward. A caller that sends
`last_known_update` is refused (Aborted) unless it equals the part's current
`last_updated` at microsecond precision; the comparison happens inside the
write transaction, and SQLite's write lock (BEGIN IMMEDIATE) serializes
writers, so of two updates based on the same read exactly one wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select

from server.db.models import ApiKey, Robot, RobotPart, RobotPartHistory, User
from server.domain import parts
from server.domain.context import DomainContext
from server.domain.errors import Aborted, FailedPrecondition, InvalidArgument
from server.domain.paging import bad_token, decode_token, encode_token, leading_within, page_size, token_int
from server.domain.parts import PartView
from server.domain.status import as_utc, strictly_after
from server.domain.validation import clean_name, has_non_finite

MAX_CONFIG_BYTES = 1024 * 1024  # a part's config as compact JSON
# Responses carry a config several times, as a google.protobuf.Struct and as JSON; the
# biggest must fit a client's default 4 MiB receive limit, with room for the rest, and the
# server's page budget (see max_config_wire_bytes).
# (A Struct can be five times its JSON: each number in it takes 9 bytes.)
MAX_CONFIG_WIRE_BYTES = 3 * 1024 * 1024
# Per kind of config, (times as a Struct, times as JSON, in what) for each response carrying it.
_CARRIED = {
    "part": [(1, 2, "in a response (GetRobotPart carries it as a Struct and twice as JSON)")],
    "fragment": [
        (1, 1, "in a response (GetFragment carries it as a Struct and as JSON)"),
        (2, 0, "in a history entry (twice as a Struct)"),
    ],
}
# Objects and arrays nested in each other, the config itself included. Deeper
# configs could not be read back: as a google.protobuf.Struct inside a
# response they would exceed protobuf's default recursion limit of 100.
MAX_CONFIG_DEPTH = 20
DEFAULT_HISTORY_PAGE = 100
MAX_HISTORY_PAGE = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class HistoryEntryView:
    id: int
    part_id: str
    robot_id: str
    location_id: str
    when: datetime
    # The part before the change.
    name: str
    dns_name: str
    fqdn: str
    local_fqdn: str
    main_part: bool
    config: dict[str, Any]
    config_json: str
    created_on: datetime
    last_updated: datetime
    # Who changed it: "api-key" or "user", the key id or email, and whether that identity is gone.
    editor_type: str
    editor_name: str
    editor_deactivated: bool


@dataclass(frozen=True)
class HistoryPage:
    entries: list[HistoryEntryView]
    next_page_token: str  # "" on the last page


# --- Config text ---------------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen = dict(pairs)
    if len(seen) != len(pairs):
        keys = [key for key, _ in pairs]
        raise _DuplicateKey(next(key for key in keys if keys.count(key) > 1))
    return seen


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def ensure_not_stale(kind: str, last_updated: datetime, last_known_update: datetime | None) -> datetime:
    """Optimistic concurrency: an update based on an older read is ABORTED. Returns last_updated (UTC)."""
    current = as_utc(last_updated)
    assert current is not None
    if last_known_update is not None and last_known_update != current:
        raise Aborted(
            "last_known_update",
            f"stale update: someone changed the {kind} since you read it "
            f"(last_updated is now {current.isoformat()}); re-read it and retry",
        )
    return current


def config_from_json(ctx: DomainContext, text: str, field: str = "robot_config_json", kind: str = "part") -> str:
    """The stored form of a JSON config: parsed and re-serialized compactly, keys in the order given."""
    try:
        value = json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_reject_constant)
    except _DuplicateKey as error:
        raise InvalidArgument(field, f"has the key {str(error)!r} twice in one object") from None
    except RecursionError:
        raise InvalidArgument(field, "is nested too deeply") from None
    except ValueError as error:
        raise InvalidArgument(field, f"is not valid JSON: {error}") from None
    return _stored(ctx, value, field, kind)


def config_from_dict(ctx: DomainContext, data: dict[str, Any], field: str = "robot_config", kind: str = "part") -> str:
    return _stored(ctx, data, field, kind)


def _stored(ctx: DomainContext, value: Any, field: str, kind: str) -> str:
    if not isinstance(value, dict):
        raise InvalidArgument(field, f"must be a JSON object, got {type(value).__name__ if value is not None else 'null'}")
    if _depth(value) > MAX_CONFIG_DEPTH:
        raise InvalidArgument(field, f"must not nest objects and arrays more than {MAX_CONFIG_DEPTH} deep")
    if has_non_finite(value):
        raise InvalidArgument(field, "numbers must be finite doubles (no NaN, Infinity or beyond ±1.8e308)")
    items = value.get("fragments")
    if items is not None and not isinstance(items, list):  # null: none, as in viam-server's Go
        raise InvalidArgument(field, f"fragments must be a list of fragment ids or objects with an \"id\", got {_kind(items)}")
    check_fragment_references(items or [], field)
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        size = len(text.encode("utf-8"))
    except RecursionError:
        raise InvalidArgument(field, "is nested too deeply") from None
    except UnicodeEncodeError:
        raise InvalidArgument(field, "contains an unpaired surrogate (\\ud800-\\udfff escape)") from None
    if size > MAX_CONFIG_BYTES:
        raise InvalidArgument(field, f"must be at most {MAX_CONFIG_BYTES} bytes as compact JSON, got {size}")
    struct = struct_bytes(value)
    wire, where = max((structs * struct + jsons * size + 16, where) for structs, jsons, where in _CARRIED[kind])
    limit = max_config_wire_bytes(ctx)
    if wire > limit:
        raise InvalidArgument(
            field, f"would take {wire} bytes {where}, more than this server's limit of {limit} "
            "(3 MiB, less when FLEET_MAX_MESSAGE_BYTES is below 4 MiB): long arrays of numbers take 9 bytes a number as a Struct"
        )
    return text


def max_config_wire_bytes(ctx: DomainContext) -> int:
    """A history page carries at least one entry, whatever its size, and is cut at the page budget
    (FLEET_MAX_MESSAGE_BYTES): a config bigger than that budget could be stored but never sent back."""
    return min(MAX_CONFIG_WIRE_BYTES, ctx.facts.log_page_bytes)


def ensure_sendable(ctx: DomainContext, config: dict[str, Any]) -> None:
    """RobotService.Config carries the config (with its fragments merged in) once, about as a Struct:
    each config met the limit when written, but merged they may pass it and could not be sent."""
    size = struct_bytes(config) + 16
    limit = max_config_wire_bytes(ctx)
    if size > limit:
        raise FailedPrecondition(
            "config", f"the part's config with its fragments merged in would take {size} bytes as a Struct, "
            f"more than this server's limit of {limit}: make the part or its fragments smaller, or use fewer fragments",
            violation_type="SIZE",
        )


def pin_version(version: Any) -> str | None:
    """A fragment pin's version as text; None (no pin, null, "" or "latest") means the newest revision.
    ValueError for anything but text or a whole number."""
    if isinstance(version, float) and version.is_integer():
        version = int(version)  # a Struct carries every number as a double: 1.0 pins revision 1
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, (str, int)):
        raise ValueError(_kind(version))
    return None if version in ("", "latest") else str(version)


def _kind(value: Any) -> str:
    kinds = {type(None): "null", bool: "a boolean", dict: "an object", list: "a list", str: "text"}
    return "empty text" if value == "" else kinds.get(type(value), f"the number {value!r}")


def check_fragment_references(items: list[Any], field: str, id_key: str = "id") -> None:
    """A config's "fragments" (or an organization's default_fragments, whose ids are `fragment_id`).
    Refused at write, not skipped or read as the newest revision: an entry like 7, null or
    {"id": 7}, or a pin like 2.5 or true, was surely meant as a reference (see fragments.references)."""
    for index, item in enumerate(items):
        if isinstance(item, str) and item:
            continue
        if not isinstance(item, dict):
            raise InvalidArgument(field, f"fragments[{index}] must be a fragment id or an object with an \"{id_key}\", got {_kind(item)}")
        if not isinstance(item.get(id_key), str) or not item[id_key]:
            got = f"{_kind(item[id_key])} as its id" if id_key in item else "no id"
            raise InvalidArgument(field, f"fragments[{index}].{id_key} must be a fragment id (non-empty text), got {got}")
        try:
            pin_version(item.get("version"))
        except ValueError as error:
            raise InvalidArgument(
                field, f"fragments[{index}].version must be a revision number or a tag (text or a whole number), got {error}"
            ) from None


def wire_bytes(config: dict[str, Any], json_bytes: int) -> int:
    """What a config takes in a response: its google.protobuf.Struct encoding plus its JSON."""
    return struct_bytes(config) + json_bytes + 16


def struct_bytes(value: dict[str, Any]) -> int:
    total = 0
    for key, item in value.items():
        key_bytes = len(key.encode("utf-8"))
        entry = 1 + _varint_bytes(key_bytes) + key_bytes + _field_bytes(_value_bytes(item))
        total += _field_bytes(entry)
    return total


def _value_bytes(value: Any) -> int:
    """A google.protobuf.Value's encoding: one field of its oneof (always written, even when zero)."""
    if value is None or isinstance(value, bool):
        return 2
    if isinstance(value, (int, float)):
        return 9
    if isinstance(value, str):
        return _field_bytes(len(value.encode("utf-8")))
    if isinstance(value, dict):
        return _field_bytes(struct_bytes(value))
    return _field_bytes(sum(_field_bytes(_value_bytes(item)) for item in value))  # a list


def _field_bytes(length: int) -> int:
    """A length-delimited field: its tag, its length, its bytes."""
    return 1 + _varint_bytes(length) + length


def _varint_bytes(value: int) -> int:
    return max(1, (value.bit_length() + 6) // 7)


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest (1 for a flat object), without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_CONFIG_DEPTH:
            pending.extend((child, level + 1) for child in children)
    return deepest


# --- UpdateRobotPart -----------------------------------------------------------------------------


def update_robot_part(
    ctx: DomainContext,
    part_id: str,
    name: str,
    config_json: str | None,
    config: dict[str, Any] | None,
    last_known_update: datetime | None,
) -> PartView:
    """Renames the part and replaces its config (config_json wins; neither keeps the config)."""
    clean = clean_name(name)
    if config_json is not None:
        new_config: str | None = config_from_json(ctx, config_json)
    elif config is not None:
        new_config = config_from_dict(ctx, config)
    else:
        new_config = None
    part = parts.part_row(ctx, part_id)
    current = ensure_not_stale("part", part.last_updated, last_known_update)
    if clean != part.name:
        parts.ensure_name_free(ctx, part.robot_id, clean, except_part=part.id)
    # The history entry's `when` is the part's new last_updated.
    updated = strictly_after(ctx.now, current)
    ctx.session.add(_history_entry(ctx, part, current, updated))
    part.name = clean
    if new_config is not None:
        part.config_json = new_config
        from server.domain import fragments  # imports this module

        fragments.sync_part_uses(ctx, part.id, new_config)
    part.last_updated = updated
    ctx.session.add(part)
    return parts.view(ctx, part)


def _history_entry(ctx: DomainContext, part: RobotPart, last_updated: datetime, when: datetime) -> RobotPartHistory:
    caller = ctx.authenticated_caller
    editor_name = caller.identity_id
    if caller.identity_type == "user":
        user = ctx.session.get(User, caller.identity_id)
        editor_name = user.email if user is not None else caller.identity_id
    snapshot = {
        "name": part.name,
        "dns_name": part.dns_name,
        "main_part": part.main_part,
        "config_json": part.config_json,
        "last_updated_us": _micros(last_updated),
    }
    return RobotPartHistory(
        part_id=part.id,
        robot_id=part.robot_id,
        created_on=when,
        editor_id=caller.identity_id,
        editor_type=caller.identity_type,
        editor_name=editor_name,
        snapshot_json=json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False),
    )


# --- GetRobotPartHistory -------------------------------------------------------------------------


def part_history(
    ctx: DomainContext,
    part_id: str,
    start: datetime | None,
    end: datetime | None,
    page_token: str,
    limit: int,
) -> HistoryPage:
    """Newest first; `start` inclusive, `end` exclusive; keyset paging on (when, id)."""
    size = page_size(limit, DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE, field="page_limit")
    if start is not None and end is not None and end < start:
        raise InvalidArgument("end", "must not be before start")
    part = parts.part_row(ctx, part_id)
    statement = select(RobotPartHistory).where(RobotPartHistory.part_id == part_id)
    if start is not None:
        statement = statement.where(RobotPartHistory.created_on >= start)
    if end is not None:
        statement = statement.where(RobotPartHistory.created_on < end)
    if page_token:
        when_us, row_id = _decode_token(page_token)
        when = _from_micros(when_us)
        statement = statement.where(
            or_(
                col(RobotPartHistory.created_on) < when,
                and_(col(RobotPartHistory.created_on) == when, col(RobotPartHistory.id) < row_id),
            )
        )
    statement = statement.order_by(col(RobotPartHistory.created_on).desc(), col(RobotPartHistory.id).desc()).limit(size + 1)
    rows = list(ctx.session.exec(statement).all())
    more = len(rows) > size
    rows = rows[:size]
    robot = ctx.session.get(Robot, part.robot_id)
    location_id = robot.location_id if robot is not None else ""
    gone = _deactivated(ctx, rows)
    entries = [_entry_view(ctx, row, location_id, part.created_on, (row.editor_type, row.editor_id) in gone) for row in rows]
    # The leading entries whose configs fit the server's page budget (with each entry's other fields).
    fitting = leading_within(
        (wire_bytes(entry.config, len(entry.config_json.encode("utf-8"))) + 512 for entry in entries), ctx.facts.log_page_bytes
    )
    more = more or fitting < len(rows)
    token = _encode_token(rows[fitting - 1]) if more else ""
    return HistoryPage(entries[:fitting], token)


def _entry_view(ctx: DomainContext, row: RobotPartHistory, location_id: str, created_on: datetime, gone: bool) -> HistoryEntryView:
    old = json.loads(row.snapshot_json)
    domain = ctx.facts.dns_domain
    when = as_utc(row.created_on)
    assert when is not None
    return HistoryEntryView(
        id=row.id or 0,
        part_id=row.part_id,
        robot_id=row.robot_id,
        location_id=location_id,
        when=when,
        name=old["name"],
        dns_name=old["dns_name"],
        fqdn=f"{old['dns_name']}.{location_id}.{domain}",
        local_fqdn=f"{old['dns_name']}.{location_id}.local.{domain}",
        main_part=old["main_part"],
        config=json.loads(old["config_json"]),
        config_json=old["config_json"],
        created_on=as_utc(created_on) or created_on,
        last_updated=_from_micros(old["last_updated_us"]),
        editor_type=row.editor_type,
        editor_name=row.editor_name,
        editor_deactivated=gone,
    )


def _deactivated(ctx: DomainContext, rows: list[RobotPartHistory]) -> set[tuple[str, str]]:
    """(type, id) of the editors on this page that no longer exist."""
    out: set[tuple[str, str]] = set()
    for identity_type, table in (("api-key", ApiKey), ("user", User)):
        ids = {row.editor_id for row in rows if row.editor_type == identity_type}
        if ids:
            alive = set(ctx.session.exec(select(table.id).where(col(table.id).in_(ids))).all())
            out |= {(identity_type, identity_id) for identity_id in ids - alive}
    return out


def _micros(value: datetime) -> int:
    delta = (as_utc(value) or value) - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def _encode_token(row: RobotPartHistory) -> str:
    return encode_token(t=_micros(row.created_on), i=row.id)


def _decode_token(token: str) -> tuple[int, int]:
    data = decode_token(token)
    when, row_id = token_int(data, "t"), token_int(data, "i")
    try:
        _from_micros(when)
    except OverflowError:
        raise bad_token() from None
    return when, row_id
