"""Machine logs: ingest from a part, paged queries, live tails."""

from __future__ import annotations

import re
from dataclasses import dataclass
import time

from server.db.log_pages import PageQuery, Row, page_rows
from server.domain.context import DomainContext
from server.domain.errors import InvalidArgument, Unauthenticated
from server.domain.paging import INT64_MAX, INT64_MIN, bad_token, decode_token, encode_token, leading_within, page_size, token_int
from server.logs.hub import LogHub, Subscription
from server.logs.records import ERROR_LEVELS, MAX_BATCH, PushedBatch, TailFilter, normalize_level
from server.logs.writer import LogWriter, PartGone

DEFAULT_PAGE_SIZE = 100
# What an entry may gain when stored: the receipt time when it had none, a level when empty.
STORED_GROWTH_BYTES = 32
MAX_PAGE_SIZE = 1000
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)$")
_UNIT_NS = {"ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9, "d": 86400 * 10**9}


@dataclass(frozen=True)
class LogQuery:
    part_id: str
    errors_only: bool = False
    text: str = ""
    levels: tuple[str, ...] = ()
    start_ns: int | None = None  # nanoseconds since the epoch: entries keep nanosecond times
    end_ns: int | None = None
    duration: str | None = None
    limit: int = 0
    ascending: bool = False
    page_token: str = ""


@dataclass(frozen=True)
class LogPage:
    entries: list[bytes]  # serialized viam.common.v1.LogEntry, as stored
    next_page_token: str  # "" at the end


async def ingest(writer: LogWriter, credential_id: str, batch: PushedBatch, max_entry_bytes: int) -> None:
    """Stores one batch of a part's logs; returns once it is on disk and queued for tails.

    The part and the secret its token was issued for must still exist when the batch is written.
    `max_entry_bytes`: what one page or tail message may carry; a bigger entry could be
    stored but never read back, so its batch is refused.
    """
    if batch.entry_count > MAX_BATCH:
        raise InvalidArgument("logs", f"at most {MAX_BATCH} entries per call, got {batch.entry_count}")
    entry_limit = max_entry_bytes - STORED_GROWTH_BYTES
    # A request no bigger than that can't hold a bigger entry: only big ones are measured.
    if len(batch.request) > entry_limit and (largest := batch.largest_entry()) > entry_limit:
        raise InvalidArgument("logs", f"an entry of {largest} bytes is too big to be read back: at most "
                              f"{entry_limit} bytes per entry (3/4 of FLEET_MAX_MESSAGE_BYTES, at most 3 MiB)")
    try:
        await writer.write(batch, credential_id)
    except PartGone:
        # Only the part itself may log, so its own identity is what vanished.
        raise Unauthenticated("the credentials behind this token no longer exist; authenticate again") from None


def query(ctx: DomainContext, q: LogQuery) -> LogPage:
    limit = page_size(q.limit, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    start, end = _time_window(q, time.time_ns())
    after = _decode_token(q.page_token, q.ascending) if q.page_token else None
    # Stored times are int64 nanoseconds (1677..2262); bounds beyond them would overflow
    # the query parameter, so they become what they mean for stored entries.
    if start is not None and start > INT64_MAX:
        return LogPage([], "")  # after every time an entry can have
    start = None if start is None else max(start, INT64_MIN)
    end = None if end is None or end > INT64_MAX else max(end, INT64_MIN)
    levels = _levels(q)
    rows = page_rows(ctx.session, PageQuery(q.part_id, levels, q.text, start, end, after, q.ascending, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    # The leading rows whose entries fit a response (the entry, plus framing and token slack).
    fitting = leading_within((len(row[2]) + 16 for row in rows), ctx.facts.log_page_bytes)
    more = more or fitting < len(rows)
    rows = rows[:fitting]
    token = _encode_token(rows[-1], q.ascending) if more else ""
    return LogPage([row[2] for row in rows], token)


def open_tail(hub: LogHub, part_id: str, errors_only: bool, text: str) -> Subscription:
    return hub.subscribe(part_id, TailFilter(errors_only=errors_only, text=text))





def _levels(q: LogQuery) -> list[str] | None:
    wanted = {normalize_level(level) for level in q.levels if level.strip()}
    if q.errors_only:
        wanted = (wanted & set(ERROR_LEVELS)) if wanted else set(ERROR_LEVELS)
        return sorted(wanted)  # may be empty: nothing matches
    return sorted(wanted) if wanted else None


def _time_window(q: LogQuery, now_ns: int) -> tuple[int | None, int | None]:
    start, end = q.start_ns, q.end_ns
    if start is not None and end is not None and end < start:
        raise InvalidArgument("end", "must not be before start")
    if not q.duration:
        return start, end
    if start is not None and end is not None:
        raise InvalidArgument("range", "cannot be combined with both start and end")
    match = _DURATION.match(q.duration.strip())
    if match is None:
        raise InvalidArgument("range", "must be a duration like 90s, 10m, 10h or 10d")
    span = int(match.group(1)) * _UNIT_NS[match.group(2)]
    if start is not None:
        return start, start + span
    anchor = end if end is not None else now_ns
    return anchor - span, end


def _encode_token(row: Row, ascending: bool) -> str:
    row_id, time_ns = row[0], row[1]
    return encode_token(t=time_ns, i=row_id, a=ascending)


def _decode_token(token: str, ascending: bool) -> tuple[int, int]:
    data = decode_token(token)
    time_ns, row_id, token_ascending = token_int(data, "t"), token_int(data, "i"), data.get("a")
    if not isinstance(token_ascending, bool):
        raise bad_token()
    if token_ascending != ascending:
        raise InvalidArgument("page_token", "was issued for the other order")
    return time_ns, row_id
