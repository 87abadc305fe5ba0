"""Plain-text rendering for the CLI: aligned tables, timestamps, machine status, log lines, a progress counter."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from datetime import timezone
from typing import TextIO

from google.protobuf import timestamp_pb2
from google.protobuf.json_format import MessageToDict

from generated.viam.app.v1 import app_pb2 as pb
from generated.viam.common.v1.common_pb2 import LogEntry

_RESET = "\033[0m"
_LEVEL_COLORS = {
    "debug": "\033[2m",  # dim
    "info": "\033[32m",  # green
    "warn": "\033[33m",  # yellow
    "warning": "\033[33m",
    "error": "\033[31m",  # red
    "dpanic": "\033[1;31m",  # bold red
    "panic": "\033[1;31m",
    "fatal": "\033[1;35m",  # bold magenta
}


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned with two spaces between them; no trailing spaces."""
    cells = [list(headers), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def when(stamp: timestamp_pb2.Timestamp, millis: bool = False) -> str:
    """UTC ISO 8601 (`2024-05-01T12:00:00Z`), or `-` when unset."""
    if stamp.seconds == 0 and stamp.nanos == 0:
        return "-"
    moment = stamp.ToDatetime(tzinfo=timezone.utc)
    return moment.isoformat(timespec="milliseconds" if millis else "seconds").replace("+00:00", "Z")


def size(count: int) -> str:
    """A byte count: `512 B`, `1.5 KiB`, `2.0 MiB`."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


def ago(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def status(state: int, seconds_since_online: int) -> str:
    if state == pb.ONLINE_STATE_ONLINE:
        return "online"
    if state == pb.ONLINE_STATE_OFFLINE:
        return f"offline (last online {ago(seconds_since_online)} ago)" if seconds_since_online > 0 else "offline"
    if state == pb.ONLINE_STATE_AWAITING_SETUP:
        return "awaiting setup"
    return "unknown"


def log_line(entry: LogEntry, color: bool = False) -> str:
    """`TIME LEVEL [logger] message {fields...}` on one line."""
    level = entry.level.lower() or "-"
    shown = level.upper().ljust(5)
    if color and level in _LEVEL_COLORS:
        shown = f"{_LEVEL_COLORS[level]}{shown}{_RESET}"
    parts = [when(entry.time, millis=True), shown]
    if entry.logger_name:
        parts.append(entry.logger_name)
    parts.append(_one_line(entry.message))
    parts.extend(json.dumps(MessageToDict(f), separators=(",", ":"), ensure_ascii=False) for f in entry.fields)
    return "  ".join(parts)


def _one_line(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\\n")


class Progress:
    """A one-line counter ("fetched 1,234 entries…") rewritten in place on `stream` (default stderr) while
    a long list is fetched, and erased by `close()`. Does nothing unless the stream is a terminal, so
    piped or captured output never holds it. Redraws at most every `interval` seconds."""

    def __init__(self, noun: str = "entries", stream: TextIO | None = None, interval: float = 0.1):
        self.stream = stream if stream is not None else sys.stderr
        self.noun = noun
        self.interval = interval
        self.count = 0
        self.enabled = _is_tty(self.stream)
        self._shown = False
        self._drawn_at = 0.0

    def update(self, count: int) -> None:
        self.count = count
        if not self.enabled:
            return
        now = time.monotonic()
        if self._shown and now - self._drawn_at < self.interval:
            return
        self._drawn_at = now
        self._shown = True
        self.stream.write(f"\r\033[K{progress_text(count, self.noun)}")
        self.stream.flush()

    def close(self) -> None:
        """Erases the line (if one was drawn)."""
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_text(count: int, noun: str = "entries") -> str:
    """`fetched 1,234 entries…`"""
    return f"fetched {count:,} {noun}\u2026"


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
