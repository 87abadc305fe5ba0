"""Schema migrations.

A new database gets the current schema from the models and is stamped with
LATEST. An existing database runs every migration above its stamped version,
in order, in one transaction. To change the schema: edit models.py, append a
function to MIGRATIONS that brings a database at the previous version to the
new one, and the schema test checks the two paths agree.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import SQLModel

from server.db import models  # noqa: F401  (registers the tables)

Migration = Callable[[Connection], None]

# MIGRATIONS[i] upgrades a database from version i + 1 to version i + 2.
# Version 1 is the first released schema.
MIGRATIONS: list[Migration] = []
LATEST = 1 + len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    pass


def migrate(engine: Engine) -> int:
    """Bring the database to LATEST; returns the version it was at (0 for a new database)."""
    with engine.begin() as connection:
        if not inspect(connection).has_table("schema_version"):
            SQLModel.metadata.create_all(connection)
            connection.execute(text("INSERT INTO schema_version (id, version) VALUES (1, :v)"), {"v": LATEST})
            return 0
        current = connection.execute(text("SELECT version FROM schema_version WHERE id = 1")).scalar_one()
        if current > LATEST:
            raise SchemaTooNew(f"database schema version {current} is newer than this server ({LATEST}); upgrade the server")
        for migration in MIGRATIONS[current - 1 :]:
            migration(connection)
        connection.execute(text("UPDATE schema_version SET version = :v WHERE id = 1"), {"v": LATEST})
        return current
