"""The `fleet` CLI, run as `python -m client.cli` subprocesses against the real server (the progress
counter also directly and through a pty)."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from client import FleetClient, log_entry
from client.output import table
from conftest import TEST_USER_PASSWORD, UNKNOWN_PART, add_user, role, unique
from harness import ROOT, free_port

CLI_TIMEOUT_S = 60
FOLLOW_WAIT_S = 15.0
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  [A-Z]+ *  ")


def cli_env(config_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FLEET_CONFIG_DIR", "NO_COLOR")}
    return {**env, "FLEET_CONFIG_DIR": str(config_dir), "PYTHONUNBUFFERED": "1", **extra}


def fleet_cli(
    config_dir: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", *args],
        cwd=ROOT,
        env=env or cli_env(config_dir),
        input=input,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result.stdout


def failed(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """Asserts the exit code and a single `error: ...` line on stderr; returns that line."""
    assert result.returncode == code, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr, result.stderr
    if code == 1:
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[-1]


def rows(stdout: str) -> list[list[str]]:
    """A table's data rows split on runs of two or more spaces."""
    return [re.split(r" {2,}", line) for line in stdout.strip().splitlines()[1:]]


def assert_aligned(stdout: str) -> None:
    """Every column starts at the same offset on every line."""
    lines = stdout.rstrip("\n").splitlines()
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", header)]
    for line in lines[1:]:
        for start in starts[1:]:
            assert line[start - 2 : start] == "  " and line[start] != " ", f"misaligned:\n{stdout}"


@pytest.fixture(scope="module")
def config_dir(server, tmp_path_factory) -> Path:
    """A config directory logged in with the bootstrap key."""
    directory = tmp_path_factory.mktemp("cli") / "config"
    ok(fleet_cli(directory, "login", "--address", server.server.address, "--key-id", server.boot.api_key_id, "--key", server.boot.api_key))
    return directory


def run_async(server: Any, body: Any) -> Any:
    async def main() -> Any:
        async with await FleetClient.connect(server.server.address, server.boot.api_key_id, server.boot.api_key) as fleet:
            return await body(fleet)

    return asyncio.run(main())


def push_logs(server: Any, part_id: str, entries: list[Any]) -> None:
    async def body(fleet: FleetClient) -> None:
        secret = (await fleet.get_robot_part(part_id)).secret
        async with await FleetClient.connect_machine(server.server.address, part_id, secret) as machine:
            await machine.log(entries)

    run_async(server, body)


# --------------------------------------------------------------------------- login and credentials


def test_login_stores_credentials_with_mode_0600(server, tmp_path):
    config = tmp_path / "config"
    out = ok(fleet_cli(config, "login", "--address", server.server.address, "--key-id", server.boot.api_key_id, "--key", server.boot.api_key))
    path = config / "credentials.json"
    assert str(path) in out and server.boot.api_key_id in out
    assert server.boot.api_key not in out, "the key is never echoed"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {
        "address": server.server.address,
        "api_key_id": server.boot.api_key_id,
        "api_key": server.boot.api_key,
    }
    assert [p.name for p in config.iterdir()] == ["credentials.json"], "no temporary files left behind"

    path.chmod(0o644)  # logging in again tightens a loosened file
    ok(fleet_cli(config, "login", "--address", server.server.address, "--key-id", server.boot.api_key_id, "--key", server.boot.api_key))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert server.boot.organization_id in ok(fleet_cli(config, "orgs", "list"))


def test_login_defaults_to_home_config(server, tmp_path):
    env = {k: v for k, v in cli_env(tmp_path).items() if k != "FLEET_CONFIG_DIR"}
    env["HOME"] = str(tmp_path)
    args = ["login", "--address", server.server.address, "--key-id", server.boot.api_key_id, "--key", server.boot.api_key]
    ok(fleet_cli(tmp_path, *args, env=env))
    path = tmp_path / ".config" / "fleet" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_login_with_wrong_key_stores_nothing(server, tmp_path):
    config = tmp_path / "config"
    line = failed(fleet_cli(config, "login", "--address", server.server.address, "--key-id", server.boot.api_key_id, "--key", "wrong"))
    assert line == "error: UNAUTHENTICATED: invalid credentials"
    assert not (config / "credentials.json").exists()


def test_login_to_unreachable_server(tmp_path):
    line = failed(fleet_cli(tmp_path, "login", "--address", f"127.0.0.1:{free_port()}", "--key-id", "x", "--key", "y"))
    assert line.startswith("error: UNAVAILABLE: ")
    assert not (tmp_path / "credentials.json").exists()


def test_commands_need_a_login(tmp_path):
    line = failed(fleet_cli(tmp_path / "empty", "orgs", "list"))
    assert "not logged in" in line and "fleet login" in line


def test_corrupt_credentials_file(tmp_path):
    (tmp_path / "credentials.json").write_text("{not json")
    assert "cannot read" in failed(fleet_cli(tmp_path, "orgs", "list"))
    (tmp_path / "credentials.json").write_text("[]")
    assert "fleet login" in failed(fleet_cli(tmp_path, "orgs", "list"))


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["orgs"],
        ["orgs", "rename", "x"],
        ["orgs", "create"],
        ["locations", "list"],
        ["machines", "create", "name-without-location"],
        ["parts", "list"],
        ["logs"],
        ["logs", "p", "--level", "loud"],
        ["logs", "p", "--since", "yesterday"],
        ["logs", "p", "--limit", "-1"],
        ["logs", "p", "--follow", "--limit", "5"],
        ["logs", "p", "--follow", "--since", "2024-01-01T00:00:00Z"],
        ["login", "--address", "x"],
        ["login", "--address", "x", "--key-id", "k", "--email", "e@example.com"],
        ["login", "--address", "x", "--email", "e@example.com", "--key", "k"],
        ["keys"],
        ["keys", "create"],
        ["keys", "create", "--org", "o", "--role", "boss:organization:o"],
        ["keys", "create", "--org", "o", "--role", "owner:planet:o"],
        ["keys", "create", "--org", "o", "--role", "owner:organization"],
        ["keys", "list"],
        ["keys", "rotate"],
        ["keys", "rename", "k"],
        ["members", "list"],
        ["invites", "create", "--org", "o"],
        ["invites", "create", "e@example.com"],
        ["parts", "config"],
        ["parts", "config", "show", "p"],
        ["parts", "config", "get"],
        ["parts", "config", "set", "p"],
        ["parts", "config", "set", "p", "/nonexistent/config.json"],
        ["parts", "history"],
        ["parts", "history", "p", "--limit", "-1"],
        ["parts", "restart"],
    ],
    ids=lambda a: " ".join(a) or "no-command",
)
def test_usage_errors_exit_2(tmp_path, args):
    result = fleet_cli(tmp_path, *args)
    assert result.returncode == 2, result
    assert "usage: fleet" in result.stderr and "Traceback" not in result.stderr


# --------------------------------------------------------------------------- resources


