"""Shared fixtures for the main test suite.

One real server process (bootstrapped data dir) is shared by the whole session;
tests stay isolated by creating a fresh organization each (see `Fleet.new_org`).
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import grpc
import pytest
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2, app_pb2_grpc
from harness import BootstrapResult, ServerProcess, bootstrap, server_env

# The viam-sdk compatibility suite must not share a process with our generated
# descriptors; it is run in a subprocess of its own.
collect_ignore = ["sdk_compat"]

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LOCATION_ID_RE = re.compile(r"^[a-z0-9]{10}$")
CHANNEL_READY_TIMEOUT_S = 15.0

Metadata = list[tuple[str, str]]


# --------------------------------------------------------------------------- names

UNKNOWN_ORG = "00000000-0000-4000-8000-000000000001"
UNKNOWN_LOCATION = "zzzzzzzzz0"
UNKNOWN_ROBOT = "00000000-0000-4000-8000-000000000002"
UNKNOWN_PART = "00000000-0000-4000-8000-000000000003"

BAD_NAMES = [
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("\t \n", id="whitespace"),
    pytest.param("x" * 101, id="101-chars"),
    pytest.param("é" * 101, id="101-multibyte-chars"),
    pytest.param("  " + "y" * 101 + "  ", id="101-after-strip"),
    pytest.param("bad\nname", id="newline"),
    pytest.param("bad\tname", id="tab"),
    pytest.param("bad\x00name", id="nul"),
    pytest.param("bad\x1bname", id="escape"),
    pytest.param("bad\x7fname", id="del"),
    pytest.param("bad\u0085name", id="c1-control"),
    pytest.param("bad\u2028name", id="line-separator"),
    pytest.param("bad\u2029name", id="paragraph-separator"),
]

BAD_NAMESPACES = [
    pytest.param("ab", id="too-short"),
    pytest.param("a" * 64, id="too-long"),
    pytest.param("-abc", id="leading-dash"),
    pytest.param("abc-", id="trailing-dash"),
    pytest.param("Abc", id="uppercase"),
    pytest.param("ab_c", id="underscore"),
    pytest.param("ab c", id="space"),
    pytest.param("ab.c", id="dot"),
    pytest.param("abé", id="non-ascii"),
]


def unique(prefix: str = "t") -> str:
    """A short, valid, unique resource name."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def unique_namespace() -> str:
    return f"ns-{uuid.uuid4().hex[:16]}"


