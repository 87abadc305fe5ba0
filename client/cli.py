"""`fleet`: command-line client for the fleet-management server.

Exit codes: 0 success, 1 a failed call or missing credentials (one line
`error: <CODE>: <message>` on stderr), 2 usage errors, 130 interrupted.

Credentials (client/config.py) are an API key, used to authenticate on every
run, or a user session: the token of a password login, never the password.
When the server rejects stored credentials (UNAUTHENTICATED: a rotated or
deleted key, an expired session) the error line says which `fleet login` to run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import grpc

from client import config, fragments, output, part_configs
from client.access import RESOURCE_TYPES, ROLES, Role
from client.errors import Aborted, FleetError, InvalidArgument, Unauthenticated, Unavailable
from client.fleet import FleetClient
from client.fragments import Visibility
from client.logs import ERROR_LEVELS, LEVELS
from generated.viam.app.v1 import app_pb2 as pb
from generated.viam.common.v1.common_pb2 import LogEntry

Handler = Callable[[argparse.Namespace], Awaitable[None]]
DEFAULT_LOG_LIMIT = 100
DEFAULT_HISTORY_LIMIT = 100
STDIN = "-"
PASSWORD_ENV = "FLEET_PASSWORD"
SHOWN_ONCE = "warning: this is the only time the key is shown (the server keeps only a hash); store it now"

LOGIN_HELP = """\
Checks credentials with the server and stores them in
$FLEET_CONFIG_DIR/credentials.json (default ~/.config/fleet; mode 0600).

  fleet login --address HOST:PORT --key-id ID [--key KEY]
      An API key. The key is stored and used to authenticate on every run;
      it is asked for when --key is omitted.

  fleet login --address HOST:PORT --email EMAIL
      A user (created with `fleet-server user-add`). The password comes from
      $FLEET_PASSWORD or is asked for. It is NOT stored: the session token the
      server returns is, and it lasts as long as the server's tokens do
      (FLEET_TOKEN_TTL_SECONDS, 30 days by default). Once the server rejects
      it, commands fail with UNAUTHENTICATED and tell you to log in again.
      Logging in also accepts pending organization invites for that email.
"""

CONFIG_SET_HELP = """\
Replaces a part's config with the JSON object in FILE (or stdin with -).
The text is sent as given, so the key order is kept; it must be a JSON
object without duplicate keys or NaN/Infinity (checked before any call;
exit code 2 otherwise).

The part is read just before the update and the update is sent with its
`last_updated`: if someone else changes the part in between, the server
refuses (ABORTED), nothing is written and the command exits 1. --force
skips that check and overwrites whatever is there.
"""

FRAGMENT_UPDATE_HELP = """\
Replaces a fragment's config with the JSON object in FILE (or stdin with -),
writing a new revision; --name and --visibility change those too. The text
is sent as given (key order kept) and checked before any call (exit code 2).

The fragment is read just before the update and the update is sent with its
`last_updated`: if someone else changes it in between, the server refuses
(ABORTED), nothing is written and the command exits 1. --force skips that
check and overwrites whatever is there.
"""

ROLE_HELP = (
    "ROLE:TYPE:ID, e.g. operator:location:<location id>; ROLE owner or operator, "
    "TYPE organization, location or robot (machine); repeat for several"
)

# The credentials the running command loaded, for the hint when the server rejects them.
_stored: config.StoredCredentials | None = None


# --------------------------------------------------------------------------- helpers


async def _connect() -> FleetClient:
    global _stored
    creds = config.load()
    _stored = creds
    if isinstance(creds, config.UserCredentials):
        return await FleetClient.from_token(creds.address, creds.token)
    return await FleetClient.connect(creds.address, creds.api_key_id, creds.api_key)


def _role(text: str) -> Role:
    """argparse type: ROLE:TYPE:ID."""
    try:
        return Role.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _roles_text(roles: Sequence[Role]) -> str:
    """Broadest first (organization, location, robot; owner before operator), so listings are stable."""
    return ", ".join(str(role) for role in sorted(roles, key=_role_order)) or "-"


def _role_order(role: Role) -> tuple[int, int, str]:
    kinds, names = list(RESOURCE_TYPES), list(ROLES)
    return (
        kinds.index(role.resource_type) if role.resource_type in kinds else len(kinds),
        names.index(role.role) if role.role in names else len(names),
        role.resource_id,
    )


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _iso(text: str) -> datetime:
    """argparse type: ISO 8601; without an offset it is local time."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (e.g. 2024-05-01T12:00:00Z)") from None


