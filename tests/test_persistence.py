"""Restarts and the bootstrap command, each on a data dir of its own."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time

import grpc
import pytest

from conftest import (
    LOCATION_METADATA,
    ORG_METADATA,
    PART_METADATA,
    ROBOT_METADATA,
    SAMPLE_METADATA,
    Fleet,
    authenticate,
    bearer,
    open_channel,
    rpc_error,
    unique_namespace,
)
from generated.viam.app.v1 import app_pb2
from harness import ROOT, TEST_POSTGRES_URL, BootstrapResult, ServerProcess, bootstrap, server_env


def _run_bootstrap(data_dir, org_name: str = "Persisted Org", *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "bootstrap", "--data-dir", str(data_dir), "--org-name", org_name, *extra],
        cwd=ROOT,
        env=server_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _snapshot(fleet: Fleet, ids: dict[str, str]) -> dict[str, object]:
    """Everything the test created, as returned by the server."""
    return {
        "orgs": sorted((o.SerializeToString(deterministic=True) for o in fleet.call("ListOrganizations").organizations)),
        "org": fleet.get_org(ids["org"]),
        "boot_org": fleet.get_org(ids["boot_org"]),
        "locations": fleet.locations(ids["org"]),
        "robot": fleet.get_robot(ids["robot"]),
        "robots_for_org": sorted(r.id for r in fleet.call("ListRobotsForOrg", org_id=ids["org"]).robots),
        "parts": fleet.parts(ids["robot"]),
        "part": fleet.call("GetRobotPart", id=ids["part"]),
        "by_name": fleet.call("GetRobotPartByNameAndLocation", name="second", location_id=ids["child"]).part,
        "org_md": ORG_METADATA.get(fleet, ids["org"]),
        "loc_md": LOCATION_METADATA.get(fleet, ids["child"]),
        "robot_md": ROBOT_METADATA.get(fleet, ids["robot"]),
        "part_md": PART_METADATA.get(fleet, ids["part"]),
        "ns_available": fleet.call("GetOrganizationNamespaceAvailability", public_namespace=ids["ns"]).available,
    }


def test_bootstrap_json_output(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    out = _run_bootstrap(data_dir, "JSON Org", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"organization_id", "organization_name", "api_key_id", "api_key"}
    assert data["organization_name"] == "JSON Org"
    assert all(isinstance(v, str) and v for v in data.values())
    assert data["api_key"] != data["api_key_id"]


def test_bootstrap_twice_fails_and_creates_nothing(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    first = bootstrap(data_dir, "Only Org")
    second = _run_bootstrap(data_dir, "Second Org", "--json")
    assert second.returncode == 1
    assert second.stderr.strip(), "the error must be reported on stderr"
    third = _run_bootstrap(data_dir, "Third Org")
    assert third.returncode == 1
    with ServerProcess(data_dir) as server:
        channel = open_channel(server.address)
        try:
            md = bearer(authenticate(channel, first.api_key_id, first.api_key))
            app_stub = Fleet(channel, md, first)
            orgs = app_stub.call("ListOrganizations").organizations
            assert [(o.id, o.name) for o in orgs] == [(first.organization_id, "Only Org")]
        finally:
            channel.close()


def test_bootstrap_while_server_runs(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with ServerProcess(data_dir) as server:
        channel = open_channel(server.address)
        try:
            boot = bootstrap(data_dir, "Live Org")
            fleet = Fleet(channel, bearer(authenticate(channel, boot.api_key_id, boot.api_key)), boot)
            assert fleet.get_org(boot.organization_id).name == "Live Org"
            again = _run_bootstrap(data_dir, "Again")
            assert again.returncode == 1
            assert fleet.org_ids() == {boot.organization_id}
        finally:
            channel.close()
    if not TEST_POSTGRES_URL:
        assert (data_dir / "fleet.db").exists(), "default database is DIR/fleet.db"


def test_state_survives_restart(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    boot: BootstrapResult = bootstrap(data_dir, "Persisted Org")

    server = ServerProcess(data_dir).start()
    try:
        channel = open_channel(server.address)
        token = authenticate(channel, boot.api_key_id, boot.api_key)
        fleet = Fleet(channel, bearer(token), boot)

        org = fleet.new_org("Persisted Child Org")
        ns = unique_namespace()
        fleet.call(
            "UpdateOrganization",
            organization_id=org.id,
            public_namespace=ns,
            region="eu-west-1",
            cid="cid-1",
            allowed_login_methods=app_pb2.AllowedLoginMethods(methods=[app_pb2.LOGIN_METHOD_GOOGLE]),
        )
        parent = fleet.new_location(org.id, "parent")
        child = fleet.new_location(org.id, "child", parent=parent.id)
        fleet.call("UpdateLocation", location_id=child.id, region="eu-west-2")
        robot = fleet.new_robot(child.id, "persisted-robot")
        part = fleet.new_part(robot, "second")
        fleet.call("MarkPartAsMain", part_id=part)
        ORG_METADATA.update(fleet, org.id, SAMPLE_METADATA)
        LOCATION_METADATA.update(fleet, child.id, {"loc": "md"})
        ROBOT_METADATA.update(fleet, robot, {"robot": [1, 2, 3]})
        PART_METADATA.update(fleet, part, {"part": {"x": True}})
        doomed = fleet.new_location(org.id, "doomed")
        fleet.call("DeleteLocation", location_id=doomed.id)

        ids = {"org": org.id, "boot_org": boot.organization_id, "child": child.id, "robot": robot, "part": part, "ns": ns}
        before = _snapshot(fleet, ids)
        assert before["ns_available"] is False
        channel.close()
    finally:
        exit_code = server.stop()
    assert exit_code == 0, f"SIGTERM must give a clean exit 0, got {exit_code}:\n{server.log()}"

    restarted = ServerProcess(data_dir).start()
    try:
        channel = open_channel(restarted.address)
        try:
            fleet = Fleet(channel, bearer(token), boot)  # the OLD token: the signing key persists
            after = _snapshot(fleet, ids)
            assert after == before
            assert [l.name for l in after["locations"]] == ["parent", "child"]
            assert after["parts"][0].id == part and after["parts"][0].main_part
            assert after["org_md"] == SAMPLE_METADATA
            with rpc_error(grpc.StatusCode.PERMISSION_DENIED):
                fleet.get_location(doomed.id)
            # the API key still authenticates, and writes work after a restart
            fresh = Fleet(channel, bearer(authenticate(channel, boot.api_key_id, boot.api_key)), boot)
            fresh.new_robot(child.id, "after-restart")
            with rpc_error(grpc.StatusCode.ALREADY_EXISTS):
                fresh.new_robot(child.id, "persisted-robot")
        finally:
            channel.close()
    finally:
        assert restarted.stop() == 0


@pytest.mark.parametrize("org_name", ["   ", "x" * 101])
def test_bootstrap_rejects_bad_org_name(tmp_path, org_name):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    out = _run_bootstrap(data_dir, org_name, "--json")
    assert out.returncode != 0
    assert out.stderr.strip()
    # nothing was created: a proper bootstrap still works
    good = _run_bootstrap(data_dir, "Good Name", "--json")
    assert good.returncode == 0, good.stderr


@pytest.mark.parametrize("url, reason", [
    ("mysql://user@db/fleet", "unsupported database 'mysql'"),
    ("not a url", "Could not parse"),
    ("postgresql+psycopg://nobody:secret@127.0.0.1:1/fleet", "connection"),
])
def test_a_bad_database_url_is_one_clear_line(tmp_path, url: str, reason: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "server", "serve", "--data-dir", str(tmp_path / "data"), "--database-url", url, "--listen", "127.0.0.1:0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 2
    assert "cannot open the database" in out.stderr and reason in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and "secret" not in out.stderr, "no traceback, no password"


def test_a_server_with_another_secret_key_refuses_to_start(tmp_path) -> None:
    """A data dir whose secret-encryption.key is not the one the stored secrets were sealed with
    (lost and regenerated, or a replica given other keys): one clear line and exit 2, instead of
    failing every machine's authentication and sealing new secrets with the wrong key."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    boot = bootstrap(data_dir, "Key Org")
    server = ServerProcess(data_dir).start()
    try:
        channel = open_channel(server.address)
        fleet = Fleet(channel, bearer(authenticate(channel, boot.api_key_id, boot.api_key)), boot)
        location = fleet.new_location(boot.organization_id, "keyed")
        fleet.new_robot(location.id, "keyed-robot")  # a part secret and a location secret, sealed
        channel.close()
    finally:
        assert server.stop() == 0
    key_file = data_dir / "secret-encryption.key"
    original = key_file.read_bytes()
    key_file.write_bytes(bytes(byte ^ 0xFF for byte in original))
    out = subprocess.run(
        [sys.executable, "-m", "server", "serve", "--data-dir", str(data_dir), "--listen", "127.0.0.1:0"],
        cwd=ROOT, env=server_env(data_dir), capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 2, out.stderr
    assert f"{key_file} is not the key this database's secrets were encrypted with" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    key_file.write_bytes(original)  # the right key: it starts, and the secrets work
    with ServerProcess(data_dir) as restarted:
        channel = open_channel(restarted.address)
        fleet = Fleet(channel, bearer(authenticate(channel, boot.api_key_id, boot.api_key)), boot)
        assert fleet.call("LocationAuth", location_id=location.id).auth.secret
        channel.close()


def _logged_bootstrap_command(server: ServerProcess) -> list[str]:
    deadline = time.monotonic() + 15
    while True:
        lines = server.log().splitlines()
        found = [i for i, line in enumerate(lines) if "no organization yet" in line]
        if found and len(lines) > found[0] + 1:
            return shlex.split(lines[found[0] + 1])
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)


