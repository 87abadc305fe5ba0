"""Schema migrations.

A new database gets the current schema from the models and is stamped with
LATEST. An existing database runs every migration above its stamped version,
in order, in one transaction. To change the schema: edit models.py, append a
function to MIGRATIONS that brings a database at the previous version to the
new one, and the schema test checks the two paths agree.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Connection, Engine, ForeignKey, Index, Integer, LargeBinary, MetaData, PrimaryKeyConstraint, String, Table, UniqueConstraint, false, inspect, text
from sqlmodel import SQLModel

from server.db import models  # noqa: F401  (registers the tables)
from server.db.log_partitions import create_partitioned_log_table

Migration = Callable[[Connection], None]



def _v1_to_v2_add_log_entries(connection: Connection) -> None:
    # A frozen copy of the table as version 2 defined it: later model changes
    # must not change what this step creates.
    metadata = MetaData()
    Table("robot_part", metadata, Column("id", String, primary_key=True))  # the FK target, already present
    table = Table(
        "log_entry",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("part_id", String, ForeignKey("robot_part.id", ondelete="CASCADE"), nullable=False),
        Column("time_ns", BigInteger, nullable=False),
        Column("level", String, nullable=False),
        Column("message", String, nullable=False),
        Column("entry", LargeBinary, nullable=False),
    )
    Index("ix_log_entry_part_time", table.c.part_id, table.c.time_ns, table.c.id)
    Index("ix_log_entry_time", table.c.time_ns)
    table.create(connection)


def _v2_to_v3_add_users_invites_shares(connection: Connection) -> None:
    metadata = MetaData()
    Table("organization", metadata, Column("id", String, primary_key=True))  # FK targets, already present
    Table("location", metadata, Column("id", String, primary_key=True))
    tables = [
        Table(
            "user_account",
            metadata,
            Column("id", String, primary_key=True),
            Column("email", String, nullable=False, unique=True),
            Column("password_hash", String, nullable=False),
            Column("created_on", DateTime(timezone=True), nullable=False),
            Column("last_login", DateTime(timezone=True), nullable=True),
        ),
        Table(
            "organization_invite",
            metadata,
            Column("organization_id", String, ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
            Column("email", String, primary_key=True),
            Column("authorizations_json", String, nullable=False),
            Column("created_on", DateTime(timezone=True), nullable=False),
        ),
        Table(
            "location_share",
            metadata,
            Column("location_id", String, ForeignKey("location.id", ondelete="CASCADE"), primary_key=True),
            Column("organization_id", String, ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True, index=True),
            Column("created_on", DateTime(timezone=True), nullable=False),
        ),
    ]
    for table in tables:
        table.create(connection)


def _v3_to_v4_add_part_history_and_restart(connection: Connection) -> None:
    dialect = connection.dialect
    boolean, blob, no = Boolean().compile(dialect=dialect), LargeBinary().compile(dialect=dialect), false().compile(dialect=dialect)
    connection.execute(text(f"ALTER TABLE robot_part ADD COLUMN restart_requested {boolean} NOT NULL DEFAULT {no}"))
    connection.execute(text(f"ALTER TABLE robot_part ADD COLUMN agent_info {blob}"))
    metadata = MetaData()
    Table("robot_part", metadata, Column("id", String, primary_key=True))  # the FK target, already present
    table = Table(
        "robot_part_history",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("part_id", String, ForeignKey("robot_part.id", ondelete="CASCADE"), nullable=False),
        Column("robot_id", String, nullable=False),
        Column("created_on", DateTime(timezone=True), nullable=False),
        Column("editor_id", String, nullable=False),
        Column("editor_type", String, nullable=False),
        Column("editor_name", String, nullable=False),
        Column("snapshot_json", String, nullable=False),
    )
    Index("ix_robot_part_history_part_created", table.c.part_id, table.c.created_on, table.c.id)
    table.create(connection)


def _v4_to_v5_add_fragments(connection: Connection) -> None:
    metadata = MetaData()
    Table("organization", metadata, Column("id", String, primary_key=True))  # FK targets, already present
    Table("robot_part", metadata, Column("id", String, primary_key=True))
    fragment = Table(
        "fragment",
        metadata,
        Column("id", String, primary_key=True),
        Column("organization_id", String, ForeignKey("organization.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("name", String, nullable=False),
        Column("visibility", String, nullable=False),
        Column("config_json", String, nullable=False),
        Column("revision", Integer, nullable=False),
        Column("created_on", DateTime(timezone=True), nullable=False),
        Column("last_updated", DateTime(timezone=True), nullable=False),
    )
    revision = Table(
        "fragment_revision",
        metadata,
        Column("fragment_id", String, ForeignKey("fragment.id", ondelete="CASCADE"), primary_key=True),
        Column("revision", Integer, primary_key=True),
        Column("name", String, nullable=False),
        Column("visibility", String, nullable=False),
        Column("config_json", String, nullable=False),
        Column("created_on", DateTime(timezone=True), nullable=False),
        Column("editor_id", String, nullable=False),
        Column("editor_type", String, nullable=False),
        Column("editor_name", String, nullable=False),
    )
    tag = Table(
        "fragment_tag",
        metadata,
        Column("fragment_id", String, ForeignKey("fragment.id", ondelete="CASCADE"), primary_key=True),
        Column("tag", String, primary_key=True),
        Column("revision", Integer, nullable=False),
    )
    imports = Table(
        "fragment_import",
        metadata,
        Column("fragment_id", String, ForeignKey("fragment.id", ondelete="CASCADE"), primary_key=True),
        Column("imported_id", String, primary_key=True, index=True),
        Column("version", String, nullable=True),
    )
    uses = Table(
        "part_fragment",
        metadata,
        Column("part_id", String, ForeignKey("robot_part.id", ondelete="CASCADE"), primary_key=True),
        Column("fragment_id", String, primary_key=True, index=True),
        Column("version", String, nullable=True),
    )
    for table in (fragment, revision, tag, imports, uses):
        table.create(connection)


def _v5_to_v6_cluster_log_entries(connection: Connection) -> None:
    """SQLite: log_entry becomes a WITHOUT ROWID table clustered on (part_id, time_ns, id),
    and its message column becomes search_text, case-folded (see models.LogEntry); ids are
    kept, so page tokens stay valid. PostgreSQL keeps its partitioned table: the column is
    renamed, and entries stored before stay unfolded (its ILIKE still finds them). Both get
    the sequence table (used on SQLite only)."""
    metadata = MetaData()
    Table("robot_part", metadata, Column("id", String, primary_key=True))  # the FK target, already present
    sequence = Table("log_sequence", metadata, Column("id", Integer, primary_key=True), Column("next_id", BigInteger, nullable=False))
    sequence.create(connection)
    if connection.dialect.name != "sqlite":
        connection.execute(text("INSERT INTO log_sequence (id, next_id) VALUES (1, 1)"))
        connection.execute(text("ALTER TABLE log_entry RENAME COLUMN message TO search_text"))
        return
    clustered = Table(
        "log_entry_clustered",
        metadata,
        Column("id", Integer, nullable=False),
        Column("part_id", String, ForeignKey("robot_part.id", ondelete="CASCADE"), nullable=False),
        Column("time_ns", BigInteger, nullable=False),
        Column("level", String, nullable=False),
        Column("search_text", String, nullable=False),
        Column("entry", LargeBinary, nullable=False),
        PrimaryKeyConstraint("part_id", "time_ns", "id", name="pk_log_entry"),
        sqlite_with_rowid=False,
    )
    clustered.create(connection)
    connection.connection.driver_connection.create_function(
        "fleet_casefold", 1, lambda value: value.casefold() if isinstance(value, str) else value, deterministic=True
    )
    connection.execute(text(
        "INSERT INTO log_entry_clustered (id, part_id, time_ns, level, search_text, entry)"
        " SELECT id, part_id, time_ns, level, fleet_casefold(message), entry FROM log_entry ORDER BY part_id, time_ns, id"
    ))
    connection.execute(text("INSERT INTO log_sequence (id, next_id) SELECT 1, COALESCE(MAX(id), 0) + 1 FROM log_entry"))
    connection.execute(text("DROP TABLE log_entry"))
    connection.execute(text("ALTER TABLE log_entry_clustered RENAME TO log_entry"))


def _v6_to_v7_authorization_unique_per_organization(connection: Connection) -> None:
    """uq_authorization gains organization_id: a shared location may hold the same role from its own
    organization and from a sharee. PostgreSQL swaps the constraint; SQLite cannot alter one, so the
    table is rebuilt (nothing references it)."""
    columns = ("identity_id", "role", "resource_type", "resource_id", "organization_id")
    if connection.dialect.name != "sqlite":
        connection.execute(text(
            'ALTER TABLE "authorization" DROP CONSTRAINT uq_authorization, '
            f'ADD CONSTRAINT uq_authorization UNIQUE ({", ".join(columns)})'
        ))
        return
    names = ("ix_authorization_organization_id", "ix_authorization_identity_id", "ix_authorization_resource")
    for name in names:  # freed for the rebuilt table's own
        connection.execute(text(f"DROP INDEX {name}"))
    connection.execute(text('ALTER TABLE "authorization" RENAME TO authorization_v6'))
    metadata = MetaData()
    Table("organization", metadata, Column("id", String, primary_key=True))  # the FK target, already present
    table = Table(
        "authorization",
        metadata,
        Column("id", String, primary_key=True),
        Column("organization_id", String, ForeignKey("organization.id", ondelete="CASCADE"), nullable=False),
        Column("identity_id", String, nullable=False),
        Column("identity_type", String, nullable=False),
        Column("role", String, nullable=False),
        Column("resource_type", String, nullable=False),
        Column("resource_id", String, nullable=False),
        Column("created_on", DateTime(timezone=True), nullable=False),
        UniqueConstraint(*columns, name="uq_authorization"),
    )
    Index(names[0], table.c.organization_id)
    Index(names[1], table.c.identity_id)
    Index(names[2], table.c.resource_type, table.c.resource_id)
    table.create(connection)
    every = ", ".join(column.name for column in table.columns)
    connection.execute(text(f'INSERT INTO "authorization" ({every}) SELECT {every} FROM authorization_v6'))
    connection.execute(text("DROP TABLE authorization_v6"))


# MIGRATIONS[i] upgrades a database from version i + 1 to version i + 2.
# Version 1 is the first released schema.
MIGRATIONS: list[Migration] = [
    _v1_to_v2_add_log_entries,
    _v2_to_v3_add_users_invites_shares,
    _v3_to_v4_add_part_history_and_restart,
    _v4_to_v5_add_fragments,
    _v5_to_v6_cluster_log_entries,
    _v6_to_v7_authorization_unique_per_organization,
]
LATEST = 1 + len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    pass


def _create_schema(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        SQLModel.metadata.create_all(connection)
    else:
        # PostgreSQL: the log table is partitioned by day (server/db/log_partitions.py).
        others = [table for table in SQLModel.metadata.sorted_tables if table.name != "log_entry"]
        SQLModel.metadata.create_all(connection, tables=others)
        create_partitioned_log_table(connection)
    connection.execute(text("INSERT INTO log_sequence (id, next_id) VALUES (1, 1)"))


def migrate(engine: Engine) -> int:
    """Bring the database to LATEST; returns the version it was at (0 for a new database)."""
    with engine.begin() as connection:
        if not inspect(connection).has_table("schema_version"):
            _create_schema(connection)
            connection.execute(text("INSERT INTO schema_version (id, version) VALUES (1, :v)"), {"v": LATEST})
            return 0
        current = connection.execute(text("SELECT version FROM schema_version WHERE id = 1")).scalar_one()
        if current > LATEST:
            raise SchemaTooNew(f"database schema version {current} is newer than this server ({LATEST}); upgrade the server")
        for migration in MIGRATIONS[current - 1 :]:
            migration(connection)
        connection.execute(text("UPDATE schema_version SET version = :v WHERE id = 1"), {"v": LATEST})
        return current
