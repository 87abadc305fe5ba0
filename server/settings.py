"""Server settings: command-line flags win over environment variables, which win over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LISTEN = "127.0.0.1:8080"
DEFAULT_DATA_DIR = "./data"
# The Python SDK never refreshes its access token, so a token must outlive a
# long-running script. The identity behind a token is re-checked on every
# call, so revoking a key still takes effect at once.
DEFAULT_TOKEN_TTL_SECONDS = 30 * 24 * 3600
DEFAULT_DNS_DOMAIN = "fleet.local"
DEFAULT_SHUTDOWN_GRACE_SECONDS = 10.0
# How long health reports NOT_SERVING before the server stops taking calls, so
# load balancers that poll Health/Check route away first. Watchers are told at once.
DEFAULT_SHUTDOWN_NOTICE_SECONDS = 0.0
DEFAULT_LOG_RETENTION_DAYS = 30
# How often expired logs are deleted (and, on PostgreSQL, day partitions made ahead).
DEFAULT_LOG_RETENTION_INTERVAL_SECONDS = 600.0
DEFAULT_TAIL_QUEUE_ENTRIES = 1000
# A machine that checked in (RobotService.Config / NeedsRestart) within this
# many seconds is online. Keep it well above the 10 s heartbeat write interval.
DEFAULT_ONLINE_THRESHOLD_SECONDS = 60
# Largest request or response. A full Log batch (1000 entries with stacks and
# fields) runs to a few MiB, above grpc's own 4 MiB receive default.
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# Unary calls whose client set no deadline get this one (streams are exempt).
DEFAULT_DEADLINE_SECONDS = 60.0
# Open server streams (log tails) per API key, user or machine.
DEFAULT_MAX_STREAMS_PER_IDENTITY = 1000
# SQLite reads the database through a memory map of up to this many bytes: a page
# already in the OS cache costs no read() call. SQLite caps it at its build's
# maximum (2 GiB in Python's usual builds). With 10M log entries (a 2 GB file), a
# filtered page took 2.4 ms with the whole file mapped and 3.5 ms with 1 GiB.
DEFAULT_SQLITE_MMAP_BYTES = 1 << 36
# Log batches waiting for the log writer process, in request bytes; past it (a stalled
# database) Log answers UNAVAILABLE at once instead of queueing more in memory.
DEFAULT_LOG_QUEUE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    listen: str
    data_dir: Path
    database_url: str
    token_ttl_seconds: int
    dns_domain: str
    shutdown_grace_seconds: float
    log_retention_seconds: float  # 0 keeps logs forever
    tail_queue_entries: int
    online_threshold_seconds: int = DEFAULT_ONLINE_THRESHOLD_SECONDS
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    default_deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    max_streams_per_identity: int = DEFAULT_MAX_STREAMS_PER_IDENTITY
    shutdown_notice_seconds: float = DEFAULT_SHUTDOWN_NOTICE_SECONDS
    log_retention_interval_seconds: float = DEFAULT_LOG_RETENTION_INTERVAL_SECONDS
    sqlite_mmap_bytes: int = DEFAULT_SQLITE_MMAP_BYTES
    log_queue_bytes: int = DEFAULT_LOG_QUEUE_BYTES

    @staticmethod
    def load(
        *,
        listen: str | None = None,
        data_dir: str | None = None,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> "Settings":
        env = dict(os.environ if env is None else env)
        resolved_dir = Path(data_dir or env.get("FLEET_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
        url = database_url or env.get("FLEET_DATABASE_URL") or f"sqlite:///{resolved_dir / 'fleet.db'}"
        return Settings(
            listen=listen or env.get("FLEET_LISTEN") or DEFAULT_LISTEN,
            data_dir=resolved_dir,
            database_url=url,
            token_ttl_seconds=_positive_int(env, "FLEET_TOKEN_TTL_SECONDS", DEFAULT_TOKEN_TTL_SECONDS),
            dns_domain=env.get("FLEET_DNS_DOMAIN") or DEFAULT_DNS_DOMAIN,
            shutdown_grace_seconds=float(env.get("FLEET_SHUTDOWN_GRACE_SECONDS") or DEFAULT_SHUTDOWN_GRACE_SECONDS),
            log_retention_seconds=_non_negative_float(env, "FLEET_LOG_RETENTION_DAYS", DEFAULT_LOG_RETENTION_DAYS) * 86400,
            tail_queue_entries=int(_positive_int(env, "FLEET_TAIL_QUEUE_ENTRIES", DEFAULT_TAIL_QUEUE_ENTRIES)),
            online_threshold_seconds=_positive_int(env, "FLEET_ONLINE_THRESHOLD_SECONDS", DEFAULT_ONLINE_THRESHOLD_SECONDS),
            max_message_bytes=_positive_int(env, "FLEET_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES),
            default_deadline_seconds=_positive_float(env, "FLEET_DEFAULT_DEADLINE_SECONDS", DEFAULT_DEADLINE_SECONDS),
            max_streams_per_identity=_positive_int(env, "FLEET_MAX_STREAMS_PER_IDENTITY", DEFAULT_MAX_STREAMS_PER_IDENTITY),
            shutdown_notice_seconds=_non_negative_float(env, "FLEET_SHUTDOWN_NOTICE_SECONDS", DEFAULT_SHUTDOWN_NOTICE_SECONDS),
            log_retention_interval_seconds=_positive_float(
                env, "FLEET_LOG_RETENTION_INTERVAL_SECONDS", DEFAULT_LOG_RETENTION_INTERVAL_SECONDS
            ),
            sqlite_mmap_bytes=int(_non_negative_float(env, "FLEET_SQLITE_MMAP_BYTES", DEFAULT_SQLITE_MMAP_BYTES)),
            log_queue_bytes=_positive_int(env, "FLEET_LOG_QUEUE_BYTES", DEFAULT_LOG_QUEUE_BYTES),
        )


def _non_negative_float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise SystemExit(f"{name} must not be negative, got {value}")
    return value


def _positive_float(env: dict[str, str], name: str, default: float) -> float:
    value = _non_negative_float(env, name, default)
    if value == 0:
        raise SystemExit(f"{name} must be positive, got {value}")
    return value


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise SystemExit(f"{name} must be positive, got {value}")
    return value