def test_orgs(config_dir):
    name = unique("cli-org")
    org_id = ok(fleet_cli(config_dir, "orgs", "create", name)).strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", org_id)
    listing = ok(fleet_cli(config_dir, "orgs", "list"))
    assert listing.splitlines()[0].split() == ["ID", "NAME", "NAMESPACE", "CREATED"]
    assert_aligned(listing)
    row = next(r for r in rows(listing) if r[0] == org_id)
    assert row[1] == name and row[2] == "-" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[3])

    assert ok(fleet_cli(config_dir, "orgs", "delete", org_id)).strip() == f"deleted organization {org_id}"
    assert org_id not in ok(fleet_cli(config_dir, "orgs", "list"))
    line = failed(fleet_cli(config_dir, "orgs", "delete", org_id))
    assert line.startswith("error: PERMISSION_DENIED: ")


def test_invalid_argument_prints_the_field(config_dir):
    line = failed(fleet_cli(config_dir, "orgs", "create", "   "))
    assert line.startswith("error: INVALID_ARGUMENT: name") and line.endswith("(field: name)")
    line = failed(fleet_cli(config_dir, "orgs", "create", "x" * 101))
    assert line.endswith("(field: name)")


def test_locations(config_dir, org):
    parent = ok(fleet_cli(config_dir, "locations", "create", "--org", org.id, "Plant North")).strip()
    child = ok(fleet_cli(config_dir, "locations", "create", "--org", org.id, "--parent", parent, "Floor 1")).strip()
    listing = ok(fleet_cli(config_dir, "locations", "list", "--org", org.id))
    assert listing.splitlines()[0].split() == ["ID", "NAME", "PARENT", "MACHINES", "CREATED"]
    assert_aligned(listing)
    by_id = {r[0]: r for r in rows(listing)}
    assert by_id[parent][1:4] == ["Plant North", "-", "0"]
    assert by_id[child][1:4] == ["Floor 1", parent, "0"]

    line = failed(fleet_cli(config_dir, "locations", "delete", parent))
    assert line.startswith("error: FAILED_PRECONDITION: ")
    line = failed(fleet_cli(config_dir, "locations", "create", "--org", org.id, "--parent", "zzzzzzzzz0", "x"))
    assert line.startswith("error: PERMISSION_DENIED: ")  # an unknown parent, like one the caller can't see
    line = failed(fleet_cli(config_dir, "locations", "create", "--org", org.id, "n" * 101))
    assert line.endswith("(field: name)")

    ok(fleet_cli(config_dir, "locations", "delete", child))
    ok(fleet_cli(config_dir, "locations", "delete", parent))
    assert rows(ok(fleet_cli(config_dir, "locations", "list", "--org", org.id))) == []


def test_machines_and_parts(config_dir, fleet, org):
    location = fleet.new_location(org.id)
    machine = ok(fleet_cli(config_dir, "machines", "create", "--location", location.id, "rover")).strip()
    listing = ok(fleet_cli(config_dir, "machines", "list", "--location", location.id))
    assert listing.splitlines()[0].split() == ["ID", "NAME", "STATUS", "CREATED"]
    assert rows(listing)[0][:3] == [machine, "rover", "awaiting setup"]
    line = failed(fleet_cli(config_dir, "machines", "create", "--location", location.id, "rover"))
    assert line.startswith("error: ALREADY_EXISTS: ")

    part = ok(fleet_cli(config_dir, "parts", "create", "--machine", machine, "Camera Node")).strip()
    listing = ok(fleet_cli(config_dir, "parts", "list", "--machine", machine))
    assert listing.splitlines()[0].split() == ["ID", "NAME", "MAIN", "STATUS", "FQDN"]
    assert_aligned(listing)
    by_name = {r[1]: r for r in rows(listing)}
    assert by_name["rover-main"][2:4] == ["yes", "awaiting setup"]
    assert by_name["Camera Node"] == [part, "Camera Node", "no", "awaiting setup", f"camera-node.{location.id}.fleet.local"]

    shown = ok(fleet_cli(config_dir, "parts", "show", part))
    fields = dict(re.split(r" {2,}", line, maxsplit=1) for line in shown.strip().splitlines())
    assert fields["id"] == part and fields["name"] == "Camera Node" and fields["machine"] == machine
    assert fields["location"] == location.id and fields["main"] == "no"
    assert fields["status"] == "awaiting setup" and fields["last access"] == "-"
    assert "secret" not in fields
    secret = fleet.get_part(part).secret
    assert secret not in shown
    with_secret = ok(fleet_cli(config_dir, "parts", "show", part, "--show-secret"))
    assert with_secret.strip().splitlines()[-1].split() == ["secret", secret]

    main = by_name["rover-main"][0]
    assert failed(fleet_cli(config_dir, "parts", "delete", main)).startswith("error: FAILED_PRECONDITION: ")
    assert ok(fleet_cli(config_dir, "parts", "delete", part)).strip() == f"deleted part {part}"
    assert failed(fleet_cli(config_dir, "parts", "show", part)).startswith("error: PERMISSION_DENIED: ")
    assert ok(fleet_cli(config_dir, "machines", "delete", machine)).strip() == f"deleted machine {machine}"
    assert rows(ok(fleet_cli(config_dir, "machines", "list", "--location", location.id))) == []


def test_unknown_part(config_dir, tmp_path):
    assert failed(fleet_cli(config_dir, "parts", "show", UNKNOWN_PART)).startswith("error: PERMISSION_DENIED: ")
    assert failed(fleet_cli(config_dir, "logs", UNKNOWN_PART)).startswith("error: PERMISSION_DENIED: ")
    assert failed(fleet_cli(config_dir, "parts", "config", "get", UNKNOWN_PART)).startswith("error: PERMISSION_DENIED: ")
    (tmp_path / "c.json").write_text("{}")
    assert failed(fleet_cli(config_dir, "parts", "config", "set", UNKNOWN_PART, str(tmp_path / "c.json"))).startswith(
        "error: PERMISSION_DENIED: "
    )
    assert failed(fleet_cli(config_dir, "parts", "history", UNKNOWN_PART)).startswith("error: PERMISSION_DENIED: ")
    assert failed(fleet_cli(config_dir, "parts", "restart", UNKNOWN_PART)).startswith("error: PERMISSION_DENIED: ")


def test_table_alignment():
    text = table(["ID", "NAME", "X"], [["1", "long name here", ""], ["22222", "n", "y"]])
    assert text.splitlines() == [
        "ID     NAME            X",
        "1      long name here",
        "22222  n               y",
    ]


# --------------------------------------------------------------------------- part configs, history, restarts

CONFIG_TEXT = """{
    "zeta": 1,
    "alpha": {"y": [1, 2.5, "é 東京"], "b": null},
    "components": [{"name": "arm1", "model": "fake", "attributes": {"speed": 10}}],
    "mid": true
}"""
CONFIG_COMPACT = '{"zeta":1,"alpha":{"y":[1,2.5,"é 東京"],"b":null},"components":[{"name":"arm1","model":"fake","attributes":{"speed":10}}],"mid":true}'


def indented(text: str) -> str:
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def history_count(fleet: Any, part_id: str) -> int:
    return len(fleet.call("GetRobotPartHistory", id=part_id).history)


