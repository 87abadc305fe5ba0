"""Bad input: random requests to every RPC (issue 7).

Hypothesis strategies are built from the protobuf descriptors, so every method
of AppService, RobotService and AuthService is covered without a hand list.
String fields are biased toward real ids of this test's own organization and
of a foreign organization on the same server, so calls reach domain code.

Per call: the status is never INTERNAL, UNKNOWN or DATA_LOSS; INVALID_ARGUMENT
names a field; an OK response carries no id of the foreign organization's
resources and none of its names, secrets or log text. After the run the server
is healthy and the foreign organization is intact.

The fuzz runs against a server of its own: destructive RPCs wreck state, so
they run last and the home resources are rebuilt after each that succeeds.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import grpc
import pytest
from google.protobuf import message_factory, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from conftest import (
    UNKNOWN_LOCATION,
    UNKNOWN_ORG,
    UNKNOWN_PART,
    Fleet,
    RunningServer,
    add_user,
    auth_metadata,
    authenticate,
    authenticate_user,
    bearer,
    check_rpc_error,
    invalid,
    make_struct,
    open_channel,
    role,
    rpc_error,
    start_bootstrapped_server,
)
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2, robot_pb2, robot_pb2_grpc
from generated.viam.common.v1 import common_pb2

# --------------------------------------------------------------------------- budget

# CI runs a fixed, bounded sample. For a deeper local hunt: FUZZ_EXAMPLES=300 FUZZ_RANDOM=1.
EXAMPLES_PER_METHOD = int(os.environ.get("FUZZ_EXAMPLES", "30"))
MACHINE_EXAMPLES_PER_METHOD = max(1, EXAMPLES_PER_METHOD // 5)
UNARY_TIMEOUT_S = 30.0  # a hung server fails the test instead of the whole run
TAIL_TIMEOUT_S = 0.3  # tails never end by themselves: the client deadline ends them

# Hypothesis caches (constants, unicode data) go to the temp dir, not a .hypothesis dir in the repo.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "fleet-server-hypothesis"))
FUZZ_SETTINGS = dict(
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),  # reproducible in CI
    database=None,  # no .hypothesis directory in the repository
    suppress_health_check=list(HealthCheck),
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)

# --------------------------------------------------------------------------- the methods, from the descriptors

SERVICES = [
    app_pb2.DESCRIPTOR.services_by_name["AppService"],
    robot_pb2.DESCRIPTOR.services_by_name["RobotService"],
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
]
ALL_METHODS: list[MethodDescriptor] = [m for service in SERVICES for m in service.methods]
DESTRUCTIVE_PREFIXES = ("Delete", "Remove", "Rotate", "Unshare", "Change")


def is_destructive(method: MethodDescriptor) -> bool:
    return method.name.startswith(DESTRUCTIVE_PREFIXES)


def path_of(method: MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


def _method_id(method: MethodDescriptor) -> str:
    return f"{method.containing_service.name}.{method.name}"


# DeleteOrganization last: it takes everything else with it.
OWNER_METHODS = [m for m in ALL_METHODS if m.containing_service.name != "AuthService" and not is_destructive(m)]
DESTRUCTIVE_METHODS = sorted(
    (m for m in ALL_METHODS if is_destructive(m)), key=lambda m: (m.name == "DeleteOrganization", m.name)
)
MACHINE_METHODS = [
    m
    for m in ALL_METHODS
    if m.containing_service.name == "RobotService" or (m.containing_service.name == "AppService" and m.name.startswith(("Get", "List", "Tail")))
]
AUTH_METHODS = [m for m in ALL_METHODS if m.containing_service.name == "AuthService"]

# --------------------------------------------------------------------------- the world the fuzzer aims at

MARKER = "zqxforeign"  # in every name, config, metadata and log text of the foreign organization
BAD_CODES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS}


def marked(kind: str) -> str:
    return f"{MARKER}-{kind}-{uuid.uuid4().hex[:8]}"


@dataclass
class Side:
    """The ids of one organization's resources, by role."""

    ids: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # secret values (never in an id field)
    owner_key: str = ""
    main_part_secret: str = ""


