"""Live tails across server replicas that share one PostgreSQL database.

The writer's transaction announces each batch it stores with
`pg_notify(CHANNEL, "<replica> <part> <oldest ns> <newest ns> <id ranges>")`; PostgreSQL delivers
notifications when the transaction commits, in commit order. Every replica
listens on one connection of its own. A replica that did not write the batch
and has a live tail on that part reads exactly those rows by id and offers
them to its own hub, so nothing polls the database.

If the listening connection drops, it reconnects after a short pause; batches
committed meanwhile reach the tails of the writing replica only, so once it
listens again every open tail here gets a warning entry naming that window.
A link can also die silently (a network partition sends no reset), so a
listener that has heard nothing for LINK_CHECK_SECONDS notifies itself through
its other connection; if that doesn't come back within LINK_TIMEOUT_SECONDS,
the link counts as lost. The window starts at the last sign of life, not at
the moment the loss was noticed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import datetime, timezone
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg
from sqlalchemy import URL, Engine, make_url, text
from sqlalchemy.orm import Session

from server.logs.hub import LogHub
from server.logs.records import LogRecord

log = logging.getLogger(__name__)
CHANNEL = "fleet_logs"
# PostgreSQL's payload limit is 8000 bytes; longer id lists go in several notifications.
MAX_PAYLOAD_CHARS = 7900
RECONNECT_DELAY_SECONDS = 1.0
LINK_CHECK_SECONDS = 5.0
LINK_TIMEOUT_SECONDS = 5.0
# A notification's last field: a replica checking its own listening link (see ReplicaListener).
LINK_CHECK = "link-check"
# A notification's last field: a write that may have changed access committed (see announce_access_write).
ACCESS_WRITE = "access-write"


class LinkLost(Exception):
    """The listening connection stopped answering without being closed."""


def new_replica_id() -> str:
    return uuid.uuid4().hex[:12]


def id_ranges(ids: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted ids as inclusive runs: ids of one multi-row insert are usually one run."""
    runs: list[tuple[int, int]] = []
    for value in sorted(ids):
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def encode_notifications(replica_id: str, part_id: str, ids: Sequence[int], time_range: tuple[int, int]) -> list[str]:
    """`time_range`: the batch's oldest and newest entry time, so readers search only those
    partitions and index ranges."""
    prefix = f"{replica_id} {part_id} {time_range[0]} {time_range[1]} "
    payloads: list[str] = []
    current: list[str] = []
    for first, last in id_ranges(ids):
        run = str(first) if first == last else f"{first}-{last}"
        if current and len(prefix) + sum(len(r) + 1 for r in current) + len(run) > MAX_PAYLOAD_CHARS:
            payloads.append(prefix + ",".join(current))
            current = []
        current.append(run)
    if current:
        payloads.append(prefix + ",".join(current))
    return payloads


# In place of id ranges: the part was deleted, its tails end.
PART_GONE = "gone"


def announce_tail_ends(session: Session, replica_id: str, part_ids: list[str]) -> None:
    """Inside the deleting transaction, so other replicas hear of it only if it commits."""
    for part_id in part_ids:
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": f"{replica_id} {part_id} {PART_GONE}"})


def announce_access_write(session: Session, replica_id: str) -> None:
    """Inside a write transaction that may change who may do what (a key deleted, a role
    removed): other replicas hear of it if it commits, and their open streams re-check their callers."""
    session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": f"{replica_id} {ACCESS_WRITE}"})


@dataclass(frozen=True)
class Notice:
    replica_id: str
    part_id: str
    time_range: tuple[int, int] = (0, 0)
    id_ranges: list[tuple[int, int]] | None = None  # None: the part was deleted


def decode_notification(payload: str) -> Notice:
    fields = payload.split(" ")
    if len(fields) == 3 and fields[2] == PART_GONE:
        return Notice(fields[0], fields[1])
    replica_id, part_id, oldest, newest, runs = fields
    ranges = []
    for run in runs.split(","):
        first, sep, last = run.partition("-")
        ranges.append((int(first), int(last if sep else first)))
    return Notice(replica_id, part_id, (int(oldest), int(newest)), ranges)


def gap_warning(lost_at: datetime, back_at: datetime) -> str:
    def moment(at: datetime) -> str:
        return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    return (f"entries stored through other server replicas from {moment(lost_at)} to {moment(back_at)} may be missing "
            "from this tail: this replica lost its link to them (GetRobotPartLogs returns them)")


