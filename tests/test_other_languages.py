"""gRPC clients in other languages, and grpcurl, against a real server.

- Go: `clients/go` (code generated from proto/ by clients/go/generate.sh and
  committed); `go run ./cmd/fleet-demo` runs the whole flow, and the committed
  code must match a fresh generation.
- Node: `clients/node/demo.js` with @grpc/grpc-js, loading proto/ at run time
  with @grpc/proto-loader (`npm ci` first when node_modules is missing/stale).
- grpcurl (pinned, `go install`ed into .cache/bin) through server reflection.

Both demos: authenticate with the bootstrap API key, create a location and a
machine, authenticate as its main part with the part secret, tail the part's
logs while pushing three entries with RobotService.Log, read them back with
GetRobotPartLogs, and print a JSON summary that is checked here.

A test whose tool (go, node, npm) is missing is skipped with the reason, unless
FLEET_REQUIRE_ALL_CLIENTS=1, in which case it fails. Only the test harness is
imported: every call goes through the other-language clients.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from harness import BootstrapResult, ServerProcess, bootstrap

ROOT = Path(__file__).resolve().parent.parent
GO_DIR = ROOT / "clients" / "go"
NODE_DIR = ROOT / "clients" / "node"
CACHE_BIN = ROOT / ".cache" / "bin"
GRPCURL_MODULE = "github.com/fullstorydev/grpcurl"
GRPCURL_VERSION = "v1.9.4"
REQUIRE_ALL = os.environ.get("FLEET_REQUIRE_ALL_CLIENTS", "") not in ("", "0")

# Generous bounds for a cold machine (module downloads and builds); a warm run
# of the whole file takes a few seconds.
GO_RUN_TIMEOUT_S = 300
NPM_CI_TIMEOUT_S = 300
GRPCURL_INSTALL_TIMEOUT_S = 300
DEMO_TIMEOUT_S = 90
GRPCURL_CALL_TIMEOUT_S = 30

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LOCATION_ID_RE = re.compile(r"^[a-z0-9]{10}$")


# --------------------------------------------------------------------------- helpers


def require_tool(name: str, purpose: str = "") -> str:
    """Path of `name`; skips (or fails under FLEET_REQUIRE_ALL_CLIENTS=1) when missing."""
    path = shutil.which(name)
    if path is None:
        message = f"`{name}` is not installed (not on PATH){' ' + purpose if purpose else ''}"
        if REQUIRE_ALL:
            pytest.fail(f"FLEET_REQUIRE_ALL_CLIENTS=1 but {message}")
        pytest.skip(f"{message}; set FLEET_REQUIRE_ALL_CLIENTS=1 to make this a failure")
    return path


def run(
    cmd: list[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None, server: Server | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; on a non-zero exit or a timeout fail with its output (and the server's log tail)."""
    shown = " ".join(cmd)

    def log() -> str:
        return f"\n--- server log (tail) ---\n{server.process.log()[-4000:]}" if server is not None else ""

    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        pytest.fail(f"`{shown}` timed out after {timeout}s\n--- stdout ---\n{out}\n--- stderr ---\n{err}{log()}")
    elapsed = time.monotonic() - started
    print(f"$ {shown}  ({elapsed:.1f}s, exit {proc.returncode})")
    if proc.returncode != 0:
        pytest.fail(
            f"`{shown}` exited {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}{log()}",
            pytrace=False,
        )
    return proc


def parse_json(proc: subprocess.CompletedProcess[str]) -> Any:
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail(f"not JSON ({exc}):\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")


def json_stream(text: str) -> list[Any]:
    """The JSON values in `text`, one after another (grpcurl's streaming output)."""
    decoder = json.JSONDecoder()
    values, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return values
        value, i = decoder.raw_decode(text, i)
        values.append(value)


# --------------------------------------------------------------------------- server


@dataclass(frozen=True)
class Server:
    address: str
    boot: BootstrapResult
    process: ServerProcess


@pytest.fixture(scope="module")
def polyglot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("other-languages") / "data"
    data_dir.mkdir()
    boot = bootstrap(data_dir, "Polyglot Org")
    process = ServerProcess(data_dir).start()
    try:
        yield Server(process.address, boot, process)
    finally:
        process.stop()


def demo_args(polyglot: Server) -> list[str]:
    b = polyglot.boot
    return ["--addr", polyglot.address, "--key-id", b.api_key_id, "--key", b.api_key, "--org-id", b.organization_id]


