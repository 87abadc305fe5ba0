"""Fragments: reusable config pieces owned by an organization, with revisions and tags.

References. A config (a part's or a fragment's) uses fragments through its
top-level "fragments" list: each item is a fragment id, or
{"id": ..., "version": ...} where the version is a revision number (3 or "3") or a
tag; without one the newest revision is used. Other entries and versions are refused at write
(configs stored before that was so skip such entries and read such pins as the newest revision). Other keys viam-server knows
("fragment_mods", "fragment_imports") are kept in the config but not interpreted.

Revisions. Create writes revision 1, every update the next one; each holds the
fragment's name, visibility and config as of then. Tags name revisions;
a tag may not be all digits (that would read as a revision number).

Access. A fragment belongs to its organization: reading needs a role there,
writing needs owner. Public and unlisted fragments are readable by every
authenticated caller that is not a machine. An unknown id is reported like
one the caller may not see (PERMISSION_DENIED).

Uses. UpdateRobotPart records which fragments a part's config names
(PartFragment) and create/update record what a fragment imports
(FragmentImport); usage counts, DeleteFragment and ListMachineSummaries read
those tables. Counts are of direct uses by parts that can use the fragment
(not other organizations' parts naming a private one). Fragment imports must name fragments
the caller can read (at an existing version) and must not form a cycle
(checked over every fragment's newest imports; resolving also stops at cycles); part
configs may name any id (unknown ones and those the machine can't use are
skipped when the config is resolved, and reported by ListMachineFragments).

Resolving. A config with its fragments merged (RobotService.Config): fragments
are visited depth first in the order listed, each before its own imports, at
most MAX_NESTING deep, each fragment once. For every top-level key of a
fragment's config: a key the result lacks is copied; lists are concatenated,
except that an object whose "name" the result already has is skipped (the
part's own entries, then earlier fragments, win); any other value already in
the result stays.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, func, text
from sqlmodel import col, select

from server.db.models import (
    Fragment, FragmentImport, FragmentRevision, FragmentTag, Location, Organization, PartFragment, Robot, RobotPart, User,
)
from server.domain import access
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.domain.ids import new_id
from server.domain.paging import decode_token, encode_token, leading_within, page_size, token_int
from server.domain.part_configs import (
    config_from_dict, config_from_json, ensure_not_stale, pin_version, struct_bytes,
)
from server.domain.status import as_utc, strictly_after
from server.domain.validation import clean_name

PRIVATE, PUBLIC, UNLISTED = "private", "public", "unlisted"
VISIBILITIES = (PRIVATE, PUBLIC, UNLISTED)
MAX_NESTING = 10  # fragments importing fragments, the top-level one included
MAX_TAG_LENGTH = 100
DEFAULT_HISTORY_PAGE = 100
MAX_HISTORY_PAGE = 1000
_NOT_MERGED = {"fragments", "fragment_mods", "fragment_imports", "cloud"}


@dataclass(frozen=True)
class Usage:
    version: str | None  # None: all uses (in totals) or the unpinned ones (per version)
    parts: int
    machines: int
    organizations: int
    machines_in_owner_org: int


@dataclass(frozen=True)
class FragmentView:
    id: str
    name: str
    organization_id: str
    organization_name: str
    public_namespace: str | None
    visibility: str
    config: dict[str, Any]
    config_json: str
    revision: int
    created_on: datetime
    last_updated: datetime
    usage: Usage
    only_used_by_owner: bool


@dataclass(frozen=True)
class RevisionView:
    fragment_id: str
    revision: int
    name: str
    visibility: str
    config: dict[str, Any]
    created_on: datetime
    editor_type: str
    editor_name: str


@dataclass(frozen=True)
class HistoryPage:
    entries: list[RevisionView]
    next_page_token: str
    fragment: FragmentView | None  # as it is now, for the entries' other fields; None without entries


@dataclass(frozen=True)
class Resolved:
    """One fragment reached while resolving, or why it could not be used."""

    fragment_id: str
    revision: int = 0
    config: dict[str, Any] = field(default_factory=dict)  # at that revision, its own imports not merged
    row: Fragment | None = None
    created_on: datetime | None = None  # of that revision
    error: str | None = None  # "no_access" | "invalid" | "cycle" | "nesting"
    detail: str = ""


# --- References ----------------------------------------------------------------------------------


def references(config: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(fragment id, pinned version or None) for each fragment the config names, first mention wins."""
    items = config.get("fragments")
    if not isinstance(items, list):
        return []
    out: dict[str, str | None] = {}
    for item in items:
        if isinstance(item, str) and item:
            out.setdefault(item, None)
        elif isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            try:
                version = pin_version(item.get("version"))
            except ValueError:
                version = None  # stored before such pins were refused: the newest revision, as then
            out.setdefault(item["id"], version)
    return list(out.items())


