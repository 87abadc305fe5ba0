"""The schema migration path: new databases, reopened databases, and databases from a newer server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from server.db.engine import open_engine
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


def test_upgrading_a_version_1_database_matches_a_new_one(tmp_path: Path) -> None:
    """Version 1 had no log_entry table; migrating it must give what a new database gets."""
    old = open_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with old.begin() as connection:
        later = {"log_entry", "user_account", "organization_invite", "location_share"}
        tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in later]
        SQLModel.metadata.create_all(connection, tables=tables)
        connection.execute(text("INSERT INTO schema_version (id, version) VALUES (1, 1)"))
    assert migrate(old) == 1
    new = open_engine(f"sqlite:///{tmp_path / 'new.db'}")
    migrate(new)
    assert _schema(old) == _schema(new)
    assert _indexes(old) == _indexes(new)