def check_demo_summary(summary: dict[str, Any], client: str, polyglot: Server) -> None:
    """The JSON printed by clients/go/cmd/fleet-demo and clients/node/demo.js."""
    assert summary["client"] == client
    assert summary["organization_id"] == polyglot.boot.organization_id
    assert "Polyglot Org" in summary["organization_names"]

    assert LOCATION_ID_RE.match(summary["location_id"]), summary["location_id"]
    assert summary["location_name"].startswith(f"{client}-demo-")
    assert UUID_RE.match(summary["robot_id"]), summary["robot_id"]
    assert UUID_RE.match(summary["part_id"]), summary["part_id"]
    assert summary["part_name"] == f"{summary['robot_name']}-main"
    assert summary["part_fqdn"].endswith(f".{summary['location_id']}.fleet.local"), summary["part_fqdn"]
    assert summary["part_secret_length"] > 0
    assert summary["machine_token_ok"] is True

    pushed = summary["pushed"]
    assert len(pushed) == 3 and len(set(pushed)) == 3, pushed
    expected = {
        msg: {
            "message": msg,
            "level": level,
            "logger_name": f"fleet-demo.{client}",
            "host": f"{client}-demo-host",
            "fields": [{"key": "index", "value": i + 1}],
        }
        for i, (msg, level) in enumerate(zip(pushed, ["info", "warn", "error"]))
    }

    # GetRobotPartLogs: a fresh part, so exactly the three entries, newest first.
    read_back = summary["read_back"]
    assert [e["message"] for e in read_back] == list(reversed(pushed)), "GetRobotPartLogs must return newest first"
    for entry in read_back:
        want = expected[entry["message"]]
        got = {k: entry[k] for k in want}
        assert got == want, f"GetRobotPartLogs entry differs from what was pushed:\n{got}\n!=\n{want}"
        assert entry["caller"]["Defined"] is True and isinstance(entry["caller"]["Line"], (int, float)), entry["caller"]
        assert entry["time"], "entry time must be set"
    times = [e["time"] for e in read_back]
    assert len(set(times)) == 3, f"the entries were pushed with distinct times: {times}"

    # TailRobotPartLogs: every pushed entry exactly once, in the order pushed.
    tailed = summary["tailed"]
    assert [e["message"] for e in tailed] == pushed, "the tail must deliver each pushed entry once, in order"
    for entry in tailed:
        want = expected[entry["message"]]
        assert {k: entry[k] for k in want} == want
    assert 1 <= summary["tail_batches"] <= 3


# --------------------------------------------------------------------------- Go


def test_go_generated_code_is_up_to_date(tmp_path: Path) -> None:
    """clients/go/gen is what clients/go/generate.sh produces from proto/ today."""
    require_tool("go", "to regenerate clients/go/gen")
    run(["bash", str(GO_DIR / "generate.sh"), str(tmp_path)], cwd=GO_DIR, timeout=GO_RUN_TIMEOUT_S, env={"PYTHON": sys.executable})
    fresh = {p.relative_to(tmp_path / "gen"): p.read_bytes() for p in (tmp_path / "gen").rglob("*") if p.is_file()}
    committed = {p.relative_to(GO_DIR / "gen"): p.read_bytes() for p in (GO_DIR / "gen").rglob("*") if p.is_file()}
    assert fresh, "generate.sh produced no files"
    assert sorted(map(str, committed)) == sorted(map(str, fresh)), "run clients/go/generate.sh and commit clients/go/gen"
    stale = sorted(str(p) for p in fresh if fresh[p] != committed[p])
    assert not stale, f"clients/go/gen is stale ({stale}): run clients/go/generate.sh and commit the result"


def test_go_client_demo(polyglot: Server) -> None:
    go = require_tool("go")
    proc = run([go, "run", "./cmd/fleet-demo", *demo_args(polyglot)], cwd=GO_DIR, timeout=GO_RUN_TIMEOUT_S, server=polyglot)
    check_demo_summary(parse_json(proc), "go", polyglot)


# --------------------------------------------------------------------------- Node


def test_node_client_demo(polyglot: Server) -> None:
    node = require_tool("node")
    npm = require_tool("npm")
    installed = NODE_DIR / "node_modules" / ".package-lock.json"
    lock = NODE_DIR / "package-lock.json"
    if not installed.exists() or lock.stat().st_mtime > installed.stat().st_mtime:
        run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, timeout=NPM_CI_TIMEOUT_S)
    proc = run([node, "demo.js", *demo_args(polyglot)], cwd=NODE_DIR, timeout=DEMO_TIMEOUT_S, server=polyglot)
    check_demo_summary(parse_json(proc), "node", polyglot)


# --------------------------------------------------------------------------- grpcurl