def sync_part_uses(ctx: DomainContext, part_id: str, config_json: str) -> None:
    """Records the fragments a part's (new) config names."""
    ctx.session.exec(delete(PartFragment).where(col(PartFragment.part_id) == part_id))  # type: ignore[call-overload]
    for fragment_id, version in references(json.loads(config_json)):
        ctx.session.add(PartFragment(part_id=part_id, fragment_id=fragment_id, version=version))


# --- Access --------------------------------------------------------------------------------------


def can_read(ctx: DomainContext, fragment: Fragment) -> bool:
    if fragment.visibility in (PUBLIC, UNLISTED):
        return access.has_permission(ctx, Permission.AUTHENTICATED, ResourceType.ORGANIZATION, "")
    return access.has_permission(ctx, Permission.READ, ResourceType.ORGANIZATION, fragment.organization_id)


def _fragment(ctx: DomainContext, fragment_id: str, permission: Permission, field: str = "id") -> Fragment:
    if not fragment_id:
        raise InvalidArgument(field, "is required")
    fragment = ctx.session.get(Fragment, fragment_id)
    if fragment is not None:
        if permission is Permission.READ and can_read(ctx, fragment):
            return fragment
        if access.has_permission(ctx, permission, ResourceType.ORGANIZATION, fragment.organization_id):
            return fragment
    raise PermissionDenied(f"no {permission.value} permission on fragment {fragment_id!r} (or it does not exist)")


def _visibility(value: str | None, field: str = "visibility") -> str:
    if value is None:
        return PRIVATE
    if value not in VISIBILITIES:
        raise InvalidArgument(field, f"must be one of {', '.join(VISIBILITIES)}")
    return value


# --- Versions ------------------------------------------------------------------------------------


def _revision_number(ctx: DomainContext, fragment: Fragment, version: str | None) -> int | None:
    """The revision a version names (number or tag), None if there is no such revision or tag."""
    if version is None or version == "" or version == "latest":
        return fragment.revision
    if _is_decimal(version):
        number = int(version)
        return number if 1 <= number <= fragment.revision else None
    tag = ctx.session.get(FragmentTag, (fragment.id, version))
    return tag.revision if tag is not None else None


def _revision(ctx: DomainContext, fragment: Fragment, version: str | None, field: str = "version") -> FragmentRevision:
    number = _revision_number(ctx, fragment, version)
    row = ctx.session.get(FragmentRevision, (fragment.id, number)) if number is not None else None
    if row is None:
        raise NotFound("fragment version", str(version), f"fragment {fragment.id!r} has no revision or tag {version!r}")
    return row


# --- Create / update / delete --------------------------------------------------------------------


def _config_text(ctx: DomainContext, config: dict[str, Any] | None, config_json: str | None) -> str | None:
    if config_json is not None:
        return config_from_json(ctx, config_json, "fragment_config_json", kind="fragment")
    if config is not None:
        return config_from_dict(ctx, config, "config", kind="fragment")
    return None