def _levels(text: str) -> list[str]:
    """argparse type: one level or a comma-separated list of them."""
    levels = []
    for item in filter(None, (part.strip().lower() for part in text.split(","))):
        level = "warn" if item == "warning" else item
        if level not in LEVELS:
            raise argparse.ArgumentTypeError(f"unknown level {item!r} (choose from {', '.join(LEVELS)})")
        levels.append(level)
    if not levels:
        raise argparse.ArgumentTypeError("no level given")
    return levels


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a non-negative integer: {text!r}")
    return value


def _progress(limit: int) -> output.Progress:
    """The stderr counter for a listing: shown (on a terminal) only when fetching everything (--limit 0)."""
    progress = output.Progress()
    progress.enabled = progress.enabled and limit == 0
    return progress


def _print(text: str) -> None:
    print(text, flush=True)


@dataclass(frozen=True)
class ConfigText:
    """A part config read by `parts config set`: the text as given (sent as is) and where it came from."""

    source: str
    text: str


def _config_file(path: str) -> ConfigText:
    """argparse type: a file (or `-`, stdin) holding a JSON object; checked here, before any call."""
    source = "stdin" if path == STDIN else path
    try:
        raw = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read {source}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise argparse.ArgumentTypeError(f"{source} is not UTF-8 text") from None
    try:
        part_configs.parse_config(text)
    except part_configs.ConfigTextError as error:
        raise argparse.ArgumentTypeError(f"{source} {error}") from None
    return ConfigText(source, text)


# --------------------------------------------------------------------------- commands


async def login(args: argparse.Namespace) -> None:
    if args.email is not None:
        await _login_user(args)
        return
    key = args.key if args.key is not None else _prompt("API key: ", "no API key given: pass --key")
    async with await FleetClient.connect(args.address, args.key_id, key):
        pass  # connecting authenticates: wrong credentials raise Unauthenticated
    path = config.save(config.Credentials(address=args.address, api_key_id=args.key_id, api_key=key))
    _print(f"logged in to {args.address} as {args.key_id}; credentials saved to {path}")


def _prompt(prompt: str, missing: str) -> str:
    """getpass, or a usage error (exit 2) when input ends first (no terminal, stdin empty)."""
    try:
        return getpass.getpass(prompt)
    except EOFError:
        print(f"\nerror: {missing} or type it at the prompt", file=sys.stderr)
        raise SystemExit(2) from None


async def _login_user(args: argparse.Namespace) -> None:
    password = os.environ.get(PASSWORD_ENV) or _prompt(
        f"password for {args.email}: ", f"no password given: set {PASSWORD_ENV}"
    )
    async with await FleetClient.connect_user(args.address, args.email, password) as fleet:
        token = fleet.connection.token
    path = config.save(config.UserCredentials(address=args.address, email=args.email, token=token))
    _print(
        f"logged in to {args.address} as {args.email}; session saved to {path} "
        "(the password is not stored: run `fleet login` again when the session expires)"
    )


# --------------------------------------------------------------------------- access control


def _print_new_key(key_id: str, key: str) -> None:
    _warn(SHOWN_ONCE)
    _print(f"id   {key_id}\nkey  {key}")


async def keys_create(args: argparse.Namespace) -> None:
    roles: list[Role] = args.role or [Role.owner_of(args.org)]
    async with await _connect() as fleet:
        new = await fleet.create_key(args.org, roles, args.name)
    _print_new_key(new.id, new.key)