def make_struct(data: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(data)
    return s


# --------------------------------------------------------------------------- auth


def authenticate(channel: grpc.Channel, api_key_id: str, api_key: str) -> str:
    """AuthService.Authenticate with an api-key credential; returns the access token."""
    stub = auth_pb2_grpc.AuthServiceStub(channel)
    response = stub.Authenticate(
        auth_pb2.AuthenticateRequest(
            entity=api_key_id,
            credentials=auth_pb2.Credentials(type="api-key", payload=api_key),
        )
    )
    return response.access_token


def bearer(token: str) -> Metadata:
    return [("authorization", f"Bearer {token}")]


def auth_metadata(channel: grpc.Channel, boot: BootstrapResult) -> Metadata:
    """Authenticate with the bootstrap key and return call metadata."""
    return bearer(authenticate(channel, boot.api_key_id, boot.api_key))


# --------------------------------------------------------------------------- errors


@dataclass
class RpcErrorInfo:
    """Filled in when the `rpc_error` block exits."""

    error: grpc.RpcError | None = None
    status: Any = None  # google.rpc.status_pb2.Status | None
    bad_request: error_details_pb2.BadRequest | None = None

    @property
    def code(self) -> grpc.StatusCode:
        assert self.error is not None
        return self.error.code()

    @property
    def message(self) -> str:
        assert self.error is not None
        return self.error.details() or ""

    @property
    def fields(self) -> list[str]:
        return [v.field for v in self.bad_request.field_violations] if self.bad_request else []


def decode_bad_request(err: grpc.RpcError) -> tuple[Any, error_details_pb2.BadRequest | None]:
    status = rpc_status.from_call(err)
    if status is None:
        return None, None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            br = error_details_pb2.BadRequest()
            detail.Unpack(br)
            return status, br
    return status, None


def check_rpc_error(
    err: BaseException,
    code: grpc.StatusCode | tuple[grpc.StatusCode, ...],
    field: str | None = None,
) -> RpcErrorInfo:
    assert isinstance(err, grpc.RpcError), f"expected grpc.RpcError, got {type(err).__name__}: {err!r}"
    codes = code if isinstance(code, tuple) else (code,)
    info = RpcErrorInfo(error=err)
    assert err.code() in codes, f"expected {[c.name for c in codes]}, got {err.code().name}: {err.details()!r}"
    assert err.code() != grpc.StatusCode.INTERNAL
    if err.code() == grpc.StatusCode.INVALID_ARGUMENT or field is not None:
        info.status, info.bad_request = decode_bad_request(err)
        if err.code() == grpc.StatusCode.INVALID_ARGUMENT:
            assert info.status is not None, f"INVALID_ARGUMENT without grpc-status-details-bin: {err.details()!r}"
            assert info.status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
            assert info.bad_request is not None, f"INVALID_ARGUMENT without google.rpc.BadRequest: {info.status}"
            assert info.bad_request.field_violations, "BadRequest without field_violations"
            if field is not None:
                got = info.bad_request.field_violations[0].field
                assert got == field, f"BadRequest field_violations[0].field: expected {field!r}, got {got!r}"
    return info


@contextlib.contextmanager
def rpc_error(
    code: grpc.StatusCode | tuple[grpc.StatusCode, ...],
    field: str | None = None,
) -> Iterator[RpcErrorInfo]:
    """`with rpc_error(grpc.StatusCode.INVALID_ARGUMENT, field="name") as e: ...`

    Asserts the block raises a grpc.RpcError with that code (one of those codes);
    for INVALID_ARGUMENT also asserts a google.rpc.BadRequest detail whose first
    field violation names `field` (when given).
    """
    info = RpcErrorInfo()
    try:
        yield info
    except grpc.RpcError as err:
        filled = check_rpc_error(err, code, field)
        info.error, info.status, info.bad_request = filled.error, filled.status, filled.bad_request
    else:
        names = [c.name for c in (code if isinstance(code, tuple) else (code,))]
        pytest.fail(f"expected a grpc error {names}, but the call succeeded")


def invalid(field: str):
    return rpc_error(grpc.StatusCode.INVALID_ARGUMENT, field=field)


def denied():
    return rpc_error(grpc.StatusCode.PERMISSION_DENIED)


# --------------------------------------------------------------------------- client


class Fleet:
    """Authenticated AppService client with terse helpers.

    `fleet.call("GetLocation", location_id=x)` builds `GetLocationRequest(...)`
    and calls it with the bearer token.
    """

    def __init__(self, channel: grpc.Channel, metadata: Metadata, boot: BootstrapResult):
        self.channel = channel
        self.app = app_pb2_grpc.AppServiceStub(channel)
        self.md = metadata
        self.boot = boot

    # generic ---------------------------------------------------------------
    def call(self, method: str, request: Any = None, /, metadata: Metadata | None = None, **fields: Any) -> Any:
        if request is None:
            request = getattr(app_pb2, f"{method}Request")(**fields)
        return getattr(self.app, method)(request, metadata=self.md if metadata is None else metadata, timeout=30)

    # organizations ----------------------------------------------------------
    def new_org(self, name: str | None = None) -> app_pb2.Organization:
        return self.call("CreateOrganization", name=name or unique("org")).organization

    def get_org(self, org_id: str) -> app_pb2.Organization:
        return self.call("GetOrganization", organization_id=org_id).organization

    def org_ids(self) -> set[str]:
        return {o.id for o in self.call("ListOrganizations").organizations}

    # locations ----------------------------------------------------------------
    def new_location(self, org_id: str, name: str | None = None, parent: str | None = None) -> app_pb2.Location:
        kwargs: dict[str, Any] = {"organization_id": org_id, "name": name or unique("loc")}
        if parent is not None:
            kwargs["parent_location_id"] = parent
        return self.call("CreateLocation", **kwargs).location

    def get_location(self, location_id: str) -> app_pb2.Location:
        return self.call("GetLocation", location_id=location_id).location

    def locations(self, org_id: str) -> list[app_pb2.Location]:
        return list(self.call("ListLocations", organization_id=org_id).locations)

    # machines -----------------------------------------------------------------
    def new_robot(self, location_id: str, name: str | None = None) -> str:
        return self.call("NewRobot", name=name or unique("robot"), location=location_id).id

    def get_robot(self, robot_id: str) -> app_pb2.Robot:
        return self.call("GetRobot", id=robot_id).robot

    def robots(self, location_id: str) -> list[app_pb2.Robot]:
        return list(self.call("ListRobots", location_id=location_id).robots)

    # parts --------------------------------------------------------------------
    def new_part(self, robot_id: str, name: str | None = None) -> str:
        return self.call("NewRobotPart", robot_id=robot_id, part_name=name or unique("part")).part_id

    def get_part(self, part_id: str) -> app_pb2.RobotPart:
        return self.call("GetRobotPart", id=part_id).part

    def parts(self, robot_id: str) -> list[app_pb2.RobotPart]:
        return list(self.call("GetRobotParts", robot_id=robot_id).parts)

    def main_part(self, robot_id: str) -> app_pb2.RobotPart:
        mains = [p for p in self.parts(robot_id) if p.main_part]
        assert len(mains) == 1, f"expected exactly one main part, got {len(mains)}"
        return mains[0]

    # a whole tree in a fresh org ---------------------------------------------
    def new_tree(self) -> "Tree":
        org = self.new_org()
        loc = self.new_location(org.id)
        robot_name = unique("robot")
        robot_id = self.new_robot(loc.id, robot_name)
        return Tree(org=org, location=loc, robot_id=robot_id, robot_name=robot_name)


@dataclass
class Tree:
    org: app_pb2.Organization
    location: app_pb2.Location
    robot_id: str
    robot_name: str
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class MetadataApi:
    """Get/Update*Metadata for one resource kind."""

    get_method: str
    update_method: str
    id_field: str

    def get(self, fleet: Fleet, resource_id: str) -> dict[str, Any]:
        response = fleet.call(self.get_method, **{self.id_field: resource_id})
        return _struct_to_dict(response.data)

    def update(self, fleet: Fleet, resource_id: str, data: Any = None) -> None:
        kwargs: dict[str, Any] = {self.id_field: resource_id}
        if data is not None:
            kwargs["data"] = data if isinstance(data, struct_pb2.Struct) else make_struct(data)
        fleet.call(self.update_method, **kwargs)


def _struct_to_dict(s: struct_pb2.Struct) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(s)


ORG_METADATA = MetadataApi("GetOrganizationMetadata", "UpdateOrganizationMetadata", "organization_id")
LOCATION_METADATA = MetadataApi("GetLocationMetadata", "UpdateLocationMetadata", "location_id")
ROBOT_METADATA = MetadataApi("GetRobotMetadata", "UpdateRobotMetadata", "id")
PART_METADATA = MetadataApi("GetRobotPartMetadata", "UpdateRobotPartMetadata", "id")

SAMPLE_METADATA = {
    "site": "plant-7",
    "floor": 3,
    "active": True,
    "nothing": None,
    "tags": ["a", "b", 1.5],
    "nested": {"deep": {"x": -2, "s": "é 東京"}},
}


def run_metadata_contract(fleet: Fleet, api: MetadataApi, resource_id: str) -> None:
    """Metadata round trip: empty at first, replace-whole-map, unset clears."""
    assert api.get(fleet, resource_id) == {}
    api.update(fleet, resource_id, SAMPLE_METADATA)
    assert api.get(fleet, resource_id) == SAMPLE_METADATA
    api.update(fleet, resource_id, {"only": "this"})
    assert api.get(fleet, resource_id) == {"only": "this"}, "Update*Metadata must replace the whole map"
    api.update(fleet, resource_id, None)  # data unset -> clear
    assert api.get(fleet, resource_id) == {}
    api.update(fleet, resource_id, {"again": 1})
    api.update(fleet, resource_id, {})
    assert api.get(fleet, resource_id) == {}


def run_metadata_validation(fleet: Fleet, api: MetadataApi, resource_id: str) -> None:
    """NaN / Infinity / > 64 KiB -> INVALID_ARGUMENT "data", and nothing is written."""
    api.update(fleet, resource_id, {"keep": "me"})
    bad_values = [
        {"x": float("nan")},
        {"x": float("inf")},
        {"nested": {"y": [1, float("-inf")]}},
        {"big": "x" * (65 * 1024)},
        {"huge": "x" * (1024 * 1024)},
        {f"k{i}": "v" * 1000 for i in range(80)},
    ]
    for bad in bad_values:
        with invalid("data"):
            api.update(fleet, resource_id, bad)
        assert api.get(fleet, resource_id) == {"keep": "me"}
    # comfortably under the limit is fine
    api.update(fleet, resource_id, {"big": "x" * (60 * 1024)})
    assert api.get(fleet, resource_id) == {"big": "x" * (60 * 1024)}


def run_metadata_id_errors(fleet: Fleet, api: MetadataApi, unknown_id: str) -> None:
    with invalid(api.id_field):
        fleet.call(api.get_method, **{api.id_field: ""})
    with invalid(api.id_field):
        fleet.call(api.update_method, **{api.id_field: "", "data": make_struct({"a": 1})})
    with denied():
        fleet.call(api.get_method, **{api.id_field: unknown_id})
    with denied():
        fleet.call(api.update_method, **{api.id_field: unknown_id, "data": make_struct({"a": 1})})


# --------------------------------------------------------------------------- fixtures


@dataclass
class RunningServer:
    server: ServerProcess
    boot: BootstrapResult
    data_dir: Path


def start_bootstrapped_server(data_dir: Path, org_name: str = "First Org") -> RunningServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    boot = bootstrap(data_dir, org_name)
    server = ServerProcess(data_dir).start()
    return RunningServer(server=server, boot=boot, data_dir=data_dir)


def open_channel(address: str) -> grpc.Channel:
    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=CHANNEL_READY_TIMEOUT_S)
    return channel


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_bootstrapped_server(tmp_path_factory.mktemp("fleet") / "data")
    try:
        yield running
    finally:
        running.server.stop()