def _check_imports(ctx: DomainContext, fragment_id: str | None, config: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The config's imports, each readable at an existing version, and no cycle back to fragment_id."""
    imports = references(config)
    for imported_id, version in imports:
        if imported_id == fragment_id:
            raise InvalidArgument("config", f"fragment {imported_id!r} must not import itself")
        row = ctx.session.get(Fragment, imported_id)
        if row is None or not can_read(ctx, row):
            raise InvalidArgument("config", f"imports the unknown fragment {imported_id!r} (or one you may not read)")
        if _revision_number(ctx, row, version) is None:
            raise InvalidArgument("config", f"imports fragment {imported_id!r} at the unknown version {version!r}")
    if fragment_id is not None:
        path = _path_to(ctx, [i for i, _ in imports], fragment_id)
        if path is not None:
            raise InvalidArgument("config", "import cycle: " + " -> ".join([fragment_id, *path]))
        # Pinned versions import what those revisions did, which the current imports above don't show.
        if any(item.fragment_id == fragment_id for item in resolve(ctx, imports, lambda row: True)):
            raise InvalidArgument("config", f"import cycle: fragment {fragment_id!r} is imported back through a pinned revision")
    return imports


def _path_to(ctx: DomainContext, starts: list[str], target: str) -> list[str] | None:
    """A chain of current imports from one of `starts` to `target`, if any."""
    parents: dict[str, str | None] = {start: None for start in starts}
    frontier = list(starts)
    while frontier:
        rows = ctx.session.exec(
            select(FragmentImport.fragment_id, FragmentImport.imported_id).where(col(FragmentImport.fragment_id).in_(frontier))
        ).all()
        frontier = []
        for source, imported in rows:
            if imported in parents:
                continue
            parents[imported] = source
            if imported == target:
                chain = [imported]
                while parents[chain[-1]] is not None:
                    chain.append(parents[chain[-1]])  # type: ignore[arg-type]
                return list(reversed(chain))
            frontier.append(imported)
    return [target] if target in starts else None


def _set_imports(ctx: DomainContext, fragment_id: str, imports: list[tuple[str, str | None]]) -> None:
    ctx.session.exec(delete(FragmentImport).where(col(FragmentImport.fragment_id) == fragment_id))  # type: ignore[call-overload]
    for imported_id, version in imports:
        ctx.session.add(FragmentImport(fragment_id=fragment_id, imported_id=imported_id, version=version))


def _add_revision(ctx: DomainContext, fragment: Fragment) -> None:
    caller = ctx.authenticated_caller
    editor_name = caller.identity_id
    if caller.identity_type == "user":
        user = ctx.session.get(User, caller.identity_id)
        editor_name = user.email if user is not None else caller.identity_id
    ctx.session.add(
        FragmentRevision(
            fragment_id=fragment.id,
            revision=fragment.revision,
            name=fragment.name,
            visibility=fragment.visibility,
            config_json=fragment.config_json,
            created_on=fragment.last_updated,
            editor_id=caller.identity_id,
            editor_type=caller.identity_type,
            editor_name=editor_name,
        )
    )


def create_fragment(
    ctx: DomainContext, organization_id: str, name: str, config: dict[str, Any] | None, visibility: str | None
) -> FragmentView:
    clean = clean_name(name)
    text_ = _config_text(ctx, config, None) or "{}"
    imports = _check_imports(ctx, None, json.loads(text_))
    fragment = Fragment(
        id=new_id(),
        organization_id=organization_id,
        name=clean,
        visibility=_visibility(visibility),
        config_json=text_,
        revision=1,
        created_on=ctx.now,
        last_updated=ctx.now,
    )
    ctx.session.add(fragment)
    ctx.session.flush()
    _set_imports(ctx, fragment.id, imports)
    _add_revision(ctx, fragment)
    return view(ctx, fragment)


def update_fragment(
    ctx: DomainContext,
    fragment_id: str,
    name: str,
    config: dict[str, Any] | None,
    config_json: str | None,
    visibility: str | None,
    last_known_update: datetime | None,
) -> FragmentView:
    """Renames, replaces the config (config_json wins; neither keeps it) and/or the visibility: a new revision."""
    fragment = _fragment(ctx, fragment_id, Permission.WRITE)
    clean = clean_name(name)
    text_ = _config_text(ctx, config, config_json)
    current = ensure_not_stale("fragment", fragment.last_updated, last_known_update)
    if text_ is not None:
        _set_imports(ctx, fragment.id, _check_imports(ctx, fragment.id, json.loads(text_)))
        fragment.config_json = text_
    if visibility is not None:
        fragment.visibility = _visibility(visibility)
    fragment.name = clean
    fragment.revision += 1
    fragment.last_updated = strictly_after(ctx.now, current)
    ctx.session.add(fragment)
    _add_revision(ctx, fragment)
    return view(ctx, fragment)


def delete_fragment(ctx: DomainContext, fragment_id: str) -> None:
    fragment = _fragment(ctx, fragment_id, Permission.WRITE)
    _ensure_unused(fragment, "used by", "part(s)", [(use.part_id, use.by_owner) for use in _use_rows(ctx, [fragment.id])])
    importers = ctx.session.exec(
        select(FragmentImport.fragment_id, Fragment.organization_id)
        .join(Fragment, col(Fragment.id) == col(FragmentImport.fragment_id))
        .where(FragmentImport.imported_id == fragment.id, FragmentImport.fragment_id != fragment.id)
        .order_by(FragmentImport.fragment_id)
    ).all()
    # Like parts, another organization's fragment can't use a private one (nor stop its deletion).
    owner = fragment.organization_id
    blocking = [(importer, org == owner) for importer, org in importers if fragment.visibility != PRIVATE or org == owner]
    _ensure_unused(fragment, "imported by", "fragment(s)", blocking)
    ctx.session.delete(fragment)


def _ensure_unused(fragment: Fragment, how: str, what: str, users: list[tuple[str, bool]]) -> None:
    """FAILED_PRECONDITION while `users` ((id, of the fragment's organization?)) name the fragment;
    only ids of its own organization are shown, other organizations' are not the caller's to see."""
    if users:
        own = [user for user, by_owner in users if by_owner]
        example = f"e.g. {own[0]!r}" if own else "in other organizations"
        raise FailedPrecondition(
            "id", f"fragment {fragment.id!r} is {how} {len(users)} {what} ({example}); remove it from their configs first"
        )


# --- Reading -------------------------------------------------------------------------------------


def get_fragment(
    ctx: DomainContext, fragment_id: str, version: str | None
) -> tuple[FragmentView, list[tuple[int, datetime]], list[tuple[str, int]]]:
    """The fragment (as of `version` when given), its revisions (number, created) newest first and its tags."""
    fragment = _fragment(ctx, fragment_id, Permission.READ)
    at = _revision(ctx, fragment, version) if version else None
    return view(ctx, fragment, at), revision_times(ctx, fragment.id), tags(ctx, fragment.id)


def revision_times(ctx: DomainContext, fragment_id: str) -> list[tuple[int, datetime]]:
    """Every revision's number and time, newest first: only those columns, not each config."""
    rows = ctx.session.exec(
        select(FragmentRevision.revision, FragmentRevision.created_on)
        .where(FragmentRevision.fragment_id == fragment_id)
        .order_by(col(FragmentRevision.revision).desc())
    ).all()
    return [(number, as_utc(created_on) or created_on) for number, created_on in rows]


def revisions(ctx: DomainContext, fragment_id: str, before: int | None = None, limit: int | None = None) -> list[RevisionView]:
    statement = select(FragmentRevision).where(FragmentRevision.fragment_id == fragment_id)
    if before is not None:
        statement = statement.where(FragmentRevision.revision < before)
    statement = statement.order_by(col(FragmentRevision.revision).desc())
    if limit is not None:
        statement = statement.limit(limit)
    return [
        RevisionView(
            fragment_id=row.fragment_id,
            revision=row.revision,
            name=row.name,
            visibility=row.visibility,
            config=json.loads(row.config_json),
            created_on=as_utc(row.created_on) or row.created_on,
            editor_type=row.editor_type,
            editor_name=row.editor_name,
        )
        for row in ctx.session.exec(statement).all()
    ]


def tags(ctx: DomainContext, fragment_id: str) -> list[tuple[str, int]]:
    rows = ctx.session.exec(select(FragmentTag).where(FragmentTag.fragment_id == fragment_id).order_by(FragmentTag.tag)).all()
    return [(row.tag, row.revision) for row in rows]


def list_fragments(ctx: DomainContext, organization_id: str, show_public: bool, visibilities: list[str]) -> list[FragmentView]:
    """The organization's fragments with one of `visibilities` (all if empty), by name; then, with
    show_public, other organizations' public (listed) fragments, if `visibilities` allows public."""
    wanted = set(visibilities) or set(VISIBILITIES)
    rows = list(
        ctx.session.exec(
            select(Fragment)
            .where(Fragment.organization_id == organization_id, col(Fragment.visibility).in_(wanted))
            .order_by(Fragment.name, Fragment.id)
        ).all()
    )
    if show_public and PUBLIC in wanted:
        rows += ctx.session.exec(
            select(Fragment)
            .where(Fragment.organization_id != organization_id, Fragment.visibility == PUBLIC)
            .order_by(Fragment.name, Fragment.id)
        ).all()
    usages = _usages(ctx, [row.id for row in rows])
    return [view(ctx, row, usage=usages.get(row.id)) for row in rows]


def fragment_history(ctx: DomainContext, fragment_id: str, page_token: str, limit: int) -> HistoryPage:
    """Every revision, newest first, keyset-paged on the revision number; a page of big configs
    ends early (with a token) so that it fits the server's page budget."""
    size = page_size(limit, DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE, field="page_limit")
    fragment = _fragment(ctx, fragment_id, Permission.READ)
    before = _decode_token(page_token) if page_token else None
    statement = select(FragmentRevision.revision, func.length(FragmentRevision.config_json)).where(
        FragmentRevision.fragment_id == fragment.id
    )
    if before is not None:
        statement = statement.where(FragmentRevision.revision < before)
    lengths = ctx.session.exec(statement.order_by(col(FragmentRevision.revision).desc()).limit(size + 1)).all()
    budget = ctx.facts.log_page_bytes
    # An entry carries its config twice as a Struct, never less than its JSON's length: only the
    # revisions whose JSON fits the budget can be on this page, so only those are loaded.
    candidates = leading_within((length for _, length in lengths[:size]), budget)
    rows = revisions(ctx, fragment.id, before=before, limit=candidates)
    fitting = leading_within((2 * struct_bytes(row.config) + 512 for row in rows), budget)
    token = _encode_token(rows[fitting - 1].revision) if len(lengths) > fitting else ""
    return HistoryPage(rows[:fitting], token, view(ctx, fragment) if rows else None)


def _encode_token(revision: int) -> str:
    return encode_token(r=revision)


def _is_decimal(text: str) -> bool:
    """ASCII digits only: str.isdigit alone accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def _decode_token(token: str) -> int:
    return token_int(decode_token(token), "r")


def fragment_usage(ctx: DomainContext, fragment_id: str) -> list[Usage]:
    """Per pinned version (unpinned uses first, version None), then by version."""
    fragment = _fragment(ctx, fragment_id, Permission.READ, field="fragment_id")
    uses = _use_rows(ctx, [fragment.id])
    out = []
    for version in sorted({use.version for use in uses}, key=lambda v: (v is not None, v or "")):
        out.append(_count([use for use in uses if use.version == version], version))
    return out


# --- Tags ----------------------------------------------------------------------------------------


def set_tag(ctx: DomainContext, fragment_id: str, tag: str, revision: str) -> list[tuple[str, int]]:
    fragment = _fragment(ctx, fragment_id, Permission.WRITE, field="fragment_id")
    clean = _tag(tag)
    number_text = revision.strip()
    if not _is_decimal(number_text):
        raise InvalidArgument("revision", "must be a revision number")
    number = int(number_text)
    # Bounded before the lookup: a number past int64 would overflow the query.
    if not 1 <= number <= fragment.revision or ctx.session.get(FragmentRevision, (fragment.id, number)) is None:
        raise NotFound("fragment revision", revision, f"fragment {fragment.id!r} has no revision {revision}")
    row = ctx.session.get(FragmentTag, (fragment.id, clean)) or FragmentTag(fragment_id=fragment.id, tag=clean, revision=number)
    row.revision = number
    ctx.session.add(row)
    _touch(ctx, fragment)
    ctx.session.flush()
    return tags(ctx, fragment.id)


def delete_tag(ctx: DomainContext, fragment_id: str, tag: str) -> list[tuple[str, int]]:
    fragment = _fragment(ctx, fragment_id, Permission.WRITE, field="fragment_id")
    tag = _tag(tag)  # trimmed, as SetFragmentTag stores it; what it refuses can't be a tag
    row = ctx.session.get(FragmentTag, (fragment.id, tag))
    if row is None:
        raise NotFound("fragment tag", tag, f"fragment {fragment.id!r} has no tag {tag!r}")
    ctx.session.delete(row)
    _touch(ctx, fragment)
    ctx.session.flush()
    return tags(ctx, fragment.id)


def _touch(ctx: DomainContext, fragment: Fragment) -> None:
    """A tag moved: parts pinned to it may get another revision, so their config's `revision` must move."""
    fragment.last_updated = strictly_after(ctx.now, fragment.last_updated)
    ctx.session.add(fragment)


def _tag(tag: str) -> str:
    clean = clean_name(tag, "tag")
    if len(clean) > MAX_TAG_LENGTH:
        raise InvalidArgument("tag", f"must be at most {MAX_TAG_LENGTH} characters")
    if clean.isdigit() or clean == "latest":
        raise InvalidArgument("tag", "must not be a number or 'latest' (those name revisions)")
    return clean


# --- Resolving -----------------------------------------------------------------------------------


def resolve(
    ctx: DomainContext, roots: list[tuple[str, str | None]], readable: Callable[[Fragment], bool]
) -> list[Resolved]:
    """The fragments `roots` name and, depth first, what they import; each fragment once."""
    out: list[Resolved] = []
    seen: set[str] = set()

    def visit(fragment_id: str, version: str | None, path: tuple[str, ...]) -> None:
        if fragment_id in path:
            out.append(Resolved(fragment_id, error="cycle", detail=" -> ".join([*path, fragment_id])))
            return
        if fragment_id in seen:
            return
        if len(path) >= MAX_NESTING:
            out.append(Resolved(fragment_id, error="nesting", detail=f"fragments nest more than {MAX_NESTING} deep"))
            return
        seen.add(fragment_id)
        row = ctx.session.get(Fragment, fragment_id)
        if row is None or not readable(row):
            # One answer for both, as PERMISSION_DENIED is elsewhere: another
            # organization's private fragment must not be told apart from none.
            out.append(Resolved(fragment_id, error="no_access", detail=f"no fragment {fragment_id!r} that you can read"))
            return
        number = _revision_number(ctx, row, version)
        revision = ctx.session.get(FragmentRevision, (row.id, number)) if number is not None else None
        if revision is None:
            out.append(Resolved(fragment_id, row=row, error="invalid", detail=f"fragment {fragment_id!r} has no version {version!r}"))
            return
        config = json.loads(revision.config_json)
        out.append(Resolved(fragment_id, revision.revision, config, row, as_utc(revision.created_on)))
        for child_id, child_version in references(config):
            visit(child_id, child_version, (*path, fragment_id))

    for fragment_id, version in roots:
        visit(fragment_id, version, ())
    return out


def merge(base: dict[str, Any], addition: dict[str, Any]) -> None:
    """Merges a fragment's config into `base` in place (see the module docstring)."""
    for key, value in addition.items():
        if key in _NOT_MERGED:
            continue
        if key not in base:
            base[key] = copy.deepcopy(value)
        elif isinstance(base[key], list) and isinstance(value, list):
            # Only string names identify entries; any other "name" value is just data.
            names = {item["name"] for item in base[key] if isinstance(item, dict) and isinstance(item.get("name"), str)}
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    if item["name"] in names:
                        continue
                    names.add(item["name"])
                base[key].append(copy.deepcopy(item))


def machine_readable(organization_id: str) -> Callable[[Fragment], bool]:
    """What a machine of this organization may import: its organization's fragments and public/unlisted ones."""
    return lambda row: row.organization_id == organization_id or row.visibility in (PUBLIC, UNLISTED)


def usable_sql(fragment: str, organization: str) -> str:
    """machine_readable as a SQL condition: the fragment table's alias, the machine's organization id."""
    return f"({fragment}.organization_id = {organization} OR {fragment}.visibility <> '{PRIVATE}')"


def resolved_config(
    ctx: DomainContext, config: dict[str, Any], organization_id: str, last_updated: datetime
) -> tuple[dict[str, Any], datetime]:
    """A part's config with its fragments merged in (fragments that cannot be used are skipped),
    and when the newest of the part and the fragment revisions it uses changed."""
    roots = references(config)
    if not roots:
        return config, last_updated
    merged = copy.deepcopy(config)
    newest = last_updated
    for item in resolve(ctx, roots, machine_readable(organization_id)):
        if item.error is None and item.row is not None:
            merge(merged, item.config)
        # Any change to a fragment the config names (a new revision, a moved tag, a visibility
        # that now hides it) moves the revision, even where it leaves the merged config alone.
        row = item.row or ctx.session.get(Fragment, item.fragment_id)
        changed = as_utc(row.last_updated) if row is not None else None
        if changed is not None and changed > newest:
            newest = changed
    return merged, newest


def nested_fragments(
    ctx: DomainContext, fragment_id: str | None, additional: list[tuple[str, str | None]]
) -> tuple[list[FragmentView], list[Resolved]]:
    """The fragments `fragment_id` (newest revision) and `additional` import, recursively (not themselves)."""
    roots: list[tuple[str, str | None]] = []
    if fragment_id:
        root = _fragment(ctx, fragment_id, Permission.READ, field="fragment_id")
        roots.extend(references(json.loads(root.config_json)))
    for extra_id, version in additional:
        extra = _fragment(ctx, extra_id, Permission.READ, field="additional_fragments")
        roots.extend(references(json.loads(_revision(ctx, extra, version, "additional_fragments").config_json)))
    return _report(ctx, resolve(ctx, roots, lambda row: can_read(ctx, row)))


def machine_fragments(
    ctx: DomainContext, robot_id: str, additional: list[tuple[str, str | None]]
) -> tuple[list[FragmentView], list[Resolved]]:
    """The fragments the machine's parts name, what those import, and the additional ones (with theirs),
    as the machine gets them: one it can't use (another organization's private fragment) is NO_ACCESS even
    to a caller who may read it; and one the caller may not read stays NO_ACCESS, as everywhere."""
    organization_id = ctx.session.exec(
        select(Location.organization_id).join(Robot, col(Robot.location_id) == col(Location.id)).where(Robot.id == robot_id)
    ).one()
    rows = ctx.session.exec(
        select(PartFragment.fragment_id, PartFragment.version)
        .join(RobotPart, col(RobotPart.id) == col(PartFragment.part_id))
        .where(RobotPart.robot_id == robot_id)
        .order_by(col(RobotPart.main_part).desc(), RobotPart.created_on, PartFragment.fragment_id)
    ).all()
    roots = [(row[0], row[1]) for row in rows] + additional
    usable = machine_readable(organization_id)
    return _report(ctx, resolve(ctx, roots, lambda row: usable(row) and can_read(ctx, row)))


def _report(ctx: DomainContext, resolved: list[Resolved]) -> tuple[list[FragmentView], list[Resolved]]:
    usable = [item for item in resolved if item.error is None and item.row is not None]
    usages = _usages(ctx, [item.fragment_id for item in usable])
    views = []
    for item in usable:
        assert item.row is not None
        at = ctx.session.get(FragmentRevision, (item.row.id, item.revision))
        views.append(view(ctx, item.row, at, usage=usages.get(item.fragment_id)))
    return views, resolved


# --- Usage and views -----------------------------------------------------------------------------

# Another organization's parts can't use a private fragment (resolving skips it): not a use.
_USES = text(
    f"""
    SELECT pf.fragment_id, pf.version, pf.part_id, r.id, l.organization_id, f.organization_id
    FROM part_fragment pf
    JOIN fragment f ON f.id = pf.fragment_id
    JOIN robot_part p ON p.id = pf.part_id
    JOIN robot r ON r.id = p.robot_id
    JOIN location l ON l.id = r.location_id
    WHERE pf.fragment_id IN :ids AND {usable_sql('f', 'l.organization_id')}
    ORDER BY pf.part_id
    """
).bindparams(bindparam("ids", expanding=True))


class _Use(NamedTuple):
    fragment_id: str
    version: str | None
    part_id: str
    machine_id: str
    organization_id: str  # the part's
    owner_id: str  # the fragment's organization

    @property
    def by_owner(self) -> bool:
        return self.organization_id == self.owner_id


def _use_rows(ctx: DomainContext, fragment_ids: list[str]) -> list[_Use]:
    """The parts that name these fragments and can use them, by part id."""
    if not fragment_ids:
        return []
    ctx.session.flush()
    return [_Use(*row) for row in ctx.session.connection().execute(_USES, {"ids": fragment_ids}).all()]


def _count(uses: list[_Use], version: str | None) -> Usage:
    return Usage(
        version=version,
        parts=len({use.part_id for use in uses}),
        machines=len({use.machine_id for use in uses}),
        organizations=len({use.organization_id for use in uses}),
        machines_in_owner_org=len({use.machine_id for use in uses if use.by_owner}),
    )


def _usages(ctx: DomainContext, fragment_ids: list[str]) -> dict[str, tuple[Usage, bool]]:
    """Total usage of each fragment and whether only its own organization uses it."""
    by_fragment: dict[str, list[_Use]] = {}
    for use in _use_rows(ctx, fragment_ids):
        by_fragment.setdefault(use.fragment_id, []).append(use)
    out = {}
    for fragment_id in fragment_ids:
        uses = by_fragment.get(fragment_id, [])
        out[fragment_id] = (_count(uses, None), all(use.by_owner for use in uses))
    return out


def view(
    ctx: DomainContext,
    fragment: Fragment,
    at: FragmentRevision | None = None,
    usage: tuple[Usage, bool] | None = None,
) -> FragmentView:
    """The fragment (as of revision `at`, if given) with its usage."""
    if usage is None:
        usage = _usages(ctx, [fragment.id])[fragment.id]
    organization = ctx.session.get(Organization, fragment.organization_id)
    config_json = at.config_json if at is not None else fragment.config_json
    last_updated = at.created_on if at is not None else fragment.last_updated
    return FragmentView(
        id=fragment.id,
        name=at.name if at is not None else fragment.name,
        organization_id=fragment.organization_id,
        organization_name=organization.name if organization is not None else "",
        public_namespace=organization.public_namespace if organization is not None else None,
        visibility=at.visibility if at is not None else fragment.visibility,
        config=json.loads(config_json),
        config_json=config_json,
        revision=at.revision if at is not None else fragment.revision,
        created_on=as_utc(fragment.created_on) or fragment.created_on,
        last_updated=as_utc(last_updated) or last_updated,
        usage=usage[0],
        only_used_by_owner=usage[1],
    )