def _build_side(fleet: Fleet, label: Callable[[str], str], marker_data: dict[str, Any] | None = None) -> Side:
    """An organization with a location tree, a machine with two parts, a fragment, two keys and secrets."""
    side = Side()
    ids = side.ids
    org = fleet.new_org(label("org"))
    ids["org"] = org.id
    location = fleet.new_location(org.id, label("loc"))
    ids["location"] = location.id
    ids["sublocation"] = fleet.new_location(org.id, label("subloc"), parent=location.id).id
    ids["robot"] = fleet.new_robot(location.id, label("robot"))
    ids["extra_part"] = fleet.new_part(ids["robot"], label("part"))
    main = fleet.main_part(ids["robot"])
    ids["main_part"] = main.id
    ids["part_secret"] = main.secrets[0].id
    side.secrets.append(main.secret)
    config = {"components": [{"name": label("comp"), "type": "sensor", "model": "fake"}]}
    ids["fragment"] = fleet.call(
        "CreateFragment", organization_id=org.id, name=label("frag"), config=make_struct(config)
    ).fragment.id
    fleet.call(
        "UpdateRobotPart", id=main.id, name=main.name, robot_config=make_struct({**config, "fragments": [ids["fragment"]]})
    )
    auth = fleet.call("CreateLocationSecret", location_id=location.id).auth
    ids["location_secret"] = auth.secrets[0].id
    side.secrets += [s.secret for s in auth.secrets]
    owner_key = fleet.call("CreateKey", authorizations=[role(org.id, "owner", "organization", org.id)], name=label("key"))
    ids["owner_key"] = owner_key.id
    side.secrets.append(owner_key.key)
    spare_key = fleet.call("CreateKey", authorizations=[role(org.id, "operator", "location", location.id)], name=label("key"))
    ids["spare_key"] = spare_key.id
    side.secrets.append(spare_key.key)
    if marker_data is not None:
        for method, id_field, role_name in [
            ("UpdateOrganizationMetadata", "organization_id", "org"),
            ("UpdateLocationMetadata", "location_id", "location"),
            ("UpdateRobotMetadata", "id", "robot"),
            ("UpdateRobotPartMetadata", "id", "main_part"),
        ]:
            fleet.call(method, **{id_field: ids[role_name], "data": make_struct(marker_data)})
    side.owner_key, side.main_part_secret = owner_key.key, main.secret
    return side


def machine_metadata(channel: grpc.Channel, part_id: str, secret: str) -> list[tuple[str, str]]:
    request = auth_pb2.AuthenticateRequest(entity=part_id, credentials=auth_pb2.Credentials(type="robot-secret", payload=secret))
    return bearer(auth_pb2_grpc.AuthServiceStub(channel).Authenticate(request, timeout=30).access_token)


class World:
    """The home organization (fuzzed with its owner key's token) and the foreign one (never to be seen)."""

    def __init__(self, running: RunningServer, channel: grpc.Channel):
        self.running = running
        self.channel = channel
        self.admin = Fleet(channel, auth_metadata(channel, running.boot), running.boot)  # rebuilds home
        self.foreign_user = add_user(running)
        self.foreign_fleet = Fleet(channel, authenticate_user(channel, self.foreign_user.email), running.boot)
        self.foreign = _build_side(self.foreign_fleet, marked, {"secret": marked("meta")})
        foreign_machine = machine_metadata(channel, self.foreign.ids["main_part"], self.foreign.main_part_secret)
        log_request = robot_pb2.LogRequest(
            id=self.foreign.ids["main_part"], logs=[common_pb2.LogEntry(level="error", message=marked("log"), logger_name="fuzz")]
        )
        channel.unary_unary("/viam.app.v1.RobotService/Log")(log_request.SerializeToString(), metadata=foreign_machine, timeout=30)
        self.home = Side()
        self.owner_md: list[tuple[str, str]] = []
        self.machine_md: list[tuple[str, str]] = []
        self.dirty = True
        self.rebuilds = 0
        self.codes: Counter[str] = Counter()
        self.codes_by_method: dict[str, Counter[str]] = {}
        self.calls = 0

    # home state ---------------------------------------------------------------
    def ensure_home(self) -> None:
        """After a destructive call succeeded, start again from a fresh home organization."""
        if not self.dirty:
            return
        self.home = _build_side(self.admin, lambda kind: f"home-{kind}-{uuid.uuid4().hex[:8]}")
        self.owner_md = bearer(authenticate(self.channel, self.home.ids["owner_key"], self.home.owner_key))
        self.machine_md = machine_metadata(self.channel, self.home.ids["main_part"], self.home.main_part_secret)
        self.dirty = False
        self.rebuilds += 1

    # what the fuzzer draws from ---------------------------------------------
    def id_for(self, role_name: str) -> str:
        side, _, name = role_name.partition(".")
        if side == "fixed":
            return name
        return (self.home if side == "home" else self.foreign).ids[name]

    def foreign_leak_needles(self) -> list[str]:
        """What an OK response to the home owner must never contain.

        Not the foreign fragment id: part configs may name any fragment id and
        echo it back (fragments.py docstring); its name and config are marked.
        Not the foreign user's id: users are global (GetUserIDByEmail).
        """
        ids = [v for k, v in self.foreign.ids.items() if k != "fragment"]
        return ids + self.foreign.secrets + [MARKER]