@pytest.fixture(scope="session")
def boot(server: RunningServer) -> BootstrapResult:
    return server.boot


@pytest.fixture(scope="session")
def channel(server: RunningServer) -> Iterator[grpc.Channel]:
    ch = open_channel(server.server.address)
    try:
        yield ch
    finally:
        ch.close()


@pytest.fixture(scope="session")
def app(channel: grpc.Channel) -> app_pb2_grpc.AppServiceStub:
    return app_pb2_grpc.AppServiceStub(channel)


@pytest.fixture(scope="session")
def auth(channel: grpc.Channel) -> auth_pb2_grpc.AuthServiceStub:
    return auth_pb2_grpc.AuthServiceStub(channel)


@pytest.fixture(scope="session")
def token(channel: grpc.Channel, boot: BootstrapResult) -> str:
    return authenticate(channel, boot.api_key_id, boot.api_key)


@pytest.fixture(scope="session")
def md(token: str) -> Metadata:
    """Call metadata carrying the bootstrap key's bearer token."""
    return bearer(token)


@pytest.fixture(scope="session")
def fleet(channel: grpc.Channel, md: Metadata, boot: BootstrapResult) -> Fleet:
    return Fleet(channel, md, boot)


@pytest.fixture
def org(fleet: Fleet) -> app_pb2.Organization:
    """A fresh organization owned by the bootstrap key."""
    return fleet.new_org()


