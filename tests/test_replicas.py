"""Two server processes on one PostgreSQL database: live tails on one replica
receive logs ingested on the other, in order, filtered, without polling.

Runs only when the suite runs against PostgreSQL (FLEET_TEST_POSTGRES_URL, set
by scripts/test); replicas share the data dir, i.e. the signing and secret keys.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from dataclasses import dataclass
from datetime import datetime, timezone

import grpc
import psycopg
import pytest
from sqlalchemy import make_url

from conftest import Fleet, auth_metadata, new_key, open_channel, role
from harness import TEST_POSTGRES_URL, ServerProcess, bootstrap, database_url
from test_logs import Tail, as_machine, entry, messages, recent_base, subscribe

needs_postgres = pytest.mark.skipif(not TEST_POSTGRES_URL, reason="replicas need PostgreSQL (scripts/test runs the suite on it)")


@dataclass
class Replicas:
    a: Fleet
    b: Fleet
    database_url: str


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    data_dir = tmp_path_factory.mktemp("replicas") / "data"
    data_dir.mkdir(parents=True)
    boot = bootstrap(data_dir, "Replicated Org")
    processes = [ServerProcess(data_dir).start(), ServerProcess(data_dir).start()]
    channels: list[grpc.Channel] = [open_channel(p.address) for p in processes]
    try:
        a, b = (Fleet(ch, auth_metadata(ch, boot), boot) for ch in channels)
        yield Replicas(a, b, database_url(data_dir) or "")
    finally:
        for ch in channels:
            ch.close()
        for p in processes:
            p.stop()


def _part_on_both(replicas: Replicas) -> str:
    tree = replicas.a.new_tree()
    return replicas.a.main_part(tree.robot_id).id


@needs_postgres
def test_tail_on_one_replica_receives_logs_ingested_on_the_other(replicas: Replicas) -> None:
    part_id = _part_on_both(replicas)
    machine_on_a = as_machine(replicas.a, part_id)
    base = recent_base()
    with Tail(replicas.b, part_id) as tail_b, Tail(replicas.a, part_id) as tail_a:
        subscribe(machine_on_a, tail_a, tail_b)
        batches = [[entry(f"b{b}-e{i}", time_ns=base + b * 10 + i) for i in range(10)] for b in range(20)]
        for batch in batches:
            machine_on_a.log(batch)
        sent = [e.message for batch in batches for e in batch]
        assert messages(tail_b.wait_real(len(sent))) == sent, "replica B's tail gets A's entries in order"
        assert messages(tail_a.wait_real(len(sent))) == sent
        assert tail_b.real() == tail_a.real(), "every field arrives the same on both replicas"
        assert 0 not in tail_b.batch_sizes


@needs_postgres
def test_cross_replica_tail_honours_filters(replicas: Replicas) -> None:
    part_id = _part_on_both(replicas)
    machine_on_a = as_machine(replicas.a, part_id)
    with Tail(replicas.b, part_id, errors_only=True, filter="Needle") as errors_b:
        subscribe(machine_on_a, errors_b, text="needle")
        machine_on_a.log([
            entry("needle but info", level="info"),
            entry("error without it", level="error"),
            entry("an error with a NEEDLE", level="error"),
        ])
        assert messages(errors_b.wait_real(1)) == ["an error with a NEEDLE"]


@needs_postgres
def test_both_directions_and_other_parts_stay_separate(replicas: Replicas) -> None:
    first, second = _part_on_both(replicas), _part_on_both(replicas)
    on_b = as_machine(replicas.b, first)
    other_on_a = as_machine(replicas.a, second)
    with Tail(replicas.a, first) as tail_a:
        subscribe(on_b, tail_a)
        other_on_a.log([entry("someone else's")])
        on_b.log([entry("from b")])
        assert messages(tail_a.wait_real(1)) == ["from b"]


@needs_postgres
def test_deleting_the_machine_on_one_replica_ends_tails_on_the_other(replicas: Replicas) -> None:
    part_id = _part_on_both(replicas)
    machine_on_a = as_machine(replicas.a, part_id)
    with Tail(replicas.b, part_id) as tail_b:
        subscribe(machine_on_a, tail_b)
        replicas.a.call("DeleteRobot", id=replicas.a.get_part(part_id).robot)
        tail_b.wait_finished()
        assert tail_b.error is None, f"the tail ends cleanly, not with {tail_b.error!r}"


@needs_postgres
def test_a_replica_that_lost_its_link_warns_its_tails_when_it_is_back(replicas: Replicas) -> None:
    """Batches stored on A while B's listening connection is down never reach B's tails; once B
    listens again, each of its tails gets a warning naming the window (whatever its filter)."""
    part_id = _part_on_both(replicas)
    machine_on_a = as_machine(replicas.a, part_id)
    with Tail(replicas.b, part_id, errors_only=True) as tail_b:
        subscribe(machine_on_a, tail_b)
        dsn = make_url(replicas.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as admin:  # both replicas' listeners drop
            cut = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query = 'LISTEN fleet_logs'"
            ).fetchone()
        assert cut is not None and cut[0] == 2
        warnings = tail_b.wait_real(1)
        assert len(warnings) == 1, messages(warnings)
        warning = warnings[0]
        assert (warning.level, warning.logger_name) == ("warn", "fleet-server.tail")
        assert "stored through other server replicas from " in warning.message, warning.message
        assert warning.message.endswith("may be missing from this tail: this replica lost its link to them (GetRobotPartLogs returns them)")
        deadline = time.monotonic() + 10
        while not tail_b.wait(lambda entries: "after the gap" in messages(entries), timeout=0.25):
            assert time.monotonic() < deadline, "replica B's tail never heard from A again"
            machine_on_a.log([entry("after the gap", level="error")])


@needs_postgres
def test_a_key_deleted_on_one_replica_ends_its_open_tail_on_the_other(replicas: Replicas) -> None:
    """Other replicas hear of access-changing writes, so a tail on B ends before its next
    message, not only once its once-a-minute re-check comes round."""
    tree = replicas.a.new_tree()
    part_id = replicas.a.main_part(tree.robot_id).id
    machine_on_a = as_machine(replicas.a, part_id)
    key = new_key(replicas.a, [role(tree.org.id, "operator", "robot", tree.robot_id)])
    key_on_b = Fleet(replicas.b.channel, key.fleet.md, replicas.b.boot)
    with Tail(key_on_b, part_id) as tail_b:
        subscribe(machine_on_a, tail_b)
        replicas.a.call("DeleteKey", id=key.id)
        deadline = time.monotonic() + 10
        while not tail_b.finished.is_set():
            assert time.monotonic() < deadline, "the deleted key's tail on the other replica is still open"
            machine_on_a.log([entry("after the deletion", level="error")])
            time.sleep(0.1)
        assert tail_b.error is not None and tail_b.error.code() == grpc.StatusCode.UNAUTHENTICATED, tail_b.error
        assert "after the deletion" not in messages(tail_b.entries)


class SilentableProxy:
    """A TCP proxy in front of PostgreSQL that can fall silent like a network partition: every
    connection stays open, but nothing gets through and nobody is told. `restore()` then
    closes what was open (as a partition's end would reveal) and lets new connections through."""

    def __init__(self, host: str, port: int):
        self._target = (host, port)
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._silent = threading.Event()
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self._silent.is_set():
                    sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            end.close()

    def fall_silent(self) -> None:
        self._silent.set()

    def restore(self) -> None:
        with self._lock:
            cut, self._open = self._open, []
        for end in cut:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
        self._silent.clear()

    def close(self) -> None:
        self._server.close()
        self.restore()


@needs_postgres
def test_a_replica_notices_a_silent_link_and_warns_from_its_last_sign_of_life(tmp_path: Path) -> None:
    """A partition sends no reset: B's listener must notice it on its own (a link check), and the
    warning's window must start no later than the partition, not when the loss was noticed."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    boot = bootstrap(data_dir, "Partitioned Org")
    url = make_url(database_url(data_dir) or "")
    proxy = SilentableProxy(url.host or "127.0.0.1", url.port or 5432)
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    server_a = ServerProcess(data_dir).start()
    server_b = ServerProcess(data_dir, extra_env={"FLEET_DATABASE_URL": through_proxy}).start()
    channels = [open_channel(server_a.address), open_channel(server_b.address)]
    try:
        a, b = (Fleet(ch, auth_metadata(ch, boot), boot) for ch in channels)
        part_id = a.main_part(a.new_tree().robot_id).id
        machine_on_a = as_machine(a, part_id)
        with Tail(b, part_id) as tail_b:
            subscribe(machine_on_a, tail_b)
            silent_from = datetime.now(timezone.utc)
            proxy.fall_silent()
            machine_on_a.log([entry("lost in the partition")])
            deadline = time.monotonic() + 30
            while "log replication listener lost its link" not in server_b.log():
                assert time.monotonic() < deadline, "replica B never noticed that its link went silent"
                time.sleep(0.25)
            proxy.restore()
            assert tail_b.wait(lambda entries: any(e.logger_name == "fleet-server.tail" for e in entries), timeout=30)
            warning = next(e for e in tail_b.entries if e.logger_name == "fleet-server.tail")
            window = re.search(r"from (\S+) to (\S+) may be missing", warning.message)
            assert window is not None, warning.message
            start = datetime.fromisoformat(window.group(1).replace("Z", "+00:00"))
            assert start <= silent_from, f"the window starts at {start}, after the partition began at {silent_from}"
            assert "lost in the partition" not in messages(tail_b.entries)
            deadline = time.monotonic() + 20
            while not tail_b.wait(lambda entries: "after the partition" in messages(entries), timeout=0.25):
                assert time.monotonic() < deadline, "replica B's tail never heard from A again"
                machine_on_a.log([entry("after the partition")])
    finally:
        for ch in channels:
            ch.close()
        for process in (server_a, server_b):
            process.stop()
        proxy.close()


def test_notifications_carry_exact_ids_within_postgres_payload_limit() -> None:
    """Pure encoding check (no PostgreSQL needed): scattered ids split into several
    notifications, each under the 8000-byte limit, that decode to exactly those ids."""
    from server.logs.replication import decode_notification, encode_notifications

    ids = list(range(10**12, 10**12 + 1000)) + list(range(5 * 10**12, 5 * 10**12 + 3000, 2))
    payloads = encode_notifications("replica1", "part-x", ids, (-5, 2**63 - 1))
    assert len(payloads) > 1 and all(len(p.encode()) < 8000 for p in payloads)
    decoded = []
    for payload in payloads:
        notice = decode_notification(payload)
        assert (notice.replica_id, notice.part_id, notice.time_range) == ("replica1", "part-x", (-5, 2**63 - 1))
        assert notice.id_ranges is not None
        decoded += [i for first, last in notice.id_ranges for i in range(first, last + 1)]
    assert decoded == ids