RESOURCE_ROLES = [
    "org", "location", "sublocation", "robot", "main_part", "extra_part", "fragment",
    "owner_key", "spare_key", "location_secret", "part_secret",
]
ROLE_NAMES = [f"{side}.{name}" for side in ("home", "foreign") for name in RESOURCE_ROLES] + [
    f"fixed.{value}" for value in (UNKNOWN_ORG, UNKNOWN_LOCATION, UNKNOWN_PART)
]
# Which resource an id field most likely names, from words in its name (or its message's name):
# first match wins, so "RobotPart" is a part and "LocationSecret" a secret.
ROLE_HINTS = [
    ("secret", ["location_secret", "part_secret"]),
    ("fragment", ["fragment"]),
    ("part", ["main_part", "extra_part"]),
    ("key", ["owner_key", "spare_key"]),
    ("robot", ["robot"]),
    ("machine", ["robot"]),
    ("location", ["location", "sublocation"]),
    ("org", ["org"]),
]


def hinted_roles(field_name: str, descriptor: Descriptor) -> list[str]:
    """Resource roles an id field probably wants; RobotService requests name the calling part."""
    if descriptor.file.name.endswith("robot.proto") and field_name == "id":
        return ["main_part", "extra_part"]
    names = [field_name.lower()]
    if field_name in ("id", "ids", "entity", "resource_id", "resource_ids"):
        names.append(descriptor.name.lower())
    for name in names:
        for word, roles in ROLE_HINTS:
            if word in name:
                return roles
    return RESOURCE_ROLES


# --------------------------------------------------------------------------- strategies from descriptors

WORDS = [
    "owner", "operator", "organization", "location", "robot", "robot_part", "role", "api-key", "user",
    "robot-secret", "password", "location-secret", "organization_owner", "organization_operator",
    "location_owner", "location_operator", "robot_owner", "robot_operator", "read_organization",
    "read_robot", "update_robot_config", "manage_keys", "info", "debug", "warn", "warning", "error",
    "Error", "stable", "latest", "1", "2", "0", "-1", "99999999999999999999", "private", "public",
    "unlisted", "1h", "30s", "0ms", "-5m", "10d", "99999999999999999999d", "abc-namespace", "us-east-1",
    "a", "b", "9223372036854775808", "²", "٣", " 1 ",
]
LONG_STRINGS = ["x" * 101, "é" * 101, "  " + "y" * 101 + "  ", "k" * 5000, "m" * (70 * 1024)]
ODD_CHARS = st.sampled_from(list("aZ09-_ .\x00\n\t\x7f\u0085\u200bé東\U0001f600\\\"'{}[]%*²٣"))
GENERIC_TEXT = st.one_of(
    st.just(""),
    st.text(max_size=12),
    st.text(alphabet=ODD_CHARS, max_size=24),
    st.sampled_from(LONG_STRINGS),
)
EMAILS = st.sampled_from(["ann@example.com", "nobody@example.com", "", "not-an-email", "UPPER@EXAMPLE.COM", "a@b"])
INT_EDGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1), FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1), FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1), FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1), FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1), FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
MAX_DEPTH = 3
# Messages the server keeps verbatim and echoes back, like part configs, which may name any
# fragment id (organization default_fragments): their ids are drawn like config ids.
STORED_AS_GIVEN = {"viam.app.v1.FragmentImport"}


def is_id_field(name: str) -> bool:
    return name in ("id", "ids", "location", "entity", "robot", "part") or name.endswith(("_id", "_ids"))


