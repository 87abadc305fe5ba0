"""Every RPC x every kind of caller, generated from the service descriptors.

Each method must declare its permission (the `rpc` decorator records it as
`__fleet_guard__`); a new RPC without one fails here. Then every AppService
and RobotService method is called as: no token, a garbage token, the token of
a deleted key, a machine, an owner of another organization, an operator and
an owner of the organization the request names. Callers without a role must
get UNAUTHENTICATED / PERMISSION_DENIED before anything about the resource is
revealed; operators pass reads and are refused writes; owners pass.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor

from conftest import Fleet, RunningServer, bearer, unique
from harness import ROOT, server_env
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2, robot_pb2
from server.domain.access import Permission, ResourceType
from server.services.app_service import AppService
from server.services.robot_service import RobotService

SERVICES = [
    (app_pb2.DESCRIPTOR.services_by_name["AppService"], AppService, app_pb2),
    (robot_pb2.DESCRIPTOR.services_by_name["RobotService"], RobotService, robot_pb2),
]
METHODS = [(service, cls, module, method) for service, cls, module in SERVICES for method in service.methods]
IDS = [f"{service.name}.{method.name}" for service, _, _, method in METHODS]
DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTH = grpc.StatusCode.UNAUTHENTICATED
STREAM_WAIT_S = 1.0
PASSWORD = "matrix-password-1"


@dataclass
class World:
    """One organization with a location, a machine and its main part, and the ids of each."""

    organization_id: str
    location_id: str
    robot_id: str
    part_id: str
    part_secret: str

    def id_of(self, resource_type: ResourceType) -> str:
        return {
            ResourceType.ORGANIZATION: self.organization_id,
            ResourceType.LOCATION: self.location_id,
            ResourceType.ROBOT: self.robot_id,
            ResourceType.ROBOT_PART: self.part_id,
        }[resource_type]


def _new_world(fleet: Fleet) -> World:
    tree = fleet.new_tree()
    part = fleet.main_part(tree.robot_id)
    return World(tree.org.id, tree.location.id, tree.robot_id, part.id, part.secret)


def _token(channel: grpc.Channel, kind: str, entity: str, secret: str) -> str:
    request = auth_pb2.AuthenticateRequest(entity=entity, credentials=auth_pb2.Credentials(type=kind, payload=secret))
    return auth_pb2_grpc.AuthServiceStub(channel).Authenticate(request).access_token


def _role(organization_id: str, role: str, resource_type: str, resource_id: str) -> app_pb2.Authorization:
    return app_pb2.Authorization(
        authorization_type="role",
        authorization_id=f"{resource_type}_{role}",
        resource_type=resource_type,
        resource_id=resource_id,
        organization_id=organization_id,
        identity_type="api-key",
    )


def _key_metadata(fleet: Fleet, organization_id: str, role: str) -> tuple[str, list[tuple[str, str]]]:
    created = fleet.call("CreateKey", authorizations=[_role(organization_id, role, "organization", organization_id)])
    return created.id, bearer(_token(fleet.channel, "api-key", created.id, created.key))


@dataclass
class Callers:
    world: World
    operator: list[tuple[str, str]]
    stranger: list[tuple[str, str]]
    deleted_key: list[tuple[str, str]]
    machine: list[tuple[str, str]]


@pytest.fixture(scope="module")
def callers(fleet: Fleet, server: RunningServer) -> Callers:
    world = _new_world(fleet)
    _, operator = _key_metadata(fleet, world.organization_id, "operator")
    deleted_id, deleted = _key_metadata(fleet, world.organization_id, "owner")
    fleet.call("DeleteKey", id=deleted_id)
    other = fleet.new_org()
    email = f"{unique('stranger')}@example.com"
    subprocess.run(
        [sys.executable, "-m", "server", "user-add", "--data-dir", str(server.data_dir), "--email", email, "--owner-of", other.id],
        cwd=ROOT,
        env=server_env(server.data_dir, {"FLEET_USER_PASSWORD": PASSWORD}),
        check=True,
        capture_output=True,
    )
    stranger = bearer(_token(fleet.channel, "password", email, PASSWORD))
    machine = bearer(_token(fleet.channel, "robot-secret", world.part_id, world.part_secret))
    return Callers(world, operator, stranger, deleted, machine)


def _fill(message: Any, world: World, guard: Any) -> bool:
    """Points the request at the world's resources; True if it names any of them."""
    named = False
    if guard is not None and guard.id_field is not None:
        target = world.id_of(guard.resource_type)
        field = message.DESCRIPTOR.fields_by_name[guard.id_field]
        if field.is_repeated:
            getattr(message, guard.id_field).append(target)
        else:
            setattr(message, guard.id_field, target)
        named = True
    by_name = {
        "organization_id": world.organization_id,
        "org_id": world.organization_id,
        "location_id": world.location_id,
        "location": world.location_id,
        "robot_id": world.robot_id,
        "part_id": world.part_id,
    }
    for field in message.DESCRIPTOR.fields:
        if field.name in by_name and field.type == FieldDescriptor.TYPE_STRING and not field.is_repeated:
            if not getattr(message, field.name):
                setattr(message, field.name, by_name[field.name])
                named = True
        elif field.message_type is not None and field.message_type.name == "Authorization":
            role = _role(world.organization_id, "operator", "location", world.location_id)
            if field.is_repeated:
                getattr(message, field.name).append(role)
            else:
                getattr(message, field.name).CopyFrom(role)
            named = True
    return named


