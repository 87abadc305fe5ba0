"""Command line: `python -m server serve` and `python -m server bootstrap`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from server.settings import DEFAULT_DATA_DIR, DEFAULT_LISTEN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fleet-server", description="Self-hosted fleet-management gRPC server.")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--data-dir", help=f"data directory (env FLEET_DATA_DIR, default {DEFAULT_DATA_DIR})")
        sub.add_argument(
            "--database-url",
            help="SQLAlchemy database URL (env FLEET_DATABASE_URL, default: SQLite file fleet.db in the data directory)",
        )

    serve = commands.add_parser("serve", help="run the gRPC server")
    common(serve)
    serve.add_argument("--listen", help=f"host:port to listen on (env FLEET_LISTEN, default {DEFAULT_LISTEN})")

    boot = commands.add_parser(
        "bootstrap", help="create the first organization and an owner API key on a new server (shown once)"
    )
    common(boot)
    boot.add_argument("--org-name", required=True, help="name of the first organization")
    boot.add_argument("--json", action="store_true", help="print the result as JSON")

    user = commands.add_parser(
        "user-add",
        help="create a user who authenticates with credentials type 'password' (entity = email); "
        "the password is read from FLEET_USER_PASSWORD or asked for",
    )
    common(user)
    user.add_argument("--email", required=True)
    user.add_argument("--owner-of", metavar="ORG_ID", help="also make the user an owner of this organization")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    from sqlalchemy.exc import ArgumentError, OperationalError

    from server.domain.secrets import WrongSecretKey
    from server.runtime import Runtime
    from server.settings import Settings

    settings = Settings.load(
        listen=getattr(args, "listen", None), data_dir=args.data_dir, database_url=args.database_url
    )
    try:
        runtime = Runtime.open(settings)
    except (ValueError, ArgumentError, OperationalError) as error:
        # A wrong URL or an unreachable database: one clear line, not a traceback.
        detail = getattr(error, "orig", None) or error
        print(f"fleet-server: cannot open the database {_safe_url(settings.database_url)}: {detail}", file=sys.stderr)
        return 2
    except WrongSecretKey as error:
        print(f"fleet-server: {error}", file=sys.stderr)
        return 2
    if args.command == "serve":
        from server.app import serve

        asyncio.run(serve(runtime))
        return 0
    if args.command == "user-add":
        return _add_user(runtime, args.email, args.owner_of)
    return _bootstrap(runtime, args.org_name, args.json)


def _safe_url(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def _add_user(runtime: "Runtime", email: str, owner_of: str | None) -> int:  # type: ignore[name-defined]  # noqa: F821
    import getpass
    import os

    from server.db.engine import unit_of_work
    from server.domain.errors import DomainError
    from server.domain.users import create_user, grant_organization_owner

    password = os.environ.get("FLEET_USER_PASSWORD") or getpass.getpass(f"password for {email}: ")
    try:
        with unit_of_work(runtime.engine, write=True) as session:
            user = create_user(session, email, password)
            if owner_of:
                grant_organization_owner(session, user, owner_of)
    except DomainError as error:
        print(f"user-add failed: {error.message}", file=sys.stderr)
        return 1
    print(user.id)
    return 0


def _bootstrap(runtime: "Runtime", org_name: str, as_json: bool) -> int:  # type: ignore[name-defined]  # noqa: F821
    from server.db.engine import unit_of_work
    from server.domain.bootstrap import bootstrap
    from server.domain.context import DomainContext
    from server.domain.errors import DomainError

    try:
        with unit_of_work(runtime.engine, write=True) as session:
            result = bootstrap(DomainContext(session=session, caller=None, facts=runtime.facts), org_name)
    except DomainError as error:
        print(f"bootstrap failed: {error.message}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(result.__dict__))
    else:
        print(f"organization: {result.organization_name} ({result.organization_id})")
        print(f"API key id:   {result.api_key_id}")
        print(f"API key:      {result.api_key}")
        print("Store the API key now: it is shown only once.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