async def keys_list(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        keys = await fleet.list_keys(args.org)
    rows = [
        [
            k.api_key.id,
            k.api_key.name or "-",
            output.when(k.api_key.created_on),
            _roles_text([Role.of(a) for a in k.authorizations]),
        ]
        for k in keys
    ]
    _print(output.table(["ID", "NAME", "CREATED", "ROLES"], rows))


async def keys_rotate(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        new = await fleet.rotate_key(args.key_id)
    stored = _stored
    if not (isinstance(stored, config.Credentials) and stored.api_key_id == new.id):
        _print_new_key(new.id, new.key)
        return
    # The logged-in key: its old secret (and this command's own token) stopped working. Store the new
    # secret first, and show it even if storing fails, so it is never lost.
    try:
        path = config.save(replace(stored, api_key=new.key))
    except OSError as error:
        _print_new_key(new.id, new.key)
        raise OSError(
            f"this was the logged-in key and the new key could not be stored ({error}); "
            f"run `fleet login --address {stored.address} --key-id {new.id}` with the key above"
        ) from None
    _print_new_key(new.id, new.key)
    _warn(f"note: this was the logged-in key; {path} now holds the new key")


async def keys_delete(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        await fleet.delete_key(args.key_id)
    _print(f"deleted key {args.key_id}")
    if isinstance(_stored, config.Credentials) and _stored.api_key_id == args.key_id:
        _warn("note: this was the logged-in key; run `fleet login` with other credentials")


async def keys_rename(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        name = await fleet.rename_key(args.key_id, args.name)
    _print(f"renamed key {args.key_id} to {name}")


async def members_list(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        found = await fleet.list_organization_members(args.org)
        authorizations = await fleet.list_authorizations(args.org)
    roles_of: dict[str, list[Role]] = {}
    for a in authorizations:
        if a.identity_type == "user":
            roles_of.setdefault(a.identity_id, []).append(Role.of(a))
    rows = [
        [
            ", ".join(m.emails) or "-",
            m.user_id,
            "member",
            _roles_text(roles_of.get(m.user_id, [])),
            output.when(m.date_added),
            output.when(m.last_login),
        ]
        for m in found.members
    ]
    rows += [
        [i.email, "-", "invited", _roles_text([Role.of(a) for a in i.authorizations]), output.when(i.created_on), "-"]
        for i in found.invites
    ]
    _print(output.table(["EMAIL", "USER ID", "STATUS", "ROLES", "SINCE", "LAST LOGIN"], rows))


async def invites_create(args: argparse.Namespace) -> None:
    roles: list[Role] = args.role or [Role.owner_of(args.org)]
    async with await _connect() as fleet:
        invite = await fleet.create_organization_invite(args.org, args.email, roles)
    granted = _roles_text([Role.of(a) for a in invite.authorizations])
    _print(f"invited {invite.email} to {args.org} as {granted}")
    _warn(f"note: no email is sent; the roles are granted when {invite.email} next logs in with a password (`fleet login --email`)")


async def invites_delete(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        await fleet.delete_organization_invite(args.org, args.email)
    _print(f"deleted the invite of {args.email} to {args.org}")


async def orgs_list(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        orgs = await fleet.list_organizations()
    rows = [[o.id, o.name, o.public_namespace or "-", output.when(o.created_on)] for o in orgs]
    _print(output.table(["ID", "NAME", "NAMESPACE", "CREATED"], rows))


async def orgs_create(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        _print((await fleet.create_organization(args.name)).id)


async def orgs_delete(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        await fleet.delete_organization(args.id)
    _print(f"deleted organization {args.id}")


async def locations_list(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        locations = await fleet.list_locations(args.org)
    rows = [[v.id, v.name, v.parent_location_id or "-", str(v.robot_count), output.when(v.created_on)] for v in locations]
    _print(output.table(["ID", "NAME", "PARENT", "MACHINES", "CREATED"], rows))


async def locations_create(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        _print((await fleet.create_location(args.org, args.name, args.parent)).id)


async def locations_delete(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        await fleet.delete_location(args.id)
    _print(f"deleted location {args.id}")


async def machines_list(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        robots = await fleet.list_robots(args.location)
    rows = [[r.id, r.name, output.status(r.online_state, r.seconds_since_online), output.when(r.created_on)] for r in robots]
    _print(output.table(["ID", "NAME", "STATUS", "CREATED"], rows))


async def machines_create(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        _print(await fleet.new_robot(args.name, args.location))


async def machines_delete(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        await fleet.delete_robot(args.id)
    _print(f"deleted machine {args.id}")


async def machines_summary(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        locations = await fleet.list_machine_summaries(
            args.org, location_ids=args.location or (), fragment_ids=args.fragment or ()
        )
    rows = [
        [
            location.location_name,
            machine.machine_name,
            f"{part.part_name}{' (main)' if part.is_main_part else ''}",
            output.status(part.online_state, part.seconds_since_online),
            output.when(part.last_access),
            ", ".join(f.name or f.id for f in part.fragments) or "-",
        ]
        for location in locations
        for machine in location.machine_summaries
        for part in machine.part_summaries
    ]
    _print(output.table(["LOCATION", "MACHINE", "PART", "STATE", "LAST ACCESS", "FRAGMENTS"], rows))


def _visibility_text(fragment: pb.Fragment) -> str:
    try:
        return str(Visibility.of(fragment.visibility))
    except ValueError:  # unspecified: an older server only sets `public`
        return str(Visibility.PUBLIC if fragment.public else Visibility.PRIVATE)


def _visibility_arg(text: str) -> Visibility:
    """argparse type: private, public or unlisted."""
    try:
        return Visibility.of(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


async def fragments_list(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        found = await fleet.list_fragments(args.org, show_public=args.public)
    rows = [
        [
            f.id,
            f.name,
            f.organization_name or f.organization_owner,
            _visibility_text(f),
            f.revision,
            str(f.robot_part_count),
            output.when(f.last_updated),
        ]
        for f in found
    ]
    _print(output.table(["ID", "NAME", "ORGANIZATION", "VISIBILITY", "REVISION", "PARTS", "UPDATED"], rows))


async def fragments_show(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        response = await fleet.get_fragment(args.id, args.version)
    fragment, usage = response.fragment, response.fragment_usage
    newest = max((int(r.revision) for r in response.revisions), default=0)
    revision = fragment.revision + (" (newest)" if fragment.revision == str(newest) else f" (newest: {newest})")
    fields = [
        ("id", fragment.id),
        ("name", fragment.name),
        ("organization", f"{fragment.organization_name} ({fragment.organization_owner})"),
        ("visibility", _visibility_text(fragment)),
        ("revision", revision),
        ("tags", ", ".join(f"{t.tag}={t.revision}" for t in response.tags) or "-"),
        ("used by", f"{usage.machines} machines in {usage.organizations} organizations"),
        ("created", output.when(fragment.created_on)),
        ("last updated", output.when(fragment.last_updated)),
    ]
    width = max(len(name) for name, _ in fields)
    lines = [f"{name.ljust(width)}  {value}" for name, value in fields]
    _print("\n".join([*lines, "", part_configs.pretty(fragments.config_json(fragment))]))


async def fragments_create(args: argparse.Namespace) -> None:
    new: ConfigText = args.file
    async with await _connect() as fleet:
        fragment = await fleet.create_fragment(args.org, args.name, part_configs.parse_config(new.text))
    _print(fragment.id)


async def fragments_update(args: argparse.Namespace) -> None:
    new: ConfigText = args.file
    async with await _connect() as fleet:
        current = (await fleet.get_fragment(args.id)).fragment
        try:
            # Optimistic concurrency: the update only applies to the revision just read.
            updated = await fleet.update_fragment(
                args.id,
                args.name if args.name is not None else current.name,
                config_json=new.text,
                visibility=args.visibility,
                last_known_update=None if args.force else current.last_updated,
            )
        except Aborted as error:
            raise Aborted(
                error.code,
                f"someone else changed fragment {args.id} while this command was updating it; nothing was written "
                f"(see `fleet fragments history {args.id}`, then run the command again, or use --force to overwrite)",
                error.reason,
                error.details,
            ) from None
    _print(f"updated fragment {args.id} from {new.source}: revision {updated.revision}")


async def fragments_delete(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        await fleet.delete_fragment(args.id)
    _print(f"deleted fragment {args.id}")


def _tags_text(tags: Sequence[pb.FragmentTag]) -> str:
    return ", ".join(f"{t.tag}={t.revision}" for t in tags) or "none"


async def fragments_tag(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        tags = await fleet.set_fragment_tag(args.id, args.tag, args.revision)
    _print(f"tagged revision {args.revision} of fragment {args.id} {args.tag!r} (tags: {_tags_text(tags)})")


async def fragments_untag(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        tags = await fleet.delete_fragment_tag(args.id, args.tag)
    _print(f"removed tag {args.tag!r} of fragment {args.id} (tags: {_tags_text(tags)})")


async def fragments_history(args: argparse.Namespace) -> None:
    entries: list[pb.FragmentHistoryEntry] = []
    async with await _connect() as fleet:
        tags = (await fleet.get_fragment(args.id)).tags
        pages = fleet.iter_fragment_history(args.id, page_size=1000)
        with output.Progress("revisions") as progress:
            async with contextlib.aclosing(pages):
                async for entry in pages:
                    entries.append(entry)
                    progress.update(len(entries))
    by_revision: dict[str, list[str]] = {}
    for tag in tags:
        by_revision.setdefault(tag.revision, []).append(tag.tag)
    rows = [
        [
            e.revision,
            output.when(e.edited_on),
            f"{e.edited_by.value or '-'}",
            e.old.name,
            _visibility_text(e.old),
            output.size(len(fragments.config_json(e.old).encode("utf-8"))),
            ", ".join(by_revision.get(e.revision, [])) or "-",
        ]
        for e in entries
    ]
    _print(output.table(["REVISION", "WHEN", "EDITED BY", "NAME", "VISIBILITY", "CONFIG", "TAGS"], rows))


async def parts_list(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        parts = await fleet.get_robot_parts(args.machine)
    rows = [
        [p.id, p.name, "yes" if p.main_part else "no", output.status(p.online_state, p.seconds_since_online), p.fqdn]
        for p in parts
    ]
    _print(output.table(["ID", "NAME", "MAIN", "STATUS", "FQDN"], rows))


async def parts_show(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        part = await fleet.get_robot_part(args.part_id)
    fields = [
        ("id", part.id),
        ("name", part.name),
        ("machine", part.robot),
        ("location", part.location_id),
        ("main", "yes" if part.main_part else "no"),
        ("status", output.status(part.online_state, part.seconds_since_online)),
        ("last access", output.when(part.last_access)),
        ("fqdn", part.fqdn),
        ("local fqdn", part.local_fqdn),
        ("dns name", part.dns_name),
        ("created", output.when(part.created_on)),
    ]
    if args.show_secret:
        fields.append(("secret", part.secret or "(hidden: owners only)"))
    width = max(len(name) for name, _ in fields)
    _print("\n".join(f"{name.ljust(width)}  {value}" for name, value in fields))


async def parts_create(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        _print(await fleet.new_robot_part(args.machine, args.name))


async def parts_delete(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        await fleet.delete_robot_part(args.id)
    _print(f"deleted part {args.id}")


async def parts_config_get(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        part = await fleet.get_robot_part(args.part_id)
    text = part_configs.pretty(part_configs.config_json(part))
    if args.output is None or args.output == STDIN:
        _print(text)
        return
    Path(args.output).write_text(text + "\n", encoding="utf-8")
    _print(f"wrote the config of part {args.part_id} to {args.output}")


async def parts_config_set(args: argparse.Namespace) -> None:
    new: ConfigText = args.file
    async with await _connect() as fleet:
        part = await fleet.get_robot_part(args.part_id)
        try:
            # Optimistic concurrency: the update only applies to the version just read.
            updated = await fleet.update_robot_part(
                args.part_id, part.name, config_json=new.text, last_known_update=None if args.force else part.last_updated
            )
        except Aborted as error:
            raise Aborted(
                error.code,
                f"someone else changed part {args.part_id} while this command was updating it; nothing was written "
                f"(see `fleet parts history {args.part_id}`, then run the command again, or use --force to overwrite)",
                error.reason,
                error.details,
            ) from None
    stored = output.size(part_configs.size(part_configs.config_json(updated)))
    _print(f"updated the config of part {args.part_id} from {new.source} ({stored} as stored)")


async def parts_history(args: argparse.Namespace) -> None:
    limit = DEFAULT_HISTORY_LIMIT if args.limit is None else args.limit
    entries: list[pb.RobotPartHistoryEntry] = []
    async with await _connect() as fleet:
        pages = fleet.iter_robot_part_history(args.part_id, page_size=min(limit, 1000) if limit else 1000)
        with _progress(limit) as progress:
            async with contextlib.aclosing(pages):
                async for entry in pages:
                    entries.append(entry)
                    progress.update(len(entries))
                    if limit and len(entries) >= limit:
                        break
    rows = [
        [
            output.when(e.when),
            f"{e.edited_by.value or '-'}{' (deleted)' if e.edited_by.is_deactivated else ''}",
            e.old.name,
            output.size(part_configs.size(part_configs.config_json(e.old))),
        ]
        for e in entries
    ]
    _print(output.table(["WHEN", "EDITED BY", "NAME BEFORE", "CONFIG BEFORE"], rows))


async def parts_restart(args: argparse.Namespace) -> None:
    async with await _connect() as fleet:
        await fleet.mark_part_for_restart(args.part_id)
    _print(f"marked part {args.part_id} for restart (its machine is told at its next restart check; running machines check every 60 s)")


async def logs(args: argparse.Namespace) -> None:
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    levels: list[str] = args.level or []
    if "warn" in levels:
        levels = [*levels, "warning"]  # machines log warnings as either
    async with await _connect() as fleet:
        if args.follow:
            errors_only = bool(levels) and set(levels) <= ERROR_LEVELS
            tail = fleet.tail_robot_part_logs(args.part_id, errors_only=errors_only, filter=args.filter)
            async with contextlib.aclosing(tail):
                async for entry in tail:
                    if not levels or entry.level.lower() in levels:
                        _print(output.log_line(entry, color))
            raise Unavailable(grpc.StatusCode.UNAVAILABLE, "the server ended the log stream")
        limit = DEFAULT_LOG_LIMIT if args.limit is None else args.limit
        newest_first: list[LogEntry] = []
        pages = fleet.iter_robot_part_logs(
            args.part_id,
            levels=levels,
            filter=args.filter,
            start=args.since,
            end=args.until,
            page_size=min(limit, 1000) if limit else 1000,
        )
        with _progress(limit) as progress:
            async with contextlib.aclosing(pages):
                async for entry in pages:
                    newest_first.append(entry)
                    progress.update(len(newest_first))
                    if limit and len(newest_first) >= limit:
                        break
    for entry in reversed(newest_first):  # oldest first, like a log file
        _print(output.log_line(entry, color))


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fleet", description="Manage a fleet-management server.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "login",
        help="verify and store credentials: an API key, or a user's email and password",
        description=LOGIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--address", required=True, help="server HOST:PORT")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--key-id", help="API key id")
    who.add_argument("--email", help=f"log in as this user (password from ${PASSWORD_ENV} or prompted for; not stored)")
    p.add_argument("--key", help="API key (prompted for when omitted; only with --key-id)")
    p.set_defaults(handler=login, parser=p)

    def group(name: str, help: str) -> argparse._SubParsersAction:  # type: ignore[type-arg]
        sub = commands.add_parser(name, help=help).add_subparsers(dest="action", required=True, metavar="ACTION")
        return sub

    orgs = group("orgs", "organizations")
    orgs.add_parser("list", help="organizations you hold a role in").set_defaults(handler=orgs_list)
    p = orgs.add_parser("create", help="create an organization (prints its id)")
    p.add_argument("name")
    p.set_defaults(handler=orgs_create)
    p = orgs.add_parser("delete", help="delete an organization and everything in it")
    p.add_argument("id")
    p.set_defaults(handler=orgs_delete)

    locations = group("locations", "locations")
    p = locations.add_parser("list", help="locations of an organization")
    p.add_argument("--org", required=True, help="organization id")
    p.set_defaults(handler=locations_list)
    p = locations.add_parser("create", help="create a location (prints its id)")
    p.add_argument("--org", required=True, help="organization id")
    p.add_argument("--parent", help="parent location id")
    p.add_argument("name")
    p.set_defaults(handler=locations_create)
    p = locations.add_parser("delete", help="delete an empty location")
    p.add_argument("id")
    p.set_defaults(handler=locations_delete)

    machines = group("machines", "machines")
    p = machines.add_parser("list", help="machines in a location")
    p.add_argument("--location", required=True, help="location id")
    p.set_defaults(handler=machines_list)
    p = machines.add_parser("create", help="create a machine with its main part (prints its id)")
    p.add_argument("--location", required=True, help="location id")
    p.add_argument("name")
    p.set_defaults(handler=machines_create)
    p = machines.add_parser("delete", help="delete a machine and its parts")
    p.add_argument("id")
    p.set_defaults(handler=machines_delete)

    p = machines.add_parser("summary", help="an organization's machines and parts with status and fragments")
    p.add_argument("--org", required=True, help="organization id")
    p.add_argument("--location", action="append", metavar="ID", help="only this location (repeat for several)")
    p.add_argument("--fragment", action="append", metavar="ID", help="only machines using this fragment (repeat for several)")
    p.set_defaults(handler=machines_summary)

    frags = group("fragments", "reusable config fragments: list, show, create, update, delete, tag, history")
    p = frags.add_parser("list", help="fragments of an organization")
    p.add_argument("--org", required=True, help="organization id")
    p.add_argument("--public", action="store_true", help="also list other organizations' public fragments")
    p.set_defaults(handler=fragments_list)
    p = frags.add_parser("show", help="one fragment: details, tags, usage and its config as indented JSON")
    p.add_argument("id")
    p.add_argument("--version", metavar="V", help="a revision number or a tag (default: the newest revision)")
    p.set_defaults(handler=fragments_show)
    p = frags.add_parser("create", help="create a fragment from a JSON config (prints its id; key order is not kept)")
    p.add_argument("--org", required=True, help="organization id")
    p.add_argument("name")
    p.add_argument("file", metavar="FILE", type=_config_file, help="a JSON object; - reads stdin")
    p.set_defaults(handler=fragments_create)
    p = frags.add_parser(
        "update",
        help="replace a fragment's config (a new revision)",
        description=FRAGMENT_UPDATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("id")
    p.add_argument("file", metavar="FILE", type=_config_file, help="a JSON object; - reads stdin")
    p.add_argument("--name", help="rename it too")
    p.add_argument("--visibility", type=_visibility_arg, metavar="V", help="private, public or unlisted")
    p.add_argument("--force", action="store_true", help="skip the check that nobody changed the fragment meanwhile")
    p.set_defaults(handler=fragments_update)
    p = frags.add_parser("delete", help="delete a fragment nothing uses")
    p.add_argument("id")
    p.set_defaults(handler=fragments_delete)
    p = frags.add_parser("tag", help="point a tag at a revision")
    p.add_argument("id")
    p.add_argument("tag")
    p.add_argument("revision")
    p.set_defaults(handler=fragments_tag)
    p = frags.add_parser("untag", help="remove a tag")
    p.add_argument("id")
    p.add_argument("tag")
    p.set_defaults(handler=fragments_untag)
    p = frags.add_parser("history", help="every revision of a fragment, newest first")
    p.add_argument("id")
    p.set_defaults(handler=fragments_history)

    parts = group("parts", "machine parts")
    p = parts.add_parser("list", help="parts of a machine")
    p.add_argument("--machine", required=True, help="machine id")
    p.set_defaults(handler=parts_list)
    p = parts.add_parser("show", help="one part, with its online status")
    p.add_argument("part_id")
    p.add_argument("--show-secret", action="store_true", help="also print the part secret (owners only)")
    p.set_defaults(handler=parts_show)
    p = parts.add_parser("create", help="add a part to a machine (prints its id)")
    p.add_argument("--machine", required=True, help="machine id")
    p.add_argument("name")
    p.set_defaults(handler=parts_create)
    p = parts.add_parser("delete", help="delete a part")
    p.add_argument("id")
    p.set_defaults(handler=parts_delete)
    configs = parts.add_parser("config", help="a part's JSON config: get or set").add_subparsers(
        dest="config_action", required=True, metavar="ACTION"
    )
    p = configs.add_parser("get", help="print the part's config as indented JSON (keys in their stored order)")
    p.add_argument("part_id")
    p.add_argument("--output", "-o", metavar="FILE", help="write it to FILE instead")
    p.set_defaults(handler=parts_config_get)
    p = configs.add_parser(
        "set",
        help="replace the part's config with a JSON object from FILE (- reads stdin)",
        description=CONFIG_SET_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("part_id")
    p.add_argument("file", metavar="FILE", type=_config_file, help="a JSON object; - reads stdin")
    p.add_argument("--force", action="store_true", help="skip the check that nobody changed the part meanwhile")
    p.set_defaults(handler=parts_config_set)
    p = parts.add_parser(
        "history", help="a part's changes, newest first: when, who, and the name and config size it had before"
    )
    p.add_argument("part_id")
    p.add_argument(
        "--limit", type=_non_negative, metavar="N", help=f"at most N newest changes (default {DEFAULT_HISTORY_LIMIT}; 0: all)"
    )
    p.set_defaults(handler=parts_history)
    p = parts.add_parser("restart", help="ask the part's machine to restart (at its next restart check)")
    p.add_argument("part_id")
    p.set_defaults(handler=parts_restart)

    keys = group("keys", "API keys")
    p = keys.add_parser("create", help="create an API key (prints its id and the key, shown only this once)")
    p.add_argument("--org", required=True, help="organization id")
    p.add_argument("--name", help="key name")
    p.add_argument("--role", type=_role, action="append", metavar="ROLE:TYPE:ID", help=f"{ROLE_HELP} (default owner:organization:<org>)")
    p.set_defaults(handler=keys_create)
    p = keys.add_parser("list", help="keys of an organization with their roles (never their secrets)")
    p.add_argument("--org", required=True, help="organization id")
    p.set_defaults(handler=keys_list)
    p = keys.add_parser(
        "rotate",
        help="issue a new secret for a key; the old one stops at once (the stored credentials follow when it is the logged-in key)",
    )
    p.add_argument("key_id")
    p.set_defaults(handler=keys_rotate)
    p = keys.add_parser("delete", help="delete a key and its roles")
    p.add_argument("key_id")
    p.set_defaults(handler=keys_delete)
    p = keys.add_parser("rename", help="rename a key")
    p.add_argument("key_id")
    p.add_argument("name")
    p.set_defaults(handler=keys_rename)

    members = group("members", "organization members")
    p = members.add_parser("list", help="members (users with a role) and pending invites of an organization")
    p.add_argument("--org", required=True, help="organization id")
    p.set_defaults(handler=members_list)

    invites = group("invites", "organization invites (no email is sent; roles are granted at the next password login)")
    p = invites.add_parser("create", help="invite an email address to an organization")
    p.add_argument("--org", required=True, help="organization id")
    p.add_argument("email")
    p.add_argument("--role", type=_role, action="append", metavar="ROLE:TYPE:ID", help=f"{ROLE_HELP} (default owner:organization:<org>)")
    p.set_defaults(handler=invites_create)
    p = invites.add_parser("delete", help="withdraw a pending invite")
    p.add_argument("--org", required=True, help="organization id")
    p.add_argument("email")
    p.set_defaults(handler=invites_delete)

    p = commands.add_parser("logs", help="a part's logs (newest N, oldest first), or --follow them live")
    p.add_argument("part_id")
    p.add_argument(
        "--level", type=_levels, action="extend", metavar="L", help=f"only level L; repeat or comma-separate ({', '.join(LEVELS)})"
    )
    p.add_argument("--filter", metavar="TEXT", help="only entries whose message contains TEXT")
    p.add_argument("--since", type=_iso, metavar="ISO", help="only entries at or after this time")
    p.add_argument("--until", type=_iso, metavar="ISO", help="only entries before this time")
    p.add_argument("--limit", type=_non_negative, metavar="N", help=f"at most N newest entries (default {DEFAULT_LOG_LIMIT}; 0: all)")
    p.add_argument("--follow", "-f", action="store_true", help="stream new entries as they arrive (Ctrl-C stops)")
    p.set_defaults(handler=logs, parser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    global _stored
    _stored = None
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.handler is logs and args.follow and (args.since or args.until or args.limit is not None):
        args.parser.error("--follow streams new entries only; it does not take --since, --until or --limit")
    if args.handler is login and args.email is not None and args.key is not None:
        args.parser.error("--key goes with --key-id, not --email")
    try:
        asyncio.run(args.handler(args))
    except FleetError as error:
        line = f"error: {error.code.name}: {' '.join(error.message.split())}"
        if isinstance(error, InvalidArgument) and error.field:
            line += f" (field: {error.field})"
        if isinstance(error, Unauthenticated) and _stored is not None:
            line += f" (the stored credentials were rejected: run `{_stored.login_command()}`)"
        print(line, file=sys.stderr)
        return 1
    except (config.ConfigError, OSError) as error:
        if isinstance(error, BrokenPipeError):  # e.g. `fleet logs ... | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
