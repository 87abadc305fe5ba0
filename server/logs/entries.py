"""Pushed log entries as stored: one set of rules for the rows the writer process
inserts and for the records the server hands to live tails.

Each entry is normalized: a missing time becomes the time the server received
the batch, and levels are trimmed and lowercased (records.normalize_level),
written back into the entry so readers see what was stored. Both sides get the
same receipt time from the server, so a tail shows exactly what a query later
returns.

Everything here runs for every ingested entry, so it sticks to cheap attribute
access; the writer process cuts each entry's bytes out of the serialized
request instead of serializing entries one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generated.viam.app.v1 import robot_pb2
from generated.viam.common.v1 import common_pb2
from server.domain.errors import InvalidArgument
from server.domain.paging import INT64_MAX, INT64_MIN
from server.logs.records import KNOWN_LEVELS, LogRecord, normalize_level

_LOGS_FIELD = 2  # LogRequest.logs


def normalized(entries: Iterable[common_pb2.LogEntry], received_ns: int) -> list[tuple[common_pb2.LogEntry, int, bool]]:
    """(entry, time_ns, changed) for each entry, after normalizing it in place;
    `changed`: the entry now differs from what was sent."""
    out = []
    for index, entry in enumerate(entries):
        changed = False
        if entry.HasField("time"):
            stamp = entry.time
            time_ns = stamp.seconds * 1_000_000_000 + stamp.nanos
            if not (0 <= stamp.nanos < 1_000_000_000 and INT64_MIN <= time_ns <= INT64_MAX):
                raise InvalidArgument("logs", f"entry {index}: time must be a valid timestamp between 1677 and 2262")
        else:
            entry.time.FromNanoseconds(received_ns)
            time_ns, changed = received_ns, True
        if entry.level not in KNOWN_LEVELS:
            entry.level = normalize_level(entry.level)
            changed = True
        out.append((entry, time_ns, changed))
    return out


def log_records(part_id: str, entries: Iterable[common_pb2.LogEntry], received_ns: int) -> list[LogRecord]:
    """The entries as live tails get them."""
    return [
        LogRecord(part_id, time_ns, entry.level, entry.message, entry.SerializeToString(), entry.logger_name)
        for entry, time_ns, _ in normalized(entries, received_ns)
    ]


def log_rows(part_id: str, request_bytes: bytes, received_ns: int) -> list[Any]:
    """The log_entry column values of a serialized LogRequest's entries, five a row
    (part_id, time_ns, level, search_text, entry), flattened for a multi-row INSERT."""
    request = robot_pb2.LogRequest.FromString(request_bytes)
    entries = normalized(request.logs, received_ns)
    sent = _entry_bytes(request_bytes)
    if len(sent) != len(entries):  # fields this walk doesn't expect: serialize each entry instead
        sent = [entry.SerializeToString() for entry, _, _ in entries]
    values: list[Any] = []
    for (entry, time_ns, changed), raw in zip(entries, sent):
        payload = entry.SerializeToString() if changed else raw
        values += (part_id, time_ns, _text_column(entry.level), search_text(entry.message), payload)
    return values


def search_text(message: str) -> str:
    """What `filter` matches against: the message case-folded (see models.LogEntry)."""
    return _text_column(message.casefold())


def _text_column(text: str) -> str:
    """PostgreSQL text can't hold U+0000. The columns are only searchable copies;
    the entry itself (the payload) keeps every character."""
    return text.replace("\x00", "\ufffd")


def _entry_bytes(data: bytes) -> list[bytes]:
    """The bytes of each `logs` field of a serialized LogRequest, in order; [] if the
    walk meets a wire type it doesn't step over (groups), or runs off the end."""
    out = []
    position, end = 0, len(data)
    try:
        while position < end:
            key, position = _varint(data, position)
            wire_type = key & 7
            if wire_type == 2:
                length, position = _varint(data, position)
                if key >> 3 == _LOGS_FIELD:
                    out.append(data[position : position + length])
                position += length
            elif wire_type == 0:
                _, position = _varint(data, position)
            elif wire_type in (1, 5):
                position += 8 if wire_type == 1 else 4
            else:
                return []
    except IndexError:
        return []
    return out if position == end else []


def _varint(data: bytes, position: int) -> tuple[int, int]:
    byte = data[position]
    if byte < 0x80:
        return byte, position + 1
    value, shift = 0, 0
    while True:
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position += 1
        if byte < 0x80:
            return value, position
        shift += 7