def test_parts_config_get_and_set_round_trip(config_dir, fleet, tree, tmp_path):
    part_id = fleet.main_part(tree.robot_id).id
    name = fleet.get_part(part_id).name
    assert ok(fleet_cli(config_dir, "parts", "config", "get", part_id)) == "{}\n"

    source = tmp_path / "config.json"
    source.write_text(CONFIG_TEXT, encoding="utf-8")
    out = ok(fleet_cli(config_dir, "parts", "config", "set", part_id, str(source)))
    assert out.strip() == f"updated the config of part {part_id} from {source} ({len(CONFIG_COMPACT.encode())} B as stored)"
    part = fleet.get_part(part_id)
    assert (part.robot_config_json, part.name) == (CONFIG_COMPACT, name), "sent as given: key order kept, name kept"

    shown = ok(fleet_cli(config_dir, "parts", "config", "get", part_id))
    assert shown == indented(CONFIG_TEXT)
    assert shown.splitlines()[:3] == ["{", '  "zeta": 1,', '  "alpha": {']
    assert list(json.loads(shown)) == ["zeta", "alpha", "components", "mid"]
    assert list(json.loads(shown)["alpha"]) == ["y", "b"] and "é 東京" in shown

    saved = tmp_path / "saved.json"
    out = ok(fleet_cli(config_dir, "parts", "config", "get", part_id, "--output", str(saved)))
    assert out.strip() == f"wrote the config of part {part_id} to {saved}"
    assert saved.read_text(encoding="utf-8") == shown
    # what `get` wrote, `set` takes back unchanged
    ok(fleet_cli(config_dir, "parts", "config", "set", part_id, str(saved)))
    assert fleet.get_part(part_id).robot_config_json == CONFIG_COMPACT
    assert ok(fleet_cli(config_dir, "parts", "config", "get", part_id)) == shown
    assert history_count(fleet, part_id) == 2


def test_parts_config_set_from_stdin(config_dir, fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    out = ok(fleet_cli(config_dir, "parts", "config", "set", part_id, "-", input=CONFIG_TEXT))
    assert out.startswith(f"updated the config of part {part_id} from stdin ")
    assert fleet.get_part(part_id).robot_config_json == CONFIG_COMPACT
    assert ok(fleet_cli(config_dir, "parts", "config", "get", part_id)) == indented(CONFIG_TEXT)
    assert ok(fleet_cli(config_dir, "parts", "config", "get", part_id, "--output", "-")) == indented(CONFIG_TEXT)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not valid JSON: "),
        ("", "is not valid JSON: "),
        ('{"a": 1} trailing', "is not valid JSON: "),
        ('{"a": NaN}', "is not valid JSON: NaN is not JSON"),
        ("[1, 2]", "must be a JSON object, got an array"),
        ("null", "must be a JSON object, got null"),
        ('"text"', "must be a JSON object, got a string"),
        ('{"a": {"k": 1, "k": 2}}', "has the key 'k' twice in one object"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
    ],
    ids=["malformed", "empty", "trailing", "nan", "array", "null", "string", "duplicate-key", "not-utf8"],
)
def test_parts_config_set_rejects_what_is_not_a_json_object(config_dir, fleet, tree, tmp_path, content, message):
    part_id = fleet.main_part(tree.robot_id).id
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = fleet_cli(config_dir, "parts", "config", "set", part_id, str(path))
    assert result.returncode == 2, result
    assert "usage: fleet parts config set" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"fleet parts config set: error: argument FILE: {path} {message}")
    result = fleet_cli(config_dir, "parts", "config", "set", part_id, "-", input=content if isinstance(content, str) else None)
    assert result.returncode == 2 and "argument FILE: stdin " in result.stderr, result
    assert history_count(fleet, part_id) == 0 and fleet.get_part(part_id).robot_config_json == "{}", "nothing was sent"