def _grpcurl_version(go: str, binary: Path) -> str | None:
    out = subprocess.run([go, "version", "-m", str(binary)], capture_output=True, text=True)
    match = re.search(rf"^\s*mod\s+{re.escape(GRPCURL_MODULE)}\s+(\S+)", out.stdout, re.MULTILINE)
    return match.group(1) if match else None


@pytest.fixture(scope="module")
def grpcurl() -> str:
    """The pinned grpcurl in .cache/bin, installed with `go install` when missing."""
    binary = CACHE_BIN / "grpcurl"
    if binary.exists() and shutil.which("go") is None:
        return str(binary)  # installed earlier; without go its version cannot be checked
    go = require_tool("go", f"and {binary.relative_to(ROOT)} is missing: go installs grpcurl {GRPCURL_VERSION}")
    if not binary.exists() or _grpcurl_version(go, binary) != GRPCURL_VERSION:
        CACHE_BIN.mkdir(parents=True, exist_ok=True)
        run(
            [go, "install", f"{GRPCURL_MODULE}/cmd/grpcurl@{GRPCURL_VERSION}"],
            cwd=ROOT,
            timeout=GRPCURL_INSTALL_TIMEOUT_S,
            env={"GOBIN": str(CACHE_BIN)},
        )
    return str(binary)


class Grpcurl:
    def __init__(self, binary: str, server: Server):
        self.binary = binary
        self.server = server
        self.address = server.address

    def args(self, *args: str, token: str | None = None, data: Any = None, max_time: float = 20) -> list[str]:
        cmd = [self.binary, "-plaintext", "-max-time", str(max_time)]
        if token is not None:
            cmd += ["-H", f"authorization: Bearer {token}"]
        if data is not None:
            cmd += ["-d", json.dumps(data)]
        return [*cmd, self.address, *args]

    def text(self, *args: str, **kwargs: Any) -> str:
        return run(self.args(*args, **kwargs), cwd=ROOT, timeout=GRPCURL_CALL_TIMEOUT_S, server=self.server).stdout

    def call(self, method: str, data: Any = None, token: str | None = None) -> Any:
        proc = run(self.args(method, token=token, data=data if data is not None else {}), cwd=ROOT, timeout=GRPCURL_CALL_TIMEOUT_S, server=self.server)
        return parse_json(proc)

    def authenticate(self, entity: str, cred_type: str, payload: str) -> str:
        response = self.call(
            "proto.rpc.v1.AuthService/Authenticate",
            {"entity": entity, "credentials": {"type": cred_type, "payload": payload}},
        )
        # grpcurl >= 1.9 prints proto field names; older versions printed lowerCamelCase.
        token = response.get("access_token") or response.get("accessToken")
        assert token, response
        return token


@pytest.fixture(scope="module")
def gc(grpcurl: str, polyglot: Server) -> Grpcurl:
    return Grpcurl(grpcurl, polyglot)


@pytest.fixture(scope="module")
def api_token(gc: Grpcurl, polyglot: Server) -> str:
    return gc.authenticate(polyglot.boot.api_key_id, "api-key", polyglot.boot.api_key)


def test_grpcurl_lists_services_through_reflection(gc: Grpcurl) -> None:
    services = gc.text("list").split()
    for service in ("viam.app.v1.AppService", "viam.app.v1.RobotService", "proto.rpc.v1.AuthService", "grpc.health.v1.Health"):
        assert service in services, f"{service} missing from `grpcurl list`: {services}"
    methods = gc.text("list", "viam.app.v1.AppService").split()
    for method in ("ListOrganizations", "NewRobot", "GetRobotPartLogs", "TailRobotPartLogs"):
        assert f"viam.app.v1.AppService.{method}" in methods, methods
    assert "viam.app.v1.RobotService.Log" in gc.text("list", "viam.app.v1.RobotService").split()
    assert gc.call("grpc.health.v1.Health/Check") == {"status": "SERVING"}


def test_grpcurl_describes_a_message(gc: Grpcurl) -> None:
    out = gc.text("describe", "viam.app.v1.Robot")
    assert "viam.app.v1.Robot is a message:" in out, out
    for line in (
        "string id = 1;",
        "string name = 2;",
        "string location = 3;",
        ".google.protobuf.Timestamp last_access = 4;",
        ".google.protobuf.Timestamp created_on = 5;",
        ".viam.app.v1.OnlineState online_state = 6;",
        "int64 seconds_since_online = 7;",
    ):
        assert line in out, f"{line!r} missing from `describe viam.app.v1.Robot`:\n{out}"
    service = gc.text("describe", "viam.app.v1.AppService")
    assert "viam.app.v1.AppService is a service:" in service, service
    assert TAIL_RPC in service, service


