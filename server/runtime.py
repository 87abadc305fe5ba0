"""Long-lived objects shared by every call: settings, database, keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from server.db.engine import open_engine, unit_of_work
from server.db.migrations import migrate
from server.domain.context import ServerFacts
from server.domain.secrets import check_secret_key
from server.logs.hub import LogHub
from server.logs.replication import ReplicaListener, new_replica_id
from server.logs.writer import LogWriter
from server.security.key_files import load_or_create_key
from server.security.secret_box import SecretBox
from server.security.tokens import TokenSigner
from server.settings import Settings

TOKEN_SIGNING_KEY_FILE = "token-signing.key"
SECRET_BOX_KEY_FILE = "secret-encryption.key"


# gRPC clients accept 4 MiB by default; a page stays below that, and below our own send limit.
CLIENT_RECEIVE_DEFAULT_BYTES = 4 * 1024 * 1024


def log_page_bytes(max_message_bytes: int) -> int:
    """The entries of one page or tail message: 3/4 of the smaller limit, the rest left for
    framing, the page token and what an entry gains when stored (a receipt time, a level)."""
    return min(CLIENT_RECEIVE_DEFAULT_BYTES, max_message_bytes) * 3 // 4


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    signer: TokenSigner
    facts: ServerFacts
    # Set on PostgreSQL, where several replicas may share the database.
    replication: ReplicaListener | None = None

    @staticmethod
    def open(settings: Settings) -> "Runtime":
        """Creates the data directory, database and keys on first use; migrates an older schema."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = open_engine(settings.database_url, sqlite_mmap_bytes=settings.sqlite_mmap_bytes)
        migrate(engine)
        signer = TokenSigner(load_or_create_key(settings.data_dir / TOKEN_SIGNING_KEY_FILE), settings.token_ttl_seconds)
        box = SecretBox(load_or_create_key(settings.data_dir / SECRET_BOX_KEY_FILE))
        with unit_of_work(engine, write=False) as session:
            check_secret_key(session, box, str(settings.data_dir / SECRET_BOX_KEY_FILE))
        page_bytes = log_page_bytes(settings.max_message_bytes)
        hub = LogHub(capacity=settings.tail_queue_entries, max_batch_bytes=page_bytes)
        replica_id = new_replica_id() if engine.dialect.name == "postgresql" else None
        facts = ServerFacts(
            secret_box=box,
            dns_domain=settings.dns_domain,
            log_hub=hub,
            log_writer=LogWriter(
                settings.database_url, hub, replica_id, settings.sqlite_mmap_bytes, max_queued_bytes=settings.log_queue_bytes
            ),
            online_threshold_seconds=settings.online_threshold_seconds,
            replica_id=replica_id,
            log_page_bytes=page_bytes,
        )
        replication = ReplicaListener(engine, hub, replica_id, facts.access_writes.note) if replica_id else None
        return Runtime(settings, engine, signer, facts, replication)
