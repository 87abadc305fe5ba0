"""The schema migration path: new databases, reopened databases, and databases from a newer server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from harness import TEST_POSTGRES_URL, database_url
from server.db.engine import SQLITE_WAL_LIMIT_BYTES, open_engine
from server.db.migrations import LATEST, SchemaTooNew, migrate
from sqlmodel import SQLModel


def _schema(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    inspector = inspect(engine)
    return {table: sorted(c["name"] for c in inspector.get_columns(table)) for table in sorted(inspector.get_table_names())}


def test_new_database_gets_every_model_table_and_latest_version(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'fleet.db'}")
    assert migrate(engine) == 0
    schema = _schema(engine)
    for table in SQLModel.metadata.sorted_tables:
        assert sorted(c.name for c in table.columns) == schema[table.name]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM schema_version")).scalar_one() == LATEST
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert connection.execute(text("PRAGMA journal_size_limit")).scalar_one() == SQLITE_WAL_LIMIT_BYTES


def test_reopening_keeps_schema_and_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    engine = open_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o', 'n', 'r', '{}', '2026-01-01')")
        )
    before = _schema(engine)
    engine.dispose()
    reopened = open_engine(url)
    assert migrate(reopened) == LATEST
    assert _schema(reopened) == before
    with reopened.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM organization")).scalar_one() == 1


def test_database_from_a_newer_server_is_refused(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'fleet.db'}")
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE schema_version SET version = :v"), {"v": LATEST + 1})
    with pytest.raises(SchemaTooNew):
        migrate(engine)


def _indexes(engine) -> dict[str, list[tuple[str, tuple[str, ...]]]]:  # type: ignore[no-untyped-def]
    inspector = inspect(engine)
    return {
        table: sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table))
        for table in inspector.get_table_names()
    }


# Tables and columns that later versions added to the version 1 schema.
LATER_TABLES = {"log_entry", "user_account", "organization_invite", "location_share", "robot_part_history",
                "fragment", "fragment_revision", "fragment_tag", "fragment_import", "part_fragment", "log_sequence"}
LATER_COLUMNS = {"robot_part": ["restart_requested", "agent_info"]}
# Unique constraints later versions widened: table -> (columns then, columns now).
OLD_AUTHORIZATION_UNIQUE = "identity_id, role, resource_type, resource_id"
LATER_UNIQUE = {"authorization": (OLD_AUTHORIZATION_UNIQUE, OLD_AUTHORIZATION_UNIQUE + ", organization_id")}


def _version_1_database(path: Path):  # type: ignore[no-untyped-def]
    """The current models minus what later versions added, stamped version 1."""
    engine = open_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in LATER_TABLES]
        SQLModel.metadata.create_all(connection, tables=tables)
        for table, columns in LATER_COLUMNS.items():
            for column in columns:
                connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        for table, (then, now) in LATER_UNIQUE.items():
            _recreate_sqlite_table(connection, table, f"UNIQUE ({now})", f"UNIQUE ({then})")
        connection.execute(text("INSERT INTO schema_version (id, version) VALUES (1, 1)"))
    return engine


def _database_at(path: Path, version: int):  # type: ignore[no-untyped-def]
    """A version 1 database migrated step by step to `version`, stamped so."""
    from server.db.migrations import MIGRATIONS

    engine = _version_1_database(path)
    with engine.begin() as connection:
        for migration in MIGRATIONS[: version - 1]:
            migration(connection)
        connection.execute(text("UPDATE schema_version SET version = :v"), {"v": version})
    return engine


def _recreate_sqlite_table(connection, table: str, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    """Recreates an empty SQLite table with `old` replaced by `new` in its DDL, indexes included."""
    ddl = connection.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}).scalar_one()
    assert old in ddl
    indexes = connection.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"), {"t": table}
    ).scalars().all()
    connection.execute(text(f'DROP TABLE "{table}"'))
    for statement in (ddl.replace(old, new), *indexes):
        connection.execute(text(statement))


def _uniques(engine) -> dict[str, list[tuple[str, tuple[str, ...]]]]:  # type: ignore[no-untyped-def]
    inspector = inspect(engine)
    return {
        table: sorted((u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table))
        for table in inspector.get_table_names()
    }


def test_upgrading_a_version_1_database_matches_a_new_one(tmp_path: Path) -> None:
    """Version 1 had no log_entry table (and more, see LATER_*); migrating it must give what a new database gets."""
    old = _version_1_database(tmp_path / "old.db")
    assert migrate(old) == 1
    new = open_engine(f"sqlite:///{tmp_path / 'new.db'}")
    migrate(new)
    assert _schema(old) == _schema(new)
    assert _indexes(old) == _indexes(new)
    assert _uniques(old) == _uniques(new)


def test_upgrading_keeps_parts_and_gives_them_no_restart_flag(tmp_path: Path) -> None:
    """Version 4 added the restart flag, agent info and part history: existing parts get defaults."""
    old = _version_1_database(tmp_path / "old.db")
    with old.begin() as connection:
        connection.execute(text("INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o', 'n', 'r', '{}', '2026-01-01')"))
        connection.execute(text("INSERT INTO location (id, organization_id, name, region, metadata_json, created_on) VALUES ('l', 'o', 'n', 'r', '{}', '2026-01-01')"))
        connection.execute(text("INSERT INTO robot (id, location_id, name, metadata_json, created_on) VALUES ('r', 'l', 'n', '{}', '2026-01-01')"))
        connection.execute(
            text(
                "INSERT INTO robot_part (id, robot_id, name, dns_name, main_part, config_json, metadata_json, created_on, last_updated) "
                "VALUES ('p', 'r', 'n', 'n', 1, :config, '{}', '2026-01-01', '2026-01-01')"
            ),
            {"config": '{"b":1,"a":2}'},
        )
    assert migrate(old) == 1
    with old.begin() as connection:
        row = connection.execute(text("SELECT config_json, restart_requested, agent_info FROM robot_part WHERE id = 'p'")).one()
        assert tuple(row) == ('{"b":1,"a":2}', 0, None)
        connection.execute(
            text(
                "INSERT INTO robot_part_history (part_id, robot_id, created_on, editor_id, editor_type, editor_name, snapshot_json) "
                "VALUES ('p', 'r', '2026-01-02', 'k', 'api-key', 'k', '{}')"
            )
        )
        connection.execute(text("DELETE FROM robot_part WHERE id = 'p'"))
        assert connection.execute(text("SELECT count(*) FROM robot_part_history")).scalar_one() == 0, "history must cascade"


def test_version_6_clusters_log_entries_by_part_and_keeps_their_ids(tmp_path: Path) -> None:
    """Version 6 rebuilds SQLite's log_entry without rowid, clustered on (part_id, time_ns, id),
    with the message column case-folded into search_text."""
    old = _database_at(tmp_path / "old.db", 5)
    with old.begin() as connection:
        connection.execute(text("INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o', 'n', 'r', '{}', '2026-01-01')"))
        connection.execute(text("INSERT INTO location (id, organization_id, name, region, metadata_json, created_on) VALUES ('l', 'o', 'n', 'r', '{}', '2026-01-01')"))
        connection.execute(text("INSERT INTO robot (id, location_id, name, metadata_json, created_on) VALUES ('r', 'l', 'n', '{}', '2026-01-01')"))
        for part in ("p1", "p2"):
            connection.execute(
                text(
                    "INSERT INTO robot_part (id, robot_id, name, dns_name, main_part, config_json, metadata_json, created_on, last_updated, restart_requested) "
                    "VALUES (:p, 'r', :p, :p, 0, '{}', '{}', '2026-01-01', '2026-01-01', 0)"
                ),
                {"p": part},
            )
        for index in range(6):  # interleaved parts, as concurrent machines write them
            connection.execute(
                text("INSERT INTO log_entry (part_id, time_ns, level, message, entry) VALUES (:p, :t, 'info', :m, x'00')"),
                {"p": f"p{index % 2 + 1}", "t": 1000 - index, "m": f"Größe {index}"},
            )
    before = _log_rows(old, "message")
    assert migrate(old) == 5
    assert _log_rows(old, "search_text") == [(*row[:4], row[4].casefold(), row[5]) for row in before]
    assert before[0][4] == "Größe 0" and before[0][4].casefold() == "grösse 0"
    with old.begin() as connection:
        ddl = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'log_entry'")).scalar_one()
        assert "WITHOUT ROWID" in ddl.upper()
        assert connection.execute(text("SELECT next_id FROM log_sequence")).scalar_one() == max(row[0] for row in before) + 1
        connection.execute(text("DELETE FROM robot_part WHERE id = 'p1'"))
        assert {row[1] for row in connection.execute(text("SELECT id, part_id FROM log_entry"))} == {"p2"}, "logs must cascade"


def _log_rows(engine, text_column: str) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    with engine.begin() as connection:
        query = f"SELECT id, part_id, time_ns, level, {text_column}, entry FROM log_entry"
        return sorted(tuple(row) for row in connection.execute(text(query)))


@pytest.mark.skipif(not TEST_POSTGRES_URL, reason="the PostgreSQL step of version 6 (scripts/test runs the suite on it)")
def test_version_6_on_postgresql_renames_the_message_column_and_keeps_entries(tmp_path: Path) -> None:
    """A version 5 PostgreSQL database (partitioned log table with `message`, no sequence) upgrades in place."""
    engine = open_engine(database_url(tmp_path / "data") or "")
    migrate(engine)
    with engine.begin() as connection:  # back to what version 5 had
        connection.execute(text("DROP TABLE log_sequence"))
        connection.execute(text("ALTER TABLE log_entry RENAME COLUMN search_text TO message"))
        connection.execute(text("UPDATE schema_version SET version = 5"))
        connection.execute(text("INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o', 'n', 'r', '{}', now())"))
        connection.execute(text("INSERT INTO location (id, organization_id, name, region, metadata_json, created_on) VALUES ('l', 'o', 'n', 'r', '{}', now())"))
        connection.execute(text("INSERT INTO robot (id, location_id, name, metadata_json, created_on) VALUES ('r', 'l', 'n', '{}', now())"))
        connection.execute(text(
            "INSERT INTO robot_part (id, robot_id, name, dns_name, main_part, config_json, metadata_json, created_on, last_updated, restart_requested) "
            "VALUES ('p', 'r', 'p', 'p', true, '{}', '{}', now(), now(), false)"
        ))
        connection.execute(text("INSERT INTO log_entry (part_id, time_ns, level, message, entry) VALUES ('p', 5, 'info', 'Größe', '\\x00')"))
    assert migrate(engine) == 5
    with engine.begin() as connection:
        assert connection.execute(text("SELECT search_text FROM log_entry")).scalar_one() == "Größe", "kept as it was"
        assert connection.execute(text("SELECT next_id FROM log_sequence")).scalar_one() == 1
    engine.dispose()


AUTHORIZATION_ROW = (
    "INSERT INTO \"authorization\" (id, organization_id, identity_id, identity_type, role, resource_type, resource_id, created_on) "
    "VALUES (:id, :org, 'u', 'user', 'operator', 'location', 'l', '2026-01-01')"
)


def _same_role_from_two_organizations(engine) -> None:  # type: ignore[no-untyped-def]
    """After version 7, o2 may grant the role o1 granted; o1 may not grant it twice."""
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o2', 'n', 'r', '{}', '2026-01-01')"))
        connection.execute(text(AUTHORIZATION_ROW), {"id": "a2", "org": "o2"})
        rows = connection.execute(text('SELECT id, organization_id FROM "authorization" ORDER BY id')).all()
        assert [tuple(row) for row in rows] == [("a1", "o1"), ("a2", "o2")]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(AUTHORIZATION_ROW), {"id": "a3", "org": "o1"})
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM organization WHERE id = 'o2'"))
        assert connection.execute(text('SELECT id FROM "authorization"')).scalars().all() == ["a1"], "roles must cascade"


def test_version_7_lets_two_organizations_grant_the_same_role_and_keeps_roles(tmp_path: Path) -> None:
    """Version 7 adds organization_id to uq_authorization; SQLite rebuilds the table."""
    old = _database_at(tmp_path / "old.db", 6)
    with old.begin() as connection:
        connection.execute(text("INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o1', 'n', 'r', '{}', '2026-01-01')"))
        connection.execute(text(AUTHORIZATION_ROW), {"id": "a1", "org": "o1"})
    assert migrate(old) == 6
    assert ("uq_authorization", tuple(LATER_UNIQUE["authorization"][1].split(", "))) in _uniques(old)["authorization"]
    _same_role_from_two_organizations(old)


@pytest.mark.skipif(not TEST_POSTGRES_URL, reason="the PostgreSQL step of version 7 (scripts/test runs the suite on it)")
def test_version_7_on_postgresql_swaps_the_authorization_constraint(tmp_path: Path) -> None:
    engine = open_engine(database_url(tmp_path / "data") or "")
    migrate(engine)
    with engine.begin() as connection:  # back to what version 6 had
        connection.execute(text(
            'ALTER TABLE "authorization" DROP CONSTRAINT uq_authorization, '
            f"ADD CONSTRAINT uq_authorization UNIQUE ({OLD_AUTHORIZATION_UNIQUE})"
        ))
        connection.execute(text("UPDATE schema_version SET version = 6"))
        connection.execute(text("INSERT INTO organization (id, name, default_region, metadata_json, created_on) VALUES ('o1', 'n', 'r', '{}', now())"))
        connection.execute(text(AUTHORIZATION_ROW), {"id": "a1", "org": "o1"})
    assert migrate(engine) == 6
    _same_role_from_two_organizations(engine)
    engine.dispose()