@pytest.fixture
def tree(fleet: Fleet) -> Tree:
    """A fresh org with one location holding one machine (with its main part)."""
    return fleet.new_tree()


@pytest.fixture(scope="session")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Ids of resources that exist on ANOTHER server (own data dir and bootstrap).

    On the main server they are well-formed but unknown ids.
    """
    running = start_bootstrapped_server(tmp_path_factory.mktemp("foreign") / "data", "Foreign Org")
    try:
        ch = open_channel(running.server.address)
        try:
            other = Fleet(ch, auth_metadata(ch, running.boot), running.boot)
            tree = other.new_tree()
            part_id = other.new_part(tree.robot_id)
            ids = {
                "org_id": tree.org.id,
                "bootstrap_org_id": running.boot.organization_id,
                "location_id": tree.location.id,
                "robot_id": tree.robot_id,
                "main_part_id": other.main_part(tree.robot_id).id,
                "part_id": part_id,
                "token": other.md[0][1].removeprefix("Bearer "),
                "api_key_id": running.boot.api_key_id,
                "api_key": running.boot.api_key,
            }
        finally:
            ch.close()
    finally:
        running.server.stop()
    yield ids

Caller = Callable[..., Any]


def run_concurrently(fn: Callable[[], Any], n: int = 8) -> tuple[list[Any], list[grpc.RpcError]]:
    """Start `n` calls of `fn` at once; returns (results, rpc errors)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(n)

    def one() -> Any:
        barrier.wait()
        return fn()

    results: list[Any] = []
    errors: list[grpc.RpcError] = []
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(one) for _ in range(n)]
        for future in futures:
            try:
                results.append(future.result())
            except grpc.RpcError as err:
                errors.append(err)
    return results, errors