def test_bootstrap_hint_names_the_servers_database(tmp_path):
    """A server on a database other than DIR/fleet.db (PostgreSQL, or a SQLite file elsewhere) logs a
    bootstrap command that names it: run as logged, it bootstraps the database the server reads,
    not a fresh DIR/fleet.db the server never sees."""
    data_dir = tmp_path / "data"
    url = TEST_POSTGRES_URL and server_env(data_dir).get("FLEET_DATABASE_URL") or f"sqlite:///{tmp_path / 'elsewhere.db'}"
    with ServerProcess(data_dir, extra_args=["--database-url", url]) as server:
        command = _logged_bootstrap_command(server)
        assert command[:2] == ["fleet-server", "bootstrap"]
        assert command[command.index("--database-url") + 1] == url
        env = {k: v for k, v in server_env(data_dir).items() if k != "FLEET_DATABASE_URL"}
        out = subprocess.run(
            [sys.executable, "-m", "server", *command[1:], "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        boot = json.loads(out.stdout)
        channel = open_channel(server.address)
        try:
            authenticate(channel, boot["api_key_id"], boot["api_key"])
        finally:
            channel.close()
    assert not (data_dir / "fleet.db").exists()


def test_bootstrap_hint_on_the_default_database_and_hidden_password(tmp_path):
    from server.app import bootstrap_command
    from server.settings import Settings

    data_dir = tmp_path / "my data"
    default = Settings.load(data_dir=str(data_dir), env={})
    assert shlex.split(bootstrap_command(default)) == [
        "fleet-server", "bootstrap", "--data-dir", str(data_dir.resolve()), "--org-name", "My Organization"
    ]
    pg = Settings.load(data_dir=str(data_dir), database_url="postgresql+psycopg://fleet:s3cret@db:5432/fleet", env={})
    hint = bootstrap_command(pg)
    assert "s3cret" not in hint
    words = shlex.split(hint)
    assert words[words.index("--database-url") + 1] == "postgresql+psycopg://fleet:***@db:5432/fleet"