def test_parts_config_set_refuses_a_stale_update(config_dir, fleet, tree, tmp_path, monkeypatch, capsys):
    from client import cli

    part_id = fleet.main_part(tree.robot_id).id
    mine = tmp_path / "mine.json"
    mine.write_text('{"mine": true}')
    monkeypatch.setenv("FLEET_CONFIG_DIR", str(config_dir))
    read_part = FleetClient.get_robot_part

    async def read_then_someone_else_writes(self: FleetClient, pid: str) -> Any:
        part = await read_part(self, pid)
        # another writer gets in between the CLI's read and its update
        fleet.call("UpdateRobotPart", id=pid, name=part.name, robot_config_json='{"theirs": true}')
        return part

    monkeypatch.setattr(FleetClient, "get_robot_part", read_then_someone_else_writes)
    assert cli.main(["parts", "config", "set", part_id, str(mine)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: ABORTED: someone else changed part {part_id} ")
    assert "nothing was written" in err and "--force" in err
    assert fleet.get_part(part_id).robot_config_json == '{"theirs":true}', "their change stands"

    assert cli.main(["parts", "config", "set", part_id, str(mine), "--force"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"updated the config of part {part_id} ") and err == ""
    assert fleet.get_part(part_id).robot_config_json == '{"mine":true}', "--force overwrites"


def test_parts_history_table(server, config_dir, fleet, tree, tmp_path):
    part_id = fleet.main_part(tree.robot_id).id
    name = fleet.get_part(part_id).name
    empty = ok(fleet_cli(config_dir, "parts", "history", part_id))
    assert re.split(r" {2,}", empty.strip()) == ["WHEN", "EDITED BY", "NAME BEFORE", "CONFIG BEFORE"]
    assert rows(empty) == []

    source = tmp_path / "c.json"
    source.write_text('{"a": 1}')
    ok(fleet_cli(config_dir, "parts", "config", "set", part_id, str(source)))
    source.write_text(json.dumps({"a": 1, "b": "x" * 2000}))
    ok(fleet_cli(config_dir, "parts", "config", "set", part_id, str(source)))
    # an edit by a key that is deleted afterwards
    created = fleet.call("CreateKey", authorizations=[role(tree.org.id, "owner", "organization", tree.org.id)])
    other = tmp_path / "other"
    login_with_key(server, other, created.id, created.key)
    source.write_text("{}")
    ok(fleet_cli(other, "parts", "config", "set", part_id, str(source)))
    fleet.call("DeleteKey", id=created.id)

    listing = ok(fleet_cli(config_dir, "parts", "history", part_id))
    assert_aligned(listing)
    got = rows(listing)
    assert [r[1:] for r in got] == [
        [f"{created.id} (deleted)", name, "2.0 KiB"],  # newest first; the config before that edit
        [server.boot.api_key_id, name, "7 B"],  # {"a":1}
        [server.boot.api_key_id, name, "2 B"],  # {}
    ]
    whens = [r[0] for r in got]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", w) for w in whens) and whens == sorted(whens, reverse=True)
    assert rows(ok(fleet_cli(config_dir, "parts", "history", part_id, "--limit", "1"))) == got[:1]
    assert rows(ok(fleet_cli(config_dir, "parts", "history", part_id, "--limit", "0"))) == got


def test_parts_history_follows_pages(config_dir, fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    for i in range(120):
        fleet.call("UpdateRobotPart", id=part_id, name=f"v{i:03d}")
    names = [r[2] for r in rows(ok(fleet_cli(config_dir, "parts", "history", part_id, "--limit", "0")))]
    assert names[:119] == [f"v{i:03d}" for i in reversed(range(119))] and len(names) == 120
    assert len(rows(ok(fleet_cli(config_dir, "parts", "history", part_id)))) == 100, "default limit"


def test_parts_restart(server, config_dir, fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    out = ok(fleet_cli(config_dir, "parts", "restart", part_id))
    assert out.startswith(f"marked part {part_id} for restart")

    async def ask(fleet: FleetClient) -> list[bool]:
        secret = (await fleet.get_robot_part(part_id)).secret
        async with await FleetClient.connect_machine(server.server.address, part_id, secret) as machine:
            return [await machine.needs_restart(), await machine.needs_restart()]

    assert run_async(server, ask) == [True, False], "the machine is told once"
    ok(fleet_cli(config_dir, "parts", "restart", part_id))
    ok(fleet_cli(config_dir, "parts", "restart", part_id))
    assert run_async(server, ask) == [True, False], "marking twice is marking once"


# --------------------------------------------------------------------------- logs


@pytest.fixture
def part_with_logs(server, tree, fleet) -> str:
    part_id = fleet.main_part(tree.robot_id).id
    base = datetime.now(timezone.utc) - timedelta(minutes=30)
    push_logs(
        server,
        part_id,
        [
            log_entry("boot", "info", time=base, logger_name="robot"),
            log_entry("motor stalled", "error", time=base + timedelta(minutes=1), fields=[{"motor": "left"}]),
            log_entry("retrying\nnow", "warn", time=base + timedelta(minutes=2)),
            log_entry("ok", "debug", time=base + timedelta(minutes=3)),
        ],
    )
    return part_id


def messages(stdout: str) -> list[str]:
    out = []
    for line in stdout.strip().splitlines():
        assert LOG_LINE.match(line), f"not a log line: {line!r}"
        out.append(line)
    return out


def columns(line: str) -> list[str]:
    return re.split(r" {2,}", line)


def test_logs_oldest_first(config_dir, part_with_logs):
    out = ok(fleet_cli(config_dir, "logs", part_with_logs))
    lines = messages(out)
    assert len(lines) == 4
    assert "INFO   robot  boot" in lines[0]
    assert lines[1].endswith('ERROR  motor stalled  {"motor":"left"}')
    assert lines[2].endswith("WARN   retrying\\nnow"), "one line per entry"
    assert lines[3].endswith("DEBUG  ok")
    assert not ANSI.search(out), "no colors when stdout is not a TTY"


def test_logs_filters(config_dir, part_with_logs):
    def shown(*args: str) -> list[str]:
        return [columns(line)[-1] for line in messages(ok(fleet_cli(config_dir, "logs", part_with_logs, *args)))]

    assert [s.endswith("ok") for s in shown("--limit", "1")] == [True]
    assert len(shown("--limit", "2")) == 2 and shown("--limit", "2")[1] == "ok"
    assert len(shown("--limit", "0")) == 4
    assert len(shown("--level", "error", "--level", "WARNING")) == 2
    assert len(shown("--level", "error,debug")) == 2
    assert shown("--filter", "stall") == ['{"motor":"left"}']
    base = datetime.now(timezone.utc) - timedelta(minutes=30)
    since = (base + timedelta(seconds=30)).isoformat()
    until = (base + timedelta(minutes=2, seconds=30)).isoformat()
    assert len(shown("--since", since, "--until", until)) == 2
    assert ok(fleet_cli(config_dir, "logs", part_with_logs, "--filter", "no such text")) == ""


def test_logs_level_warn_includes_warning(server, config_dir, tree, fleet):
    part_id = fleet.main_part(tree.robot_id).id
    push_logs(server, part_id, [log_entry("a", "warn"), log_entry("b", "warning"), log_entry("c", "info")])
    lines = messages(ok(fleet_cli(config_dir, "logs", part_id, "--level", "warn")))
    assert sorted(columns(line)[-1] for line in lines) == ["a", "b"]


def test_logs_paged_limit(server, config_dir, tree, fleet):
    part_id = fleet.main_part(tree.robot_id).id
    base = datetime.now(timezone.utc) - timedelta(minutes=20)
    push_logs(server, part_id, [log_entry(f"m{i:04d}", time=base + timedelta(milliseconds=i)) for i in range(1000)])
    push_logs(server, part_id, [log_entry(f"m{i:04d}", time=base + timedelta(milliseconds=i)) for i in range(1000, 1200)])
    lines = messages(ok(fleet_cli(config_dir, "logs", part_id, "--limit", "1100")))
    assert [columns(line)[-1] for line in lines] == [f"m{i:04d}" for i in range(100, 1200)]
    assert len(messages(ok(fleet_cli(config_dir, "logs", part_id, "--limit", "0")))) == 1200
    assert len(messages(ok(fleet_cli(config_dir, "logs", part_id)))) == 100


def test_logs_colored_on_a_tty(config_dir, part_with_logs):
    primary, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "client.cli", "logs", part_with_logs],
            cwd=ROOT,
            env=cli_env(config_dir),
            stdout=secondary,
            stderr=subprocess.PIPE,
        )
        os.close(secondary)
        output = b""
        while True:
            ready, _, _ = select.select([primary], [], [], CLI_TIMEOUT_S)
            if not ready:
                break
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO once the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(CLI_TIMEOUT_S) == 0, process.stderr.read() if process.stderr else ""
    finally:
        os.close(primary)
    text = output.decode()
    assert "\x1b[31mERROR" in text and "\x1b[32mINFO" in text
    assert ANSI.sub("", text).count("\n") == 4


class LineReader:
    """Lines from a pipe with a timeout (select on the raw fd, no hidden buffering)."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = b""

    def line(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()


def test_logs_follow_streams_until_interrupted(server, config_dir, tree, fleet):
    part_id = fleet.main_part(tree.robot_id).id
    push_logs(server, part_id, [log_entry("old entry", "error")])
    process = subprocess.Popen(
        [sys.executable, "-m", "client.cli", "logs", part_id, "--follow", "--level", "error,warn"],
        cwd=ROOT,
        env=cli_env(config_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        reader = LineReader(process.stdout.fileno())
        # Probe until the tail is subscribed (the first probe line shows up).
        deadline = time.monotonic() + FOLLOW_WAIT_S
        first: str | None = None
        while first is None and time.monotonic() < deadline:
            push_logs(server, part_id, [log_entry(f"probe-{uuid.uuid4().hex[:6]}", "error")])
            first = reader.line(0.3)
        assert first is not None and "probe-" in first, f"follow printed nothing within {FOLLOW_WAIT_S}s: {process.poll()}"

        push_logs(server, part_id, [log_entry("skipped info", "info"), log_entry("live warning", "warn"), log_entry("live error", "error")])
        seen: list[str] = []
        while len(seen) < 2:
            line = reader.line(FOLLOW_WAIT_S)
            assert line is not None, f"no live lines; seen {seen}"
            if "probe-" not in line:
                seen.append(line)
        assert [columns(s)[1:] for s in seen] == [["WARN", "live warning"], ["ERROR", "live error"]]
        assert all(LOG_LINE.match(s) and not ANSI.search(s) for s in seen)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(CLI_TIMEOUT_S)
        finally:
            if process.poll() is None:
                process.kill()
    stderr = process.stderr.read().decode() if process.stderr else ""
    assert code == 130 and "Traceback" not in stderr, stderr
    assert "old entry" not in first


def test_logs_output_to_a_closed_pipe(server, config_dir, tree, fleet):
    part_id = fleet.main_part(tree.robot_id).id
    push_logs(server, part_id, [log_entry(f"{i:04d} " + "x" * 200) for i in range(1000)])  # more than a pipe buffer
    process = subprocess.Popen(
        f"{sys.executable} -m client.cli logs {part_id} --limit 0 | head -n 1",
        shell=True,
        cwd=ROOT,
        env=cli_env(config_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate(timeout=CLI_TIMEOUT_S)
    assert len(stdout.splitlines()) == 1 and "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_logs_follow_reports_a_server_shutdown(tmp_path):
    from conftest import start_bootstrapped_server

    running = start_bootstrapped_server(tmp_path / "data")
    try:
        config = tmp_path / "config"
        boot = running.boot
        ok(fleet_cli(config, "login", "--address", running.server.address, "--key-id", boot.api_key_id, "--key", boot.api_key))

        async def make_part(fleet: FleetClient) -> str:
            location = await fleet.create_location(boot.organization_id, "Lab")
            return (await fleet.get_robot_parts(await fleet.new_robot("rover", location.id)))[0].id

        part_id = run_async(running, make_part)
        process = subprocess.Popen(
            [sys.executable, "-m", "client.cli", "logs", part_id, "--follow"],
            cwd=ROOT,
            env=cli_env(config),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None
        reader = LineReader(process.stdout.fileno())
        deadline = time.monotonic() + FOLLOW_WAIT_S
        first: str | None = None
        while first is None and time.monotonic() < deadline:
            push_logs(running, part_id, [log_entry("probe-x")])
            first = reader.line(0.3)
        assert first is not None, "follow never subscribed"
    finally:
        running.server.stop()
    try:
        code = process.wait(CLI_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
    stderr = process.stderr.read().decode() if process.stderr else ""
    assert code == 1 and "Traceback" not in stderr, stderr
    assert stderr.startswith("error: UNAVAILABLE: "), stderr



# --------------------------------------------------------------------------- API keys

SHOWN_ONCE = "warning: this is the only time the key is shown"


def new_key_output(result: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    """`id   <id>` / `key  <key>` on stdout and the shown-once warning on stderr."""
    lines = ok(result).strip().splitlines()
    assert [line.split()[0] for line in lines] == ["id", "key"], lines
    assert result.stderr.startswith(SHOWN_ONCE), result.stderr
    return lines[0].split()[1], lines[1].split()[1]


def login_with_key(server: Any, config: Path, key_id: str, key: str) -> None:
    ok(fleet_cli(config, "login", "--address", server.server.address, "--key-id", key_id, "--key", key))


def key_rows(config_dir: Path, org_id: str) -> dict[str, list[str]]:
    listing = ok(fleet_cli(config_dir, "keys", "list", "--org", org_id))
    assert listing.splitlines()[0].split() == ["ID", "NAME", "CREATED", "ROLES"]
    assert_aligned(listing)
    return {r[0]: r for r in rows(listing)}


def test_keys_create_list_rename_delete(server, config_dir, tree, tmp_path):
    org, location = tree.org.id, tree.location.id
    reader_id, reader_key = new_key_output(
        fleet_cli(config_dir, "keys", "create", "--org", org, "--name", "ci reader", "--role", f"operator:location:{location}")
    )
    owner_id, owner_key = new_key_output(fleet_cli(config_dir, "keys", "create", "--org", org))
    two_id, _ = new_key_output(
        fleet_cli(
            config_dir, "keys", "create", "--org", org,
            "--role", f"operator:location:{location}", "--role", f"owner:machine:{tree.robot_id}",
        )
    )

    keys = key_rows(config_dir, org)
    assert set(keys) == {reader_id, owner_id, two_id}
    assert keys[reader_id][1:] == ["ci reader", keys[reader_id][2], f"operator:location:{location}"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", keys[reader_id][2])
    assert keys[owner_id][1] == f"key-{owner_id[:8]}" and keys[owner_id][3] == f"owner:organization:{org}"
    assert keys[two_id][3] == f"operator:location:{location}, owner:robot:{tree.robot_id}"
    listing = ok(fleet_cli(config_dir, "keys", "list", "--org", org))
    assert reader_key not in listing and owner_key not in listing, "secrets are never listed"

    # the new key works, with exactly its roles
    reader_config = tmp_path / "reader"
    login_with_key(server, reader_config, reader_id, reader_key)
    assert rows(ok(fleet_cli(reader_config, "machines", "list", "--location", location)))[0][0] == tree.robot_id
    assert failed(fleet_cli(reader_config, "keys", "list", "--org", org)).startswith("error: PERMISSION_DENIED: ")

    assert ok(fleet_cli(config_dir, "keys", "rename", reader_id, "nightly")).strip() == f"renamed key {reader_id} to nightly"
    assert key_rows(config_dir, org)[reader_id][1] == "nightly"

    assert ok(fleet_cli(config_dir, "keys", "delete", two_id)).strip() == f"deleted key {two_id}"
    assert set(key_rows(config_dir, org)) == {reader_id, owner_id}
    assert failed(fleet_cli(config_dir, "keys", "delete", two_id)).startswith("error: PERMISSION_DENIED: ")

    line = failed(fleet_cli(config_dir, "keys", "create", "--org", org, "--role", f"owner:location:{tree.location.id}x"))
    assert line.startswith("error: PERMISSION_DENIED: ")
    line = failed(fleet_cli(config_dir, "keys", "create", "--org", org, "--name", "x" * 101))
    assert line.startswith("error: INVALID_ARGUMENT: ") and "(field: " in line


def test_keys_rotate_the_logged_in_key(server, fleet, org, tmp_path):
    created = fleet.call("CreateKey", authorizations=[role(org.id, "owner", "organization", org.id)], name="cli")
    config = tmp_path / "config"
    login_with_key(server, config, created.id, created.key)
    stale = tmp_path / "stale"
    shutil.copytree(config, stale)  # another machine still holding the old key

    result = fleet_cli(config, "keys", "rotate", created.id)
    key_id, new_key = new_key_output(result)
    assert key_id == created.id and new_key != created.key
    assert "this was the logged-in key" in result.stderr and str(config / "credentials.json") in result.stderr

    path = config / "credentials.json"
    assert json.loads(path.read_text()) == {"address": server.server.address, "api_key_id": created.id, "api_key": new_key}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in config.iterdir()] == ["credentials.json"]
    # the CLI keeps working with the new key; the old one stops
    assert org.id in ok(fleet_cli(config, "orgs", "list"))
    assert created.id in key_rows(config, org.id)
    line = failed(fleet_cli(stale, "orgs", "list"))
    assert line.startswith("error: UNAUTHENTICATED: ")
    assert line.endswith(f"(the stored credentials were rejected: run `fleet login --address {server.server.address} --key-id {created.id}`)")
    line = failed(fleet_cli(tmp_path / "again", "login", "--address", server.server.address, "--key-id", created.id, "--key", created.key))
    assert line == "error: UNAUTHENTICATED: invalid credentials"


def test_keys_rotate_prints_the_key_even_when_it_cannot_be_stored(server, fleet, org, tmp_path, monkeypatch, capsys):
    from client import cli

    created = fleet.call("CreateKey", authorizations=[role(org.id, "owner", "organization", org.id)])
    config = tmp_path / "config"
    login_with_key(server, config, created.id, created.key)
    monkeypatch.setenv("FLEET_CONFIG_DIR", str(config))

    def full_disk(credentials: Any) -> Path:
        raise OSError("No space left on device")

    monkeypatch.setattr(cli.config, "save", full_disk)
    assert cli.main(["keys", "rotate", created.id]) == 1
    out, err = capsys.readouterr()
    new_key = out.strip().splitlines()[1].split()[1]
    assert err.startswith(SHOWN_ONCE)
    assert err.strip().splitlines()[-1].startswith(
        "error: this was the logged-in key and the new key could not be stored (No space left on device)"
    )
    assert json.loads((config / "credentials.json").read_text())["api_key"] == created.key, "unchanged"
    login_with_key(server, tmp_path / "fixed", created.id, new_key)


def test_keys_rotate_another_key_leaves_the_login_alone(server, config_dir, org):
    before = (config_dir / "credentials.json").read_text()
    key_id, key = new_key_output(fleet_cli(config_dir, "keys", "create", "--org", org.id))
    result = fleet_cli(config_dir, "keys", "rotate", key_id)
    rotated_id, rotated = new_key_output(result)
    assert rotated_id == key_id and rotated != key
    assert "logged-in" not in result.stderr
    assert (config_dir / "credentials.json").read_text() == before

    async def check(fleet: FleetClient) -> None:
        async with await FleetClient.connect(server.server.address, key_id, rotated) as rotated_client:
            assert org.id in {o.id for o in await rotated_client.list_organizations()}

    run_async(server, check)
    assert failed(fleet_cli(config_dir, "keys", "rotate", str(uuid.uuid4()))).startswith("error: PERMISSION_DENIED: ")


def test_keys_delete_the_logged_in_key(server, fleet, org, tmp_path):
    created = fleet.call("CreateKey", authorizations=[role(org.id, "owner", "organization", org.id)])
    config = tmp_path / "config"
    login_with_key(server, config, created.id, created.key)
    result = fleet_cli(config, "keys", "delete", created.id)
    assert ok(result).strip() == f"deleted key {created.id}"
    assert "this was the logged-in key" in result.stderr
    assert failed(fleet_cli(config, "orgs", "list")).startswith("error: UNAUTHENTICATED: ")


# --------------------------------------------------------------------------- users, members, invites


def user_env(config: Path, password: str = TEST_USER_PASSWORD) -> dict[str, str]:
    return cli_env(config, FLEET_PASSWORD=password)


def login_with_email(server: Any, config: Path, email: str, password: str = TEST_USER_PASSWORD) -> subprocess.CompletedProcess[str]:
    return fleet_cli(config, "login", "--address", server.server.address, "--email", email, env=user_env(config, password))


def test_user_login_stores_a_session_not_the_password(server, org, tmp_path):
    user = add_user(server, owner_of=org.id)
    config = tmp_path / "config"
    out = ok(login_with_email(server, config, user.email))
    path = config / "credentials.json"
    assert str(path) in out and user.email in out and "password is not stored" in out
    stored = json.loads(path.read_text())
    assert set(stored) == {"address", "email", "token"}
    assert (stored["address"], stored["email"]) == (server.server.address, user.email)
    assert stored["token"].count(".") == 2
    assert user.password not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    listing = ok(fleet_cli(config, "orgs", "list"))
    assert [r[0] for r in rows(listing)] == [org.id], "the user sees only its organization"
    location = ok(fleet_cli(config, "locations", "create", "--org", org.id, "Lab")).strip()
    assert location in ok(fleet_cli(config, "locations", "list", "--org", org.id))

    # a rejected session says how to log in again
    path.write_text(json.dumps({**stored, "token": stored["token"][:-4] + "AAAA"}))
    line = failed(fleet_cli(config, "orgs", "list"))
    assert line.startswith("error: UNAUTHENTICATED: ")
    assert line.endswith(f"(the stored credentials were rejected: run `fleet login --address {server.server.address} --email {user.email}`)")


def test_user_login_with_a_wrong_password_stores_nothing(server, tmp_path):
    user = add_user(server)
    config = tmp_path / "config"
    line = failed(login_with_email(server, config, user.email, "not the password"))
    assert line == "error: UNAUTHENTICATED: invalid credentials"
    assert not (config / "credentials.json").exists()


def test_user_login_prompts_for_the_password(server, org, tmp_path):
    user = add_user(server, owner_of=org.id)
    config = tmp_path / "config"
    env = cli_env(config)
    env.pop("FLEET_PASSWORD", None)
    result = subprocess.run(
        [sys.executable, "-m", "client.cli", "login", "--address", server.server.address, "--email", user.email],
        cwd=ROOT,
        env=env,
        input=f"{user.password}\n",
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        start_new_session=True,  # no controlling terminal: getpass reads stdin
    )
    ok(result)
    assert f"password for {user.email}" in result.stderr
    assert [r[0] for r in rows(ok(fleet_cli(config, "orgs", "list")))] == [org.id]


def members_rows(config_dir: Path, org_id: str) -> list[list[str]]:
    listing = ok(fleet_cli(config_dir, "members", "list", "--org", org_id))
    assert re.split(r" {2,}", listing.splitlines()[0]) == ["EMAIL", "USER ID", "STATUS", "ROLES", "SINCE", "LAST LOGIN"]
    assert_aligned(listing)
    return rows(listing)


def test_invites_and_members(server, config_dir, tree, tmp_path):
    org, location = tree.org.id, tree.location.id
    email = f"invitee-{uuid.uuid4().hex[:10]}@example.com"
    owner_email = f"owner-{uuid.uuid4().hex[:10]}@example.com"
    result = fleet_cli(config_dir, "invites", "create", "--org", org, email, "--role", f"operator:location:{location}")
    assert ok(result).strip() == f"invited {email} to {org} as operator:location:{location}"
    assert "no email is sent" in result.stderr
    out = ok(fleet_cli(config_dir, "invites", "create", "--org", org, owner_email)).strip()
    assert out == f"invited {owner_email} to {org} as owner:organization:{org}"
    assert failed(fleet_cli(config_dir, "invites", "create", "--org", org, email)).startswith("error: ALREADY_EXISTS: ")

    listed = {r[0]: r for r in members_rows(config_dir, org)}
    assert listed[email][1:4] == ["-", "invited", f"operator:location:{location}"]
    assert listed[owner_email][1:4] == ["-", "invited", f"owner:organization:{org}"]
    assert listed[email][5] == "-"

    # the invitee signs up and logs in with the CLI: the invite's roles are granted then
    user = add_user(server, email=email)
    user_config = tmp_path / "user"
    ok(login_with_email(server, user_config, email))
    assert rows(ok(fleet_cli(user_config, "machines", "list", "--location", location)))[0][0] == tree.robot_id
    assert failed(fleet_cli(user_config, "members", "list", "--org", org)).startswith("error: PERMISSION_DENIED: ")

    listed = {r[0]: r for r in members_rows(config_dir, org)}
    assert listed[email][1:4] == [user.id, "member", f"operator:location:{location}"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", listed[email][5]), "last login"
    assert listed[owner_email][2] == "invited"

    assert ok(fleet_cli(config_dir, "invites", "delete", "--org", org, owner_email)).strip() == (
        f"deleted the invite of {owner_email} to {org}"
    )
    assert [r[0] for r in members_rows(config_dir, org)] == [email]
    assert failed(fleet_cli(config_dir, "invites", "delete", "--org", org, owner_email)).startswith("error: NOT_FOUND: ")
    assert members_rows(config_dir, fleet_org(server)) == []


def fleet_org(server: Any) -> str:
    async def body(fleet: FleetClient) -> str:
        return (await fleet.create_organization(unique("org"))).id

    return run_async(server, body)


# --------------------------------------------------------------------------- fragments and machine summaries


def fragment_ids(config_dir: Path, org_id: str, *extra: str) -> list[str]:
    return [r[0] for r in rows(ok(fleet_cli(config_dir, "fragments", "list", "--org", org_id, *extra)))]


def show_fields(stdout: str) -> dict[str, str]:
    """The `name  value` lines above the config of `fragments show`."""
    return dict(re.split(r" {2,}", line, maxsplit=1) for line in stdout.partition("\n\n")[0].splitlines())


def test_fragments_create_show_update_tag_history_delete(config_dir, fleet, tree, tmp_path):
    source = tmp_path / "frag.json"
    source.write_text('{"components": [{"name": "cam", "type": "camera"}]}', encoding="utf-8")
    fragment_id = ok(fleet_cli(config_dir, "fragments", "create", "--org", tree.org.id, "base", str(source))).strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", fragment_id)

    listing = ok(fleet_cli(config_dir, "fragments", "list", "--org", tree.org.id))
    assert_aligned(listing)
    assert re.split(r" {2,}", listing.splitlines()[0]) == ["ID", "NAME", "ORGANIZATION", "VISIBILITY", "REVISION", "PARTS", "UPDATED"]
    assert [r[:2] + r[3:6] for r in rows(listing)] == [[fragment_id, "base", "private", "1", "0"]]

    shown = ok(fleet_cli(config_dir, "fragments", "show", fragment_id))
    fields, config_text = show_fields(shown), shown.partition("\n\n")[2]
    assert fields["id"] == fragment_id and fields["name"] == "base" and fields["visibility"] == "private"
    assert fields["revision"] == "1 (newest)" and fields["tags"] == "-"
    assert json.loads(config_text) == {"components": [{"name": "cam", "type": "camera"}]}, "created as a Struct: key order not kept"
    assert config_text == indented(config_text)

    # update from stdin, keeping key order; rename and change visibility
    update = ("fragments", "update", fragment_id, "-", "--name", "renamed", "--visibility", "unlisted")
    out = ok(fleet_cli(config_dir, *update, input='{"z": 1, "a": 2}'))
    assert out.strip() == f"updated fragment {fragment_id} from stdin: revision 2"
    shown = ok(fleet_cli(config_dir, "fragments", "show", fragment_id))
    assert shown.endswith('{\n  "z": 1,\n  "a": 2\n}\n') and "unlisted" in shown and "renamed" in shown

    out = ok(fleet_cli(config_dir, "fragments", "tag", fragment_id, "stable", "1"))
    assert "stable=1" in out
    by_tag = ok(fleet_cli(config_dir, "fragments", "show", fragment_id, "--version", "stable"))
    assert "1 (newest: 2)" in by_tag and json.loads(by_tag.partition("\n\n")[2]) == {"components": [{"name": "cam", "type": "camera"}]}
    assert "stable=1" in ok(fleet_cli(config_dir, "fragments", "show", fragment_id))

    history = ok(fleet_cli(config_dir, "fragments", "history", fragment_id))
    assert_aligned(history)
    assert re.split(r" {2,}", history.splitlines()[0]) == ["REVISION", "WHEN", "EDITED BY", "NAME", "VISIBILITY", "CONFIG", "TAGS"]
    got = rows(history)
    assert [[r[0], r[3], r[4], r[6]] for r in got] == [["2", "renamed", "unlisted", "-"], ["1", "base", "private", "stable"]]
    assert "fetched" not in history, "no progress line without a terminal"

    out = ok(fleet_cli(config_dir, "fragments", "untag", fragment_id, "stable"))
    assert "tags: none" in out
    assert show_fields(ok(fleet_cli(config_dir, "fragments", "show", fragment_id)))["tags"] == "-"
    assert "INVALID_ARGUMENT" in failed(fleet_cli(config_dir, "fragments", "tag", fragment_id, "42", "1"))
    failed(fleet_cli(config_dir, "fragments", "update", fragment_id, "-", "--visibility", "secret", input="{}"), 2)
    failed(fleet_cli(config_dir, "fragments", "update", fragment_id, "-", input="[1]"), 2)

    # used by a part: delete refused; summary lists it
    part_id = fleet.main_part(tree.robot_id).id
    fleet.call("UpdateRobotPart", id=part_id, name=fleet.get_part(part_id).name, robot_config_json=json.dumps({"fragments": [fragment_id]}))
    assert "FAILED_PRECONDITION" in failed(fleet_cli(config_dir, "fragments", "delete", fragment_id))
    assert [r[5] for r in rows(ok(fleet_cli(config_dir, "fragments", "list", "--org", tree.org.id)))] == ["1"]
    fleet.call("UpdateRobotPart", id=part_id, name=fleet.get_part(part_id).name, robot_config_json="{}")
    assert ok(fleet_cli(config_dir, "fragments", "delete", fragment_id)).strip() == f"deleted fragment {fragment_id}"
    assert fragment_ids(config_dir, tree.org.id) == []
    failed(fleet_cli(config_dir, "fragments", "show", fragment_id))


def test_fragments_list_public(config_dir, fleet, tree, org, tmp_path):
    source = tmp_path / "f.json"
    source.write_text("{}")
    mine = ok(fleet_cli(config_dir, "fragments", "create", "--org", tree.org.id, "mine", str(source))).strip()
    theirs = ok(fleet_cli(config_dir, "fragments", "create", "--org", org.id, "theirs", str(source))).strip()
    ok(fleet_cli(config_dir, "fragments", "update", theirs, str(source), "--visibility", "public"))
    assert fragment_ids(config_dir, tree.org.id) == [mine]
    with_public = fragment_ids(config_dir, tree.org.id, "--public")
    assert mine in with_public and theirs in with_public


def test_fragments_update_refuses_a_stale_update(config_dir, fleet, tree, tmp_path, monkeypatch, capsys):
    from client import cli

    source = tmp_path / "f.json"
    source.write_text('{"mine": true}')
    fragment_id = ok(fleet_cli(config_dir, "fragments", "create", "--org", tree.org.id, "f", "-", input="{}")).strip()
    monkeypatch.setenv("FLEET_CONFIG_DIR", str(config_dir))
    read_fragment = FleetClient.get_fragment

    async def read_then_someone_else_writes(self: FleetClient, fid: str, version: str | None = None) -> Any:
        response = await read_fragment(self, fid, version)
        fleet.call("UpdateFragment", id=fid, name="theirs", fragment_config_json='{"theirs":true}')
        return response

    monkeypatch.setattr(FleetClient, "get_fragment", read_then_someone_else_writes)
    assert cli.main(["fragments", "update", fragment_id, str(source)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"error: ABORTED: someone else changed fragment {fragment_id} ") and "--force" in err
    monkeypatch.setattr(FleetClient, "get_fragment", read_fragment)
    assert fleet.call("GetFragment", id=fragment_id).fragment.fragment_config_json == '{"theirs":true}'

    assert cli.main(["fragments", "update", fragment_id, str(source), "--force"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"updated fragment {fragment_id} from {source}: revision 3" and err == ""
    fragment = fleet.call("GetFragment", id=fragment_id).fragment
    assert (fragment.fragment_config_json, fragment.name) == ('{"mine":true}', "theirs"), "--force overwrites; the name is the one read"


def test_machines_summary(config_dir, fleet, tree):
    part_id = fleet.main_part(tree.robot_id).id
    second_robot = fleet.new_robot(tree.location.id, "zz-second")
    second_part = fleet.call("NewRobotPart", robot_id=tree.robot_id, part_name="aa-extra").part_id
    fragment_id = ok(fleet_cli(config_dir, "fragments", "create", "--org", tree.org.id, "shared", "-", input="{}")).strip()
    fleet.call("UpdateRobotPart", id=second_part, name="aa-extra", robot_config_json=json.dumps({"fragments": [fragment_id]}))

    out = ok(fleet_cli(config_dir, "machines", "summary", "--org", tree.org.id))
    assert_aligned(out)
    assert re.split(r" {2,}", out.splitlines()[0]) == ["LOCATION", "MACHINE", "PART", "STATE", "LAST ACCESS", "FRAGMENTS"]
    got = rows(out)
    main_name = fleet.get_part(part_id).name
    assert [[r[0], r[1], r[2], r[5]] for r in got] == [
        [tree.location.name, tree.robot_name, f"{main_name} (main)", "-"],
        [tree.location.name, tree.robot_name, "aa-extra", "shared"],
        [tree.location.name, "zz-second", f"{fleet.main_part(second_robot).name} (main)", "-"],
    ]
    assert all(r[3] in ("awaiting setup", "offline", "unknown") or r[3].startswith("offline") for r in got)
    filtered = rows(ok(fleet_cli(config_dir, "machines", "summary", "--org", tree.org.id, "--fragment", fragment_id)))
    assert [r[1] for r in filtered] == [tree.robot_name, tree.robot_name]
    by_location = rows(ok(fleet_cli(config_dir, "machines", "summary", "--org", tree.org.id, "--location", tree.location.id)))
    assert by_location == got


# --------------------------------------------------------------------------- progress counter


class FakeTerminal:
    def __init__(self, tty: bool):
        self.tty = tty
        self.written = ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.written += text
        return len(text)

    def flush(self) -> None:
        pass


def test_progress_counter_on_a_terminal():
    from client.output import Progress, progress_text

    assert progress_text(1234) == "fetched 1,234 entries\u2026"
    terminal = FakeTerminal(tty=True)
    with Progress(stream=terminal, interval=0) as progress:  # type: ignore[arg-type]
        progress.update(999)
        progress.update(1234)
    assert terminal.written == "\r\x1b[Kfetched 999 entries\u2026\r\x1b[Kfetched 1,234 entries\u2026\r\x1b[K", "cleared at the end"

    throttled = FakeTerminal(tty=True)
    with Progress("revisions", stream=throttled, interval=3600) as progress:  # type: ignore[arg-type]
        for count in range(1, 500):
            progress.update(count)
    assert throttled.written == "\r\x1b[Kfetched 1 revisions\u2026\r\x1b[K", "redrawn at most once per interval"


def test_progress_counter_is_silent_without_a_terminal():
    from client.output import Progress

    pipe = FakeTerminal(tty=False)
    with Progress(stream=pipe, interval=0) as progress:  # type: ignore[arg-type]
        progress.update(5)
    assert pipe.written == "" and progress.count == 5


def run_with_stderr_on_a_pty(config_dir: Path, *args: str) -> tuple[str, str]:
    """Runs the CLI with stderr on a terminal and stdout on a pipe; returns (stdout, terminal output)."""
    primary, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "client.cli", *args],
            cwd=ROOT,
            env=cli_env(config_dir),
            stdout=subprocess.PIPE,
            stderr=secondary,
        )
        os.close(secondary)
        terminal = b""
        while True:
            ready, _, _ = select.select([primary], [], [], CLI_TIMEOUT_S)
            if not ready:
                break
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO once the child closed the terminal
                break
            if not chunk:
                break
            terminal += chunk
        stdout = process.stdout.read().decode() if process.stdout else ""
        assert process.wait(CLI_TIMEOUT_S) == 0, terminal.decode(errors="replace")
    finally:
        os.close(primary)
    return stdout, terminal.decode()


def test_progress_on_a_terminal_for_limit_0(config_dir, fleet, tree, server):
    part_id = fleet.main_part(tree.robot_id).id
    for i in range(3):
        fleet.call("UpdateRobotPart", id=part_id, name=f"v{i}")
    stdout, terminal = run_with_stderr_on_a_pty(config_dir, "parts", "history", part_id, "--limit", "0")
    assert len(rows(stdout)) == 3 and "fetched" not in stdout
    assert "fetched 1 entries\u2026" in terminal and terminal.endswith("\r\x1b[K"), repr(terminal)

    push_logs(server, part_id, [log_entry(f"m{i}") for i in range(3)])
    stdout, terminal = run_with_stderr_on_a_pty(config_dir, "logs", part_id, "--limit", "0")
    assert len(messages(stdout)) == 3
    assert "fetched 1 entries\u2026" in terminal and terminal.endswith("\r\x1b[K"), repr(terminal)

    stdout, terminal = run_with_stderr_on_a_pty(config_dir, "logs", part_id)
    assert len(messages(stdout)) == 3 and terminal == "", "only for --limit 0"


@pytest.mark.parametrize("how", ["key", "email"])
def test_login_without_a_secret_and_no_input_is_a_usage_error(server, tmp_path, how):
    """No --key (or FLEET_PASSWORD) and stdin already at its end: one error line and exit 2, not a traceback."""
    config = tmp_path / "config"
    env = cli_env(config)
    env.pop("FLEET_PASSWORD", None)
    who = ["--key-id", server.boot.api_key_id] if how == "key" else ["--email", "nobody@example.com"]
    result = subprocess.run(
        [sys.executable, "-m", "client.cli", "login", "--address", server.server.address, *who],
        cwd=ROOT,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        start_new_session=True,  # no controlling terminal: getpass reads stdin
    )
    line = failed(result, code=2)
    assert line.startswith("error: no ") and ("--key" in line if how == "key" else "FLEET_PASSWORD" in line), result.stderr
    assert not (config / "credentials.json").exists()