def _call(channel: grpc.Channel, service: Any, module: Any, method: MethodDescriptor, request: Any, metadata) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    path = f"/{service.full_name}/{method.name}"
    response_class = getattr(module, method.output_type.name)
    try:
        if method.server_streaming:
            stream = channel.unary_stream(path, request_serializer=type(request).SerializeToString, response_deserializer=response_class.FromString)
            for _ in stream(request, metadata=metadata, timeout=STREAM_WAIT_S):
                break
        else:
            call = channel.unary_unary(path, request_serializer=type(request).SerializeToString, response_deserializer=response_class.FromString)
            call(request, metadata=metadata, timeout=30)
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


def _guard(cls: type, method: MethodDescriptor) -> Any:
    return getattr(getattr(cls, method.name, None), "__fleet_guard__", None)


@pytest.mark.parametrize("service,cls,module,method", METHODS, ids=IDS)
def test_every_rpc_declares_its_permission(service, cls, module, method) -> None:  # type: ignore[no-untyped-def]
    guard = _guard(cls, method)
    assert guard is not None, f"{service.name}.{method.name} has no @rpc(permission, ...) declaration"
    assert isinstance(guard.permission, Permission)


@pytest.mark.parametrize("service,cls,module,method", METHODS, ids=IDS)
def test_callers_without_a_role_learn_nothing(fleet: Fleet, callers: Callers, service, cls, module, method) -> None:  # type: ignore[no-untyped-def]
    guard = _guard(cls, method)
    request = getattr(module, method.input_type.name)()
    names_world = _fill(request, callers.world, guard)
    channel = fleet.channel
    assert _call(channel, service, module, method, request, None) == UNAUTH, "no token"
    assert _call(channel, service, module, method, request, bearer("not.a.token")) == UNAUTH, "garbage token"
    assert _call(channel, service, module, method, request, callers.deleted_key) == UNAUTH, "deleted key"
    if guard.permission is Permission.MACHINE:
        for who, metadata in (("owner", fleet.md), ("operator", callers.operator), ("stranger", callers.stranger)):
            assert _call(channel, service, module, method, request, metadata) == DENIED, who
        assert _call(channel, service, module, method, request, callers.machine) not in (DENIED, UNAUTH), "own part"
        return
    assert _call(channel, service, module, method, request, callers.machine) == DENIED, "machine token"
    if guard.resource_type is not None:
        assert _call(channel, service, module, method, request, callers.stranger) == DENIED, "owner of another org"
    elif names_world:
        code = _call(channel, service, module, method, request, callers.stranger)
        assert code in (DENIED, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND), f"owner of another org got {code}"


@pytest.mark.parametrize("service,cls,module,method", METHODS, ids=IDS)
def test_operators_read_and_owners_write(fleet: Fleet, callers: Callers, service, cls, module, method) -> None:  # type: ignore[no-untyped-def]
    guard = _guard(cls, method)
    if guard.permission is Permission.MACHINE or guard.resource_type is None:
        pytest.skip("not a role-checked RPC (machine-only, or checks inside its domain function)")
    request = getattr(module, method.input_type.name)()
    _fill(request, callers.world, guard)
    operator_code = _call(fleet.channel, service, module, method, request, callers.operator)
    if guard.permission is Permission.WRITE:
        assert operator_code == DENIED, "operator must not write"
    else:
        assert operator_code not in (DENIED, UNAUTH), f"operator must read, got {operator_code}"
    fresh = _new_world(fleet)  # owners may delete what they are given
    request = getattr(module, method.input_type.name)()
    _fill(request, fresh, guard)
    assert _call(fleet.channel, service, module, method, request, fleet.md) not in (DENIED, UNAUTH), "owner"
