"""SQLModel tables. Every change to them needs a migration in migrations.py.

Timestamps are time-zone aware UTC datetimes. Free-form
JSON (metadata, configs) is stored as text exactly as it will be returned.
Secrets are stored encrypted (see security/secret_box.py); API keys only as
a hash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, PrimaryKeyConstraint, UniqueConstraint, false
from sqlmodel import Field, SQLModel


class SchemaVersion(SQLModel, table=True):
    __tablename__ = "schema_version"
    id: int = Field(default=1, primary_key=True)
    version: int


class Organization(SQLModel, table=True):
    __tablename__ = "organization"
    id: str = Field(primary_key=True)
    name: str
    public_namespace: str | None = Field(default=None, unique=True)
    default_region: str
    cid: str | None = None
    default_fragments: bytes | None = None  # serialized FragmentImportList, stored as given
    allowed_login_methods: bytes | None = None  # serialized AllowedLoginMethods, stored as given
    metadata_json: str = "{}"
    created_on: datetime


class Location(SQLModel, table=True):
    __tablename__ = "location"
    id: str = Field(primary_key=True)
    organization_id: str = Field(foreign_key="organization.id", ondelete="CASCADE", index=True)
    parent_location_id: str | None = Field(default=None, foreign_key="location.id", ondelete="CASCADE", index=True)
    name: str
    region: str
    metadata_json: str = "{}"
    created_on: datetime


class LocationSecret(SQLModel, table=True):
    __tablename__ = "location_secret"
    id: str = Field(primary_key=True)
    location_id: str = Field(foreign_key="location.id", ondelete="CASCADE", index=True)
    secret_ciphertext: bytes
    created_on: datetime


class Robot(SQLModel, table=True):
    __tablename__ = "robot"
    __table_args__ = (UniqueConstraint("location_id", "name", name="uq_robot_location_name"),)
    id: str = Field(primary_key=True)
    location_id: str = Field(foreign_key="location.id", ondelete="CASCADE", index=True)
    name: str
    metadata_json: str = "{}"
    created_on: datetime
    last_access: datetime | None = None


class RobotPart(SQLModel, table=True):
    __tablename__ = "robot_part"
    __table_args__ = (
        UniqueConstraint("robot_id", "name", name="uq_robot_part_robot_name"),
        Index("ix_robot_part_name", "name"),
    )
    id: str = Field(primary_key=True)
    robot_id: str = Field(foreign_key="robot.id", ondelete="CASCADE", index=True)
    name: str
    dns_name: str
    main_part: bool = False
    config_json: str = "{}"
    metadata_json: str = "{}"
    created_on: datetime
    last_updated: datetime
    last_access: datetime | None = None  # the last heartbeat written (RobotService.Config / NeedsRestart)
    # Set by MarkPartForRestart, cleared when NeedsRestart reports it.
    restart_requested: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    agent_info: bytes | None = None  # serialized viam.app.v1.AgentInfo from the last Config call that sent one


class RobotPartHistory(SQLModel, table=True):
    """The part as it was before one UpdateRobotPart, and who changed it when."""

    __tablename__ = "robot_part_history"
    __table_args__ = (
        # Serves GetRobotPartHistory: one part, newest first, keyset cursor (created_on, id).
        Index("ix_robot_part_history_part_created", "part_id", "created_on", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    part_id: str = Field(foreign_key="robot_part.id", ondelete="CASCADE")
    robot_id: str
    created_on: datetime  # when the change was made
    editor_id: str  # API key id or user id
    editor_type: str  # "api-key" | "user"
    editor_name: str  # key id or the user's email at the time
    # The old part: {"name", "dns_name", "main_part", "config_json", "last_updated_us"}.
    snapshot_json: str


class PartSecret(SQLModel, table=True):
    __tablename__ = "part_secret"
    id: str = Field(primary_key=True)
    part_id: str = Field(foreign_key="robot_part.id", ondelete="CASCADE", index=True)
    secret_ciphertext: bytes
    created_on: datetime


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: str = Field(primary_key=True)
    organization_id: str = Field(foreign_key="organization.id", ondelete="CASCADE", index=True)
    name: str
    key_hash: str
    created_on: datetime


class Authorization(SQLModel, table=True):
    """A role of an identity (API key or user) on an organization, location or robot."""

    __tablename__ = "authorization"
    __table_args__ = (
        # The organization too: a shared location may hold the same role from its own and from a sharee.
        UniqueConstraint("identity_id", "role", "resource_type", "resource_id", "organization_id", name="uq_authorization"),
        Index("ix_authorization_resource", "resource_type", "resource_id"),
    )
    id: str = Field(primary_key=True)
    organization_id: str = Field(foreign_key="organization.id", ondelete="CASCADE", index=True)
    identity_id: str = Field(index=True)
    identity_type: str  # "api-key" | "user"
    role: str  # "owner" | "operator"
    resource_type: str  # "organization" | "location" | "robot"
    resource_id: str
    created_on: datetime


class LogEntry(SQLModel, table=True):
    """One machine log line. Written in bulk by server/logs/writer.py, never one ORM object at a time.

    `entry` is the whole entry as sent (a serialized viam.common.v1.LogEntry,
    with time and level normalized), so every field is kept byte for byte;
    the columns beside it are copies that queries filter and sort on.
    `search_text` is the message case-folded (str.casefold, NUL as U+FFFD), so
    a `filter` is a plain substring test in the database, with no per-row call
    back into Python.

    This is the SQLite layout: a WITHOUT ROWID table clustered on (part_id,
    time_ns, id), so a part's entries lie together in time order. A page, even
    a filtered one that skips most entries, then reads a few adjacent pages
    rather than one scattered page per entry (5-10x faster over 1M rows).
    Retention deletes per part along the same key. `id` comes from
    LogSequence. PostgreSQL uses a table partitioned by day instead
    (server/db/log_partitions.py).
    """

    __tablename__ = "log_entry"
    __table_args__ = (
        # Serves GetRobotPartLogs: one part, time order, keyset cursor (time_ns, id).
        PrimaryKeyConstraint("part_id", "time_ns", "id", name="pk_log_entry"),
        {"sqlite_with_rowid": False},
    )
    id: int = Field(sa_type=BigInteger().with_variant(Integer, "sqlite"))
    part_id: str = Field(foreign_key="robot_part.id", ondelete="CASCADE")
    time_ns: int = Field(sa_type=BigInteger)
    level: str
    search_text: str
    entry: bytes


class LogSequence(SQLModel, table=True):
    """SQLite: the next log_entry id, taken by the writer inside its write transaction."""

    __tablename__ = "log_sequence"
    id: int = Field(default=1, primary_key=True)
    next_id: int = Field(sa_type=BigInteger)


class User(SQLModel, table=True):
    """A person: an identity for roles and invites. Authenticates with email and password."""

    __tablename__ = "user_account"
    id: str = Field(primary_key=True)
    email: str = Field(unique=True)  # stored lowercased
    password_hash: str
    created_on: datetime
    last_login: datetime | None = None


class OrganizationInvite(SQLModel, table=True):
    """A pending invite; its roles are granted when the invited user next authenticates."""

    __tablename__ = "organization_invite"
    organization_id: str = Field(foreign_key="organization.id", ondelete="CASCADE", primary_key=True)
    email: str = Field(primary_key=True)  # stored lowercased
    authorizations_json: str  # [{"role", "resource_type", "resource_id"}]
    created_on: datetime


class LocationShare(SQLModel, table=True):
    """An organization other than the location's own that the location is shared with."""

    __tablename__ = "location_share"
    location_id: str = Field(foreign_key="location.id", ondelete="CASCADE", primary_key=True)
    organization_id: str = Field(foreign_key="organization.id", ondelete="CASCADE", primary_key=True, index=True)
    created_on: datetime