def driver_dsn(url: str | URL) -> str:
    """A SQLAlchemy postgresql+psycopg URL as the plain DSN psycopg itself takes."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ReplicaListener:
    """Receives other replicas' log batches and offers them to this replica's tails."""

    def __init__(self, engine: Engine, hub: LogHub, replica_id: str, on_access_write: Callable[[], None]):
        """`on_access_write`: called when another replica announces a write that may have changed access."""
        self._dsn = driver_dsn(engine.url)
        self._hub = hub
        self._on_access_write = on_access_write
        self.replica_id = replica_id
        self.listening = asyncio.Event()  # set while LISTEN is active (tests and startup wait on it)
        self._alive_at = datetime.now(timezone.utc)  # the listening link's last sign of life
        self._lost_at: datetime | None = None  # when a working link went down, until it is back

    async def run(self) -> None:
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("log replication listener lost its link; reconnecting")
            if self.listening.is_set():
                self._lost_at = self._alive_at
            self.listening.clear()
            await asyncio.sleep(RECONNECT_DELAY_SECONDS)

    async def _connect(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(
            self._dsn, autocommit=True, connect_timeout=max(2, round(LINK_TIMEOUT_SECONDS)),
            application_name="fleet-server log replication",
        )

    async def _listen(self) -> None:
        # Closed by hand: `async with` would first roll back, which waits forever on a dead link.
        connections: list[psycopg.AsyncConnection] = []
        try:
            listener = await self._connect()
            connections.append(listener)
            reader = await self._connect()
            connections.append(reader)
            await listener.execute(f"LISTEN {CHANNEL}")
            self._alive_at = datetime.now(timezone.utc)
            self.listening.set()
            log.info("log replication: listening on %s as replica %s", CHANNEL, self.replica_id)
            if self._lost_at is not None:
                self._hub.warn_all(gap_warning(self._lost_at, datetime.now(timezone.utc)))
                self._lost_at = None
            await self._receive(listener, reader)
        finally:
            for connection in connections:
                await connection.close()

    async def _receive(self, listener: psycopg.AsyncConnection, reader: psycopg.AsyncConnection) -> None:
        """Delivers notifications until the link fails; checks a quiet link (see the module docstring)."""
        heard_at, check_sent_at = time.monotonic(), None
        while True:
            async for notification in listener.notifies(timeout=1.0):
                heard_at, check_sent_at = time.monotonic(), None
                self._alive_at = datetime.now(timezone.utc)
                await asyncio.wait_for(self._deliver(reader, notification.payload), LINK_TIMEOUT_SECONDS)
            now = time.monotonic()
            if check_sent_at is not None and now - check_sent_at > LINK_TIMEOUT_SECONDS:
                raise LinkLost(f"nothing heard for {now - heard_at:.0f} s, not even this replica's own link check")
            if check_sent_at is None and now - heard_at >= LINK_CHECK_SECONDS:
                check_sent_at = now
                check = reader.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{self.replica_id} {LINK_CHECK}"))
                await asyncio.wait_for(check, LINK_TIMEOUT_SECONDS)

    async def _deliver(self, reader: psycopg.AsyncConnection, payload: str) -> None:
        if payload.endswith(" " + LINK_CHECK):
            return  # only a sign of life
        if payload.endswith(" " + ACCESS_WRITE):
            if not payload.startswith(self.replica_id + " "):
                self._on_access_write()
            return
        try:
            notice = decode_notification(payload)
        except ValueError:
            log.warning("ignoring malformed log notification %r", payload[:200])
            return
        part_id = notice.part_id
        if notice.replica_id == self.replica_id or not self._hub.has_subscribers(part_id):
            return
        if notice.id_ranges is None:
            self._hub.close_parts([part_id])
            return
        where = " OR ".join(["id BETWEEN %s AND %s"] * len(notice.id_ranges))
        parameters: list[object] = [part_id, *notice.time_range, *(bound for run in notice.id_ranges for bound in run)]
        cursor = await reader.execute(
            # search_text stands in for the message: tails only use it to match filters, case-folded.
            "SELECT time_ns, level, search_text, entry FROM log_entry"
            f" WHERE part_id = %s AND time_ns BETWEEN %s AND %s AND ({where}) ORDER BY id",
            parameters,
        )
        rows = await cursor.fetchall()
        if rows:
            self._hub.publish(part_id, [LogRecord(part_id, t, level, message, entry) for t, level, message, entry in rows])