class Strategies:
    """Hypothesis strategies for any message, drawing ids from the world at draw time."""

    def __init__(self, world: World):
        self.world = world
        self._cache: dict[tuple[str, int], st.SearchStrategy[Any]] = {}
        any_role = st.sampled_from(ROLE_NAMES)
        home_role = st.sampled_from([r for r in ROLE_NAMES if not r.startswith("foreign.")])
        self.real_id = any_role.map(world.id_for)
        self.home_id = home_role.map(world.id_for)
        words = self.words = st.sampled_from(WORDS)
        self.user_id = st.one_of(st.just(world.foreign_user.id), words, GENERIC_TEXT)
        # Foreign ids go in id fields only (see id_text): free text may be stored and echoed back.
        self.free_text = weighted([(2, words), (1, self.home_id), (3, GENERIC_TEXT)])
        self.emails = st.one_of(EMAILS, st.just(world.foreign_user.email), GENERIC_TEXT)
        self.json_value = st.recursive(
            st.none() | st.booleans() | st.floats() | st.integers(-(2**60), 2**60) | self.free_text,
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(self.free_text, inner, max_size=3),
            max_leaves=8,
        )
        # Configs are stored and echoed as given: only home ids and the (exempt) foreign fragment id.
        config_id = self.config_id = st.one_of(self.home_id, st.just("foreign.fragment").map(world.id_for))
        fragment_ref = st.one_of(
            config_id,
            st.fixed_dictionaries({"id": config_id}, optional={"version": st.one_of(words, GENERIC_TEXT)}),
            self.json_value,
        )
        self.config_dict = st.fixed_dictionaries(
            {},
            optional={
                "components": st.lists(st.fixed_dictionaries({"name": self.free_text, "type": self.free_text}), max_size=2),
                "fragments": st.one_of(st.lists(fragment_ref, max_size=3), self.json_value),
                "fragment_imports": st.lists(st.fixed_dictionaries({"fragment_id": config_id}), max_size=2),
                "cloud": self.json_value,
            },
        )
        self.struct_dict = st.one_of(st.dictionaries(self.free_text, self.json_value, max_size=4), self.config_dict)
        self.config_json_text = st.one_of(
            self.config_dict.map(json.dumps), self.free_text, st.sampled_from(["[]", "{", '{"n": 1' + "0" * 400 + "}"])
        )
        # Page tokens are base64url JSON of a few numbers: forge some with odd values.
        token_value = st.one_of(
            st.integers(-(2**70), 2**70), st.floats(), st.booleans(), st.text(max_size=3), st.none(), st.lists(st.integers(), max_size=2)
        )
        forged = st.dictionaries(st.sampled_from(["t", "i", "a", "r"]), token_value, max_size=4).map(
            lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        )
        self.page_token = st.one_of(forged, forged, self.free_text)

    def id_text(self, field_name: str, descriptor: Descriptor) -> st.SearchStrategy[str]:
        """Mostly an id of the kind the field names, of the home organization; some foreign, some junk."""
        roles = hinted_roles(field_name, descriptor)
        home = st.sampled_from([f"home.{r}" for r in roles]).map(self.world.id_for)
        foreign = st.sampled_from([f"foreign.{r}" for r in roles]).map(self.world.id_for)
        return weighted([(6, home), (2, foreign), (1, self.real_id), (1, self.words), (2, GENERIC_TEXT)])

    # messages that random fields almost never get past validation ----------------
    def _authorization(self) -> st.SearchStrategy[dict[str, Any]]:
        """A role as the SDK sends it: "role", "<resource type>_<role>", on a real resource."""
        resource = st.sampled_from([("organization", "org"), ("location", "location"), ("location", "sublocation"), ("robot", "robot")])
        side = st.sampled_from(["home", "home", "home", "foreign"])
        identity = st.one_of(
            st.tuples(st.sampled_from(["home.owner_key", "home.spare_key", "foreign.owner_key"]).map(self.world.id_for), st.sampled_from(["api-key", ""])),
            st.tuples(st.just(self.world.foreign_user.id), st.sampled_from(["user", ""])),
            st.tuples(st.just(""), st.just("")),
        )

        def build(resource_side: tuple[tuple[str, str], str], role_name: str, who: tuple[str, str], org_side: str) -> dict[str, Any]:
            (resource_type, role_key), resource_owner = resource_side
            return {
                "authorization_type": "role",
                "authorization_id": f"{resource_type}_{role_name}",
                "resource_type": resource_type,
                "resource_id": self.world.id_for(f"{resource_owner}.{role_key}"),
                "identity_id": who[0],
                "identity_type": who[1],
                "organization_id": self.world.id_for(f"{org_side}.org"),
            }

        return st.builds(build, st.tuples(resource, side), st.sampled_from(["owner", "operator"]), identity, side)

    def _credentials(self) -> st.SearchStrategy[dict[str, Any]]:
        kinds = st.sampled_from(["api-key", "robot-secret", "location-secret", "password", ""])
        payload = st.one_of(st.sampled_from(range(8)).map(lambda i: self.world.home.secrets[i % len(self.world.home.secrets)]), GENERIC_TEXT)
        return st.fixed_dictionaries({"type": kinds, "payload": payload})

    @property
    def _plausible(self) -> dict[str, Callable[[], st.SearchStrategy[dict[str, Any]]]]:
        return {"viam.app.v1.Authorization": self._authorization, "proto.rpc.v1.Credentials": self._credentials}

    # messages -----------------------------------------------------------------
    def message(self, descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Any]:
        key = (descriptor.full_name, depth)
        if key not in self._cache:
            self._cache[key] = self._build_message(descriptor, depth)
        return self._cache[key]

    def _build_message(self, descriptor: Descriptor, depth: int) -> st.SearchStrategy[Any]:
        cls = message_factory.GetMessageClass(descriptor)
        special = self._well_known(descriptor, cls)
        if special is not None:
            return special
        if depth >= MAX_DEPTH:
            return st.builds(cls)
        if descriptor.full_name in self._plausible:
            plausible = self._plausible[descriptor.full_name]().map(lambda values: _fill(cls(), descriptor, values))
            return weighted([(1, self._generic_message(descriptor, cls, depth)), (2, plausible)])
        return self._generic_message(descriptor, cls, depth)

    def _generic_message(self, descriptor: Descriptor, cls: type, depth: int) -> st.SearchStrategy[Any]:
        # A request always names its resources (possibly with junk): most calls then get past the
        # permission check into the domain code. Everything else is present or not.
        required = {
            f.name: self._field(f, depth)
            for f in descriptor.fields
            if depth == 0 and f.type == FieldDescriptor.TYPE_STRING and not f.is_repeated and is_id_field(f.name)
        }
        optional = {f.name: self._field(f, depth) for f in descriptor.fields if f.name not in required}
        return st.fixed_dictionaries(required, optional=optional).map(lambda values: _fill(cls(), descriptor, values))

    def _well_known(self, descriptor: Descriptor, cls: type) -> st.SearchStrategy[Any] | None:
        name = descriptor.full_name
        if name == "google.protobuf.Struct":
            return self.struct_dict.map(_struct_of(cls))
        if name == "google.protobuf.Value":
            return self.json_value.map(lambda v: make_struct({"v": v}).fields["v"])
        if name == "google.protobuf.ListValue":
            return st.lists(self.json_value, max_size=3).map(lambda items: _list_value(cls, items))
        if name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
            seconds = st.one_of(
                st.integers(0, 4_000_000_000),  # 1970 .. 2096
                st.sampled_from([-62135596800, -62135596801, 253402300799, 253402300800, -1, 2**62, -(2**62), 2**63 - 1, -(2**63)]),
            )
            nanos = st.one_of(st.just(0), st.integers(0, 999_999_999), st.sampled_from([-1, 10**9, 2**31 - 1, -(2**31)]))
            return st.builds(cls, seconds=seconds, nanos=nanos)
        if name == "google.protobuf.FieldMask":
            return st.lists(st.one_of(st.sampled_from(["name", "id", "a.b", ""]), GENERIC_TEXT), max_size=3).map(lambda p: cls(paths=p))
        return None

    def _field(self, f: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            key_field, value_field = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            return st.dictionaries(self._single(key_field, depth + 1), self._single(value_field, depth + 1), max_size=3)
        single = self._single(f, depth)
        if f.is_repeated:
            return st.lists(single, max_size=3)
        return single

    def _single(self, f: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
        if f.message_type is not None:
            return self.message(f.message_type, depth + 1)
        if f.type == FieldDescriptor.TYPE_STRING:
            if f.name.endswith("_config_json"):
                return self.config_json_text
            if "email" in f.name:
                return self.emails
            if f.name == "page_token":
                return self.page_token
            if "user_id" in f.name:
                return self.user_id
            if f.containing_type.full_name in STORED_AS_GIVEN:
                return self.config_id if is_id_field(f.name) else self.free_text
            return self.id_text(f.name, f.containing_type) if is_id_field(f.name) else self.free_text
        if f.type == FieldDescriptor.TYPE_BYTES:
            return st.binary(max_size=64)
        if f.type == FieldDescriptor.TYPE_BOOL:
            return st.booleans()
        if f.type == FieldDescriptor.TYPE_ENUM:
            known = [v.number for v in f.enum_type.values]
            return st.sampled_from(known + [max(known) + 1, 99, -1])  # open enums keep unknown numbers
        if f.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            return st.floats(width=64 if f.type == FieldDescriptor.TYPE_DOUBLE else 32)
        low, high = INT_EDGES[f.type]
        return st.one_of(st.integers(-5, 1001).filter(lambda n: low <= n <= high), st.sampled_from([low, high, -1 if low < 0 else 0]), st.integers(low, high))


def weighted(choices: list[tuple[int, st.SearchStrategy[Any]]]) -> st.SearchStrategy[Any]:
    """one_of with weights (Hypothesis picks one_of branches evenly)."""
    indices = [i for i, (weight, _) in enumerate(choices) for _ in range(weight)]
    return st.sampled_from(indices).flatmap(lambda i: choices[i][1])


def _struct_of(cls: type) -> Callable[[dict[str, Any]], Any]:
    def build(data: dict[str, Any]) -> Any:
        message = cls()
        message.update(data)
        return message

    return build


def _list_value(cls: type, items: list[Any]) -> Any:
    message = cls()
    message.extend(items)
    return message


def _fill(message: Any, descriptor: Descriptor, values: dict[str, Any]) -> Any:
    for name, value in values.items():
        f = descriptor.fields_by_name[name]
        target = getattr(message, name)
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            value_is_message = f.message_type.fields_by_name["value"].message_type is not None
            for key, item in value.items():
                if value_is_message:
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif f.is_repeated:
            if f.message_type is not None:
                for item in value:
                    target.add().CopyFrom(item)
            else:
                target.extend(value)
        elif f.message_type is not None:
            target.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


# --------------------------------------------------------------------------- calling and checking


@dataclass
class Outcome:
    code: grpc.StatusCode
    responses: list[bytes]
    error: grpc.RpcError | None = None


def invoke(channel: grpc.Channel, method: MethodDescriptor, request: bytes, metadata: list[tuple[str, str]]) -> Outcome:
    """One call with serialized bytes in and out (no serializers)."""
    try:
        if method.server_streaming:
            stream = channel.unary_stream(path_of(method))(request, metadata=metadata, timeout=TAIL_TIMEOUT_S)
            responses: list[bytes] = []
            try:
                for response in stream:
                    responses.append(response)
            except grpc.RpcError as error:
                if error.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
                    return Outcome(grpc.StatusCode.OK, responses)  # the client ended the tail
                raise
            return Outcome(grpc.StatusCode.OK, responses)
        response = channel.unary_unary(path_of(method))(request, metadata=metadata, timeout=UNARY_TIMEOUT_S)
        return Outcome(grpc.StatusCode.OK, [response])
    except grpc.RpcError as error:
        return Outcome(error.code(), [], error)


# Entries that report a requested id back with an error ("no fragment 'X'"): an echo of the
# request, not data of the organization X belongs to.
ECHOED_ERRORS = {"viam.app.v1.ResolvedFragment": ("fragment_id", "error")}


def _without_echoed_errors(method: MethodDescriptor, response: bytes, request: bytes) -> bytes:
    message = message_factory.GetMessageClass(method.output_type).FromString(response)
    _drop_echoed_errors(message, request)
    return message.SerializeToString()


def _drop_echoed_errors(message: Any, request: bytes) -> None:
    for f, value in message.ListFields():
        if f.message_type is None:
            continue
        items = list(value) if f.is_repeated else [value]
        if f.message_type.full_name in ECHOED_ERRORS and f.is_repeated:
            id_field, error_field = ECHOED_ERRORS[f.message_type.full_name]
            kept = [i for i in items if not (i.HasField(error_field) and getattr(i, id_field).encode() in request)]
            del value[:]
            value.extend(kept)
            items = kept
        for item in items:
            if not (f.message_type.GetOptions().map_entry):
                _drop_echoed_errors(item, request)


def check_outcome(world: World, method: MethodDescriptor, request: Any, outcome: Outcome) -> None:
    world.calls += 1
    world.codes[outcome.code.name] += 1
    world.codes_by_method.setdefault(_method_id(method), Counter())[outcome.code.name] += 1
    where = f"{_method_id(method)}({request!r:.2000})"
    if outcome.code in BAD_CODES:
        details = outcome.error.details() if outcome.error else ""
        pytest.fail(f"{where} -> {outcome.code.name}: {details}\nserver log:\n{world.running.server.log()[-6000:]}")
    if outcome.code == grpc.StatusCode.INVALID_ARGUMENT:
        assert outcome.error is not None
        check_rpc_error(outcome.error, grpc.StatusCode.INVALID_ARGUMENT)  # names the field
    if outcome.code == grpc.StatusCode.OK:
        body = b"".join(_without_echoed_errors(method, response, request.SerializeToString()) for response in outcome.responses)
        leaked = [needle for needle in world.foreign_leak_needles() if needle.encode() in body]
        assert not leaked, f"{where} -> OK with foreign data {leaked}: {body[:2000]!r}"


def fuzz_method(world: World, method: MethodDescriptor, metadata: Callable[[], list[tuple[str, str]]], examples: int) -> None:
    strategies = Strategies(world)

    @settings(max_examples=examples, **FUZZ_SETTINGS)
    @given(request=strategies.message(method.input_type))
    def run(request: Any) -> None:
        world.ensure_home()
        outcome = invoke(world.channel, method, request.SerializeToString(), metadata())
        check_outcome(world, method, request, outcome)
        if outcome.code == grpc.StatusCode.OK and is_destructive(method):
            world.dirty = True

    run()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_bootstrapped_server(tmp_path_factory.mktemp("fuzz") / "data", "Fuzz Admin Org")
    try:
        yield running
    finally:
        running.server.stop()


@pytest.fixture(scope="module")
def world(fuzz_server: RunningServer) -> Iterator[World]:
    channel = open_channel(fuzz_server.server.address)
    try:
        yield World(fuzz_server, channel)
    finally:
        channel.close()


# --------------------------------------------------------------------------- the fuzz


@pytest.mark.parametrize("method", OWNER_METHODS, ids=_method_id)
def test_fuzz_as_org_owner(world: World, method: MethodDescriptor) -> None:
    fuzz_method(world, method, lambda: world.owner_md, EXAMPLES_PER_METHOD)


@pytest.mark.parametrize("method", MACHINE_METHODS, ids=_method_id)
def test_fuzz_as_machine(world: World, method: MethodDescriptor) -> None:
    examples = EXAMPLES_PER_METHOD if method.containing_service.name == "RobotService" else MACHINE_EXAMPLES_PER_METHOD
    fuzz_method(world, method, lambda: world.machine_md, examples)


@pytest.mark.parametrize("method", AUTH_METHODS, ids=_method_id)
def test_fuzz_authenticate(world: World, method: MethodDescriptor) -> None:
    fuzz_method(world, method, lambda: [], EXAMPLES_PER_METHOD)


@pytest.mark.parametrize("method", DESTRUCTIVE_METHODS, ids=_method_id)
def test_fuzz_destructive_as_org_owner(world: World, method: MethodDescriptor) -> None:
    fuzz_method(world, method, lambda: world.owner_md, EXAMPLES_PER_METHOD)


def test_server_healthy_and_foreign_org_intact_after_fuzz(world: World) -> None:
    health = health_pb2_grpc.HealthStub(world.channel).Check(health_pb2.HealthCheckRequest(), timeout=30)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert world.admin.get_org(world.admin.boot.organization_id).id == world.admin.boot.organization_id

    foreign, ids = world.foreign_fleet, world.foreign.ids
    assert foreign.get_org(ids["org"]).name.startswith(MARKER)
    assert {loc.id for loc in foreign.locations(ids["org"])} == {ids["location"], ids["sublocation"]}
    assert {part.id for part in foreign.parts(ids["robot"])} == {ids["main_part"], ids["extra_part"]}
    assert foreign.call("GetFragment", id=ids["fragment"]).fragment.name.startswith(MARKER)
    assert [log.message for log in foreign.call("GetRobotPartLogs", id=ids["main_part"]).logs][0].startswith(MARKER)
    keys = {k.api_key.id for k in foreign.call("ListKeys", org_id=ids["org"]).api_keys}
    assert {ids["owner_key"], ids["spare_key"]} <= keys

    # The fuzz reached domain code: a fair share of calls succeeded.
    print(f"\nfuzz: {world.calls} calls, {world.rebuilds} home rebuilds, codes {dict(world.codes.most_common())}")
    if os.environ.get("FUZZ_VERBOSE"):  # per-method status codes, to tune the strategies
        for name, codes in world.codes_by_method.items():
            print(f"  {name}: {dict(codes.most_common())}")
    if world.calls:
        assert world.codes["OK"] > world.calls // 10, world.codes


def test_leak_check_flags_foreign_data(world: World) -> None:
    """The oracle itself: the foreign org as its owner sees it must count as a leak."""
    method = app_pb2.DESCRIPTOR.services_by_name["AppService"].methods_by_name["GetRobotPart"]
    request = app_pb2.GetRobotPartRequest(id=world.foreign.ids["main_part"])
    outcome = invoke(world.channel, method, request.SerializeToString(), world.foreign_fleet.md)
    assert outcome.code == grpc.StatusCode.OK
    with pytest.raises(AssertionError, match="foreign data"):
        check_outcome(world, method, request, outcome)


# --------------------------------------------------------------------------- regressions found by the fuzz
# Each was INTERNAL before (a value that overflowed an SQLite integer, or that int() refused),
# except the non-bool "a" in a log page token, which was read as true.

YEAR_1 = -62_135_596_800  # 0001-01-01T00:00:00Z, a valid Timestamp but far outside int64 nanoseconds


def _page_token(**position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def test_log_entry_time_outside_int64_nanoseconds_is_invalid(channel: grpc.Channel, fleet: Fleet) -> None:
    part = fleet.main_part(fleet.new_tree().robot_id)
    machine = machine_metadata(channel, part.id, part.secret)
    robot = robot_pb2_grpc.RobotServiceStub(channel)
    for stamp in (timestamp_pb2.Timestamp(seconds=YEAR_1), timestamp_pb2.Timestamp(seconds=0, nanos=-1)):
        entry = common_pb2.LogEntry(level="info", message="m", time=stamp)
        with invalid("logs"):
            robot.Log(robot_pb2.LogRequest(id=part.id, logs=[entry]), metadata=machine, timeout=30)
    assert list(fleet.call("GetRobotPartLogs", id=part.id).logs) == []


def test_log_query_bounds_beyond_int64_nanoseconds(fleet: Fleet) -> None:
    part = fleet.main_part(fleet.new_tree().robot_id)
    with invalid("start"):
        fleet.call("GetRobotPartLogs", id=part.id, start=timestamp_pb2.Timestamp(seconds=2**62))
    with invalid("end"):
        fleet.call("GetRobotPartLogs", id=part.id, end=timestamp_pb2.Timestamp(seconds=0, nanos=10**9))
    # Valid timestamps past what int64 nanoseconds hold select like the nearest limit.
    fleet.call("GetRobotPartLogs", id=part.id, start=timestamp_pb2.Timestamp(seconds=YEAR_1))
    fleet.call("GetRobotPartLogs", id=part.id, end=timestamp_pb2.Timestamp(seconds=YEAR_1))
    fleet.call("GetRobotPartLogs", id=part.id, range="99999999999999999999d")


@pytest.mark.parametrize(
    "position",
    [{"t": 2**70, "i": 1, "a": False}, {"t": 1, "i": 2**70, "a": False}, {"t": 1e300, "i": 1.5, "a": False}, {"t": 1, "i": 1, "a": "no"}],
    ids=["huge-time", "huge-row", "floats", "not-bool"],
)
def test_forged_log_page_token_is_invalid(fleet: Fleet, position: dict[str, Any]) -> None:
    part = fleet.main_part(fleet.new_tree().robot_id)
    with invalid("page_token"):
        fleet.call("GetRobotPartLogs", id=part.id, page_token=_page_token(**position))


def test_forged_history_page_tokens_are_invalid(fleet: Fleet, org) -> None:
    tree = fleet.new_tree()
    part = fleet.main_part(tree.robot_id)
    with invalid("page_token"):
        fleet.call("GetRobotPartHistory", id=part.id, page_token=_page_token(t=1, i=2**70))
    fragment = fleet.call("CreateFragment", organization_id=tree.org.id, name="f", config=make_struct({})).fragment
    with invalid("page_token"):
        fleet.call("GetFragmentHistory", id=fragment.id, page_token=_page_token(r=2**70))


def test_odd_fragment_revision_numbers(fleet: Fleet) -> None:
    tree = fleet.new_tree()
    fragment = fleet.call("CreateFragment", organization_id=tree.org.id, name="f", config=make_struct({})).fragment
    with rpc_error(grpc.StatusCode.NOT_FOUND):
        fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="t", revision="99999999999999999999")
    with invalid("revision"):
        fleet.call("SetFragmentTag", fragment_id=fragment.id, tag="t", revision="²")  # isdigit(), but not for int()
    with rpc_error(grpc.StatusCode.NOT_FOUND):
        fleet.call("GetFragment", id=fragment.id, version="²")


def test_config_json_integer_beyond_a_double_is_invalid(fleet: Fleet) -> None:
    tree = fleet.new_tree()
    part = fleet.main_part(tree.robot_id)
    huge = '{"n": 1' + "0" * 400 + "}"
    with invalid("robot_config_json"):
        fleet.call("UpdateRobotPart", id=part.id, name=part.name, robot_config_json=huge)
    fragment = fleet.call("CreateFragment", organization_id=tree.org.id, name="f", config=make_struct({})).fragment
    with invalid("fragment_config_json"):
        fleet.call("UpdateFragment", id=fragment.id, name="f", fragment_config_json=huge)
    assert fleet.get_part(part.id).robot_config_json == part.robot_config_json