TAIL_RPC = "rpc TailRobotPartLogs ( .viam.app.v1.TailRobotPartLogsRequest ) returns ( stream .viam.app.v1.TailRobotPartLogsResponse );"


def test_grpcurl_describes_a_method(gc: Grpcurl) -> None:
    proc = subprocess.run(
        gc.args("describe", "viam.app.v1.AppService.TailRobotPartLogs"), capture_output=True, text=True, timeout=GRPCURL_CALL_TIMEOUT_S
    )
    assert proc.returncode == 0, proc.stderr
    assert "viam.app.v1.AppService.TailRobotPartLogs is a method:" in proc.stdout, proc.stdout
    assert TAIL_RPC in proc.stdout, proc.stdout


def test_grpcurl_authenticate_and_list_organizations(gc: Grpcurl, polyglot: Server, api_token: str) -> None:
    assert api_token.count(".") == 2, "the access token is a JWT"
    orgs = gc.call("viam.app.v1.AppService/ListOrganizations", token=api_token)["organizations"]
    assert [(o["id"], o["name"]) for o in orgs] == [(polyglot.boot.organization_id, "Polyglot Org")]

    # Without the header the call is refused.
    proc = subprocess.run(gc.args("viam.app.v1.AppService/ListOrganizations", data={}), capture_output=True, text=True, timeout=GRPCURL_CALL_TIMEOUT_S)
    assert proc.returncode != 0
    assert "Unauthenticated" in proc.stderr, proc.stderr


def test_grpcurl_tail_receives_a_log_pushed_meanwhile(gc: Grpcurl, polyglot: Server, api_token: str) -> None:
    tag = uuid.uuid4().hex[:8]
    location = gc.call(
        "viam.app.v1.AppService/CreateLocation",
        {"organization_id": polyglot.boot.organization_id, "name": f"grpcurl-{tag}"},
        token=api_token,
    )["location"]
    robot_id = gc.call("viam.app.v1.AppService/NewRobot", {"name": f"grpcurl-rover-{tag}", "location": location["id"]}, token=api_token)["id"]
    parts = gc.call("viam.app.v1.AppService/GetRobotParts", {"robot_id": robot_id}, token=api_token)["parts"]
    main = next(p for p in parts if p.get("main_part"))
    machine_token = gc.authenticate(main["id"], "robot-secret", main["secret"])

    tail = subprocess.Popen(
        gc.args("viam.app.v1.AppService/TailRobotPartLogs", token=api_token, data={"id": main["id"], "errors_only": False}, max_time=30),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    chunks: list[str] = []
    lock = threading.Lock()

    def read() -> None:
        assert tail.stdout is not None
        for line in tail.stdout:
            with lock:
                chunks.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def received() -> list[dict[str, Any]]:
        with lock:
            text = "".join(chunks)
        try:
            return [entry for batch in json_stream(text) for entry in batch.get("logs", [])]
        except json.JSONDecodeError:  # a message is still being printed
            return []

    # grpcurl resolves the method through reflection before it sends the request,
    # and the tail only sees entries ingested after it started: push one entry
    # at a time until the tail shows one.
    pushed: list[str] = []
    try:
        deadline = time.monotonic() + 20
        while not received() and time.monotonic() < deadline and tail.poll() is None:
            message = f"grpcurl tail {tag} #{len(pushed) + 1}"
            gc.call(
                "viam.app.v1.RobotService/Log",
                {"id": main["id"], "logs": [{"level": "info", "logger_name": "grpcurl", "host": "grpcurl-host", "message": message}]},
                token=machine_token,
            )
            pushed.append(message)
            wait_until = time.monotonic() + 1.0
            while not received() and time.monotonic() < wait_until and tail.poll() is None:
                time.sleep(0.05)
        entries = received()
    finally:
        if tail.poll() is None:
            tail.terminate()
        tail.wait(timeout=10)
        reader.join(timeout=5)
    stderr = tail.stderr.read() if tail.stderr else ""
    assert entries, f"TailRobotPartLogs (grpcurl) received nothing after {len(pushed)} pushed entries; grpcurl stderr:\n{stderr}"
    messages = [e["message"] for e in entries]
    assert set(messages) <= set(pushed) and len(messages) == len(set(messages)), (messages, pushed)
    assert entries[0]["level"] == "info" and entries[0]["logger_name"] == "grpcurl" and entries[0]["host"] == "grpcurl-host"
    assert entries[0].get("time"), "the server stamps entries without a time"

    page = gc.call("viam.app.v1.AppService/GetRobotPartLogs", {"id": main["id"]}, token=api_token)
    assert [e["message"] for e in page["logs"]] == list(reversed(pushed)), "GetRobotPartLogs returns newest first"