class Fragment(SQLModel, table=True):
    """A reusable piece of config owned by an organization; `config_json` is its newest revision."""

    __tablename__ = "fragment"
    id: str = Field(primary_key=True)
    organization_id: str = Field(foreign_key="organization.id", ondelete="CASCADE", index=True)
    name: str
    visibility: str  # "private" | "public" | "unlisted"
    config_json: str = "{}"
    revision: int  # the newest revision number, 1 for a new fragment
    created_on: datetime
    last_updated: datetime


class FragmentRevision(SQLModel, table=True):
    """One stored version of a fragment: every create and update writes one."""

    __tablename__ = "fragment_revision"
    fragment_id: str = Field(foreign_key="fragment.id", ondelete="CASCADE", primary_key=True)
    revision: int = Field(primary_key=True)
    name: str
    visibility: str
    config_json: str
    created_on: datetime
    editor_id: str
    editor_type: str  # "api-key" | "user"
    editor_name: str


class FragmentTag(SQLModel, table=True):
    __tablename__ = "fragment_tag"
    fragment_id: str = Field(foreign_key="fragment.id", ondelete="CASCADE", primary_key=True)
    tag: str = Field(primary_key=True)
    revision: int


class FragmentImport(SQLModel, table=True):
    """A fragment's current config imports another (by id; the reference may pin a version)."""

    __tablename__ = "fragment_import"
    fragment_id: str = Field(foreign_key="fragment.id", ondelete="CASCADE", primary_key=True)
    imported_id: str = Field(primary_key=True, index=True)
    version: str | None = None


class PartFragment(SQLModel, table=True):
    """A part's config uses a fragment (its top-level "fragments"); kept in step by UpdateRobotPart."""

    __tablename__ = "part_fragment"
    part_id: str = Field(foreign_key="robot_part.id", ondelete="CASCADE", primary_key=True)
    fragment_id: str = Field(primary_key=True, index=True)
    version: str | None = None
