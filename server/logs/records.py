"""The log record as the domain sees it, and the rules that normalize incoming entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ERROR_LEVELS = ("error", "dpanic", "panic", "fatal")
KNOWN_LEVELS = ("debug", "info", "warn", *ERROR_LEVELS)
DEFAULT_LEVEL = "info"
MAX_BATCH = 1000


_ALIASES = {"warning": "warn"}


def normalize_level(level: str) -> str:
    """Levels are matched case-insensitively: stored trimmed and lowercased; empty means "info",
    "warning" means "warn". Other unknown levels are kept, so a `levels` filter can still select them.
    """
    clean = level.strip().lower() or DEFAULT_LEVEL
    return _ALIASES.get(clean, clean)


@dataclass(slots=True)
class LogRecord:
    """A stored entry: the columns queries use, plus the entry itself as opaque bytes."""

    part_id: str
    time_ns: int
    level: str
    message: str
    payload: bytes = b""  # the serialized wire entry; empty for entries the server makes itself
    logger_name: str = ""
    # The entry framed as a `logs` field of a response, built once and shared
    # by every tail and page that sends this record.
    framed: bytes | None = None

    @property
    def is_error(self) -> bool:
        return self.level in ERROR_LEVELS


@dataclass(frozen=True, slots=True)
class PushedBatch:
    """A machine's Log call, as the writer takes it: the request stays serialized, and the
    writer process turns it into rows (server/logs/entries.py)."""

    part_id: str
    entry_count: int
    request: bytes  # the serialized viam.app.v1.LogRequest
    received_ns: int  # the time given to entries sent without one
    # The entries as tails get them; only built when the part has a tail open.
    records: Callable[[], list[LogRecord]]
    # The serialized size of the batch's largest entry; only asked for big batches.
    largest_entry: Callable[[], int]


@dataclass(frozen=True, slots=True)
class TailFilter:
    errors_only: bool = False
    text: str = ""  # case-insensitive substring of the message

    @property
    def passes_everything(self) -> bool:
        return not self.errors_only and not self.text

    def matches(self, record: LogRecord) -> bool:
        if self.errors_only and not record.is_error:
            return False
        return not self.text or self.text.casefold() in record.message.casefold()
