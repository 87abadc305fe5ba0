"""Log entries from plain Python values, and the page type of GetRobotPartLogs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from generated.viam.common.v1.common_pb2 import LogEntry

LEVELS = ("debug", "info", "warn", "error", "dpanic", "panic", "fatal")
ERROR_LEVELS = frozenset({"error", "dpanic", "panic", "fatal"})
MAX_LOG_BATCH = 1000  # entries per RobotService.Log call


@dataclass(frozen=True)
class LogPage:
    """One page of GetRobotPartLogs; `next_page_token` is empty on the last page."""

    entries: list[LogEntry]
    next_page_token: str


def log_entry(
    message: str,
    level: str = "info",
    *,
    time: datetime | None = None,
    logger_name: str = "",
    host: str = "",
    fields: Sequence[Mapping[str, Any]] = (),
    caller: Mapping[str, Any] | None = None,
    stack: str = "",
) -> LogEntry:
    """A LogEntry; without `time` the server stamps it with the receipt time."""
    entry = LogEntry(message=message, level=level, logger_name=logger_name, host=host, stack=stack)
    if time is not None:
        entry.time.CopyFrom(to_timestamp(time))
    if caller is not None:
        entry.caller.update(dict(caller))
    for item in fields:
        entry.fields.add().update(dict(item))
    return entry


def to_timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    """A Timestamp; a naive datetime is taken as local time."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value.astimezone(timezone.utc) if value.tzinfo is None else value)
    return stamp


def entry_time(entry: LogEntry) -> datetime:
    """The entry's time as an aware UTC datetime."""
    return entry.time.ToDatetime(tzinfo=timezone.utc)


def struct_to_dict(value: struct_pb2.Struct) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(value)