# --------------------------------------------------------------------------- users (password credentials)

TEST_USER_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class UserAccount:
    id: str
    email: str
    password: str


def add_user(server: RunningServer, email: str | None = None, owner_of: str | None = None,
             password: str = TEST_USER_PASSWORD) -> UserAccount:
    """`python -m server user-add` against the running server's data dir; returns the new user."""
    import subprocess
    import sys

    from harness import ROOT

    email = email or f"user-{uuid.uuid4().hex[:12]}@example.com"
    command = [sys.executable, "-m", "server", "user-add", "--data-dir", str(server.data_dir), "--email", email]
    if owner_of is not None:
        command += ["--owner-of", owner_of]
    out = subprocess.run(
        command, cwd=ROOT, env=server_env(server.data_dir, {"FLEET_USER_PASSWORD": password}), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, f"user-add failed ({out.returncode}): {out.stderr}"
    return UserAccount(id=out.stdout.strip().splitlines()[-1], email=email, password=password)


def authenticate_user(channel: grpc.Channel, email: str, password: str = TEST_USER_PASSWORD) -> Metadata:
    """AuthService.Authenticate with a password credential; returns call metadata with the bearer token."""
    stub = auth_pb2_grpc.AuthServiceStub(channel)
    response = stub.Authenticate(
        auth_pb2.AuthenticateRequest(entity=email, credentials=auth_pb2.Credentials(type="password", payload=password)),
        timeout=30,
    )
    return bearer(response.access_token)


def new_user_session(server: RunningServer, channel: grpc.Channel, owner_of: str | None = None,
                     email: str | None = None) -> tuple[UserAccount, Metadata]:
    """A fresh user (optionally an owner of `owner_of`), authenticated with its password."""
    user = add_user(server, email=email, owner_of=owner_of)
    return user, authenticate_user(channel, user.email, user.password)


# --------------------------------------------------------------------------- API keys and roles


def role(org_id: str, role_name: str, resource_type: str, resource_id: str, identity_id: str = "",
         identity_type: str = "") -> app_pb2.Authorization:
    """A wire Authorization as the Viam SDK builds it: authorization_type "role", id "<type>_<role>"."""
    return app_pb2.Authorization(
        authorization_type="role",
        authorization_id=f"{resource_type}_{role_name}",
        resource_type=resource_type,
        resource_id=resource_id,
        identity_id=identity_id,
        identity_type=identity_type,
        organization_id=org_id,
    )


@dataclass(frozen=True)
class KeySession:
    id: str
    key: str
    fleet: Fleet  # calls made with this key's token


def new_key(fleet: Fleet, authorizations: list[app_pb2.Authorization], name: str = "") -> KeySession:
    """CreateKey as `fleet`'s caller, then authenticate with the new key."""
    created = fleet.call("CreateKey", authorizations=authorizations, name=name)
    md = bearer(authenticate(fleet.channel, created.id, created.key))
    return KeySession(id=created.id, key=created.key, fleet=Fleet(fleet.channel, md, fleet.boot))
