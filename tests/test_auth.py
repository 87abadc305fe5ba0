"""proto.rpc.v1.AuthService, bearer-token checks on AppService, health and reflection."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from conftest import authenticate, bearer, open_channel, rpc_error
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2, app_pb2_grpc
from harness import ServerProcess, bootstrap

UNAUTH = grpc.StatusCode.UNAUTHENTICATED
APP_METHODS = [m.name for m in app_pb2.DESCRIPTOR.services_by_name["AppService"].methods]
STREAMING = {m.name: m.server_streaming for m in app_pb2.DESCRIPTOR.services_by_name["AppService"].methods}


def _auth_request(entity: str, payload: str, type_: str = "api-key") -> auth_pb2.AuthenticateRequest:
    return auth_pb2.AuthenticateRequest(entity=entity, credentials=auth_pb2.Credentials(type=type_, payload=payload))


def _b64d(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _empty_request(method: str):
    return getattr(app_pb2, f"{method}Request")()


def _call(app, method: str, **kwargs):
    """Calls a method; a server stream is read to the end, since its errors arrive on reading."""
    result = getattr(app, method)(_empty_request(method), **kwargs)
    return list(result) if STREAMING[method] else result


# --------------------------------------------------------------------------- Authenticate


def test_authenticate_returns_jwt_that_works(auth, app, boot):
    response = auth.Authenticate(_auth_request(boot.api_key_id, boot.api_key))
    token = response.access_token
    assert token
    parts = token.split(".")
    assert len(parts) == 3, "access_token must be a JWT (header.payload.signature)"
    header = json.loads(_b64d(parts[0]))
    assert header.get("alg") and header["alg"].lower() != "none"
    json.loads(_b64d(parts[1]))  # payload is JSON
    orgs = app.ListOrganizations(app_pb2.ListOrganizationsRequest(), metadata=bearer(token)).organizations
    assert boot.organization_id in {o.id for o in orgs}


def test_authenticate_twice_both_tokens_work(channel, app, boot):
    t1 = authenticate(channel, boot.api_key_id, boot.api_key)
    t2 = authenticate(channel, boot.api_key_id, boot.api_key)
    for t in (t1, t2):
        app.GetOrganization(app_pb2.GetOrganizationRequest(organization_id=boot.organization_id), metadata=bearer(t))


def test_authenticate_wrong_key_and_unknown_id_same_message(auth, boot):
    with rpc_error(UNAUTH) as wrong_key:
        auth.Authenticate(_auth_request(boot.api_key_id, boot.api_key + "x"))
    with rpc_error(UNAUTH) as unknown_id:
        auth.Authenticate(_auth_request("00000000-0000-4000-8000-000000000000", boot.api_key))
    with rpc_error(UNAUTH) as unknown_id2:
        auth.Authenticate(_auth_request(boot.api_key_id + "-nope", boot.api_key))
    assert wrong_key.message == unknown_id.message == unknown_id2.message, (
        "unknown key id and wrong key must be indistinguishable"
    )


@pytest.mark.parametrize("payload", ["", "short", "a" * 4096])
def test_authenticate_bad_payloads(auth, boot, payload):
    with rpc_error(UNAUTH):
        auth.Authenticate(_auth_request(boot.api_key_id, payload))


def test_authenticate_other_keys_secret_rejected(auth, boot, foreign):
    # a real key of another server: unknown id here
    with rpc_error(UNAUTH):
        auth.Authenticate(_auth_request(foreign["api_key_id"], foreign["api_key"]))
    # our id with someone else's secret
    with rpc_error(UNAUTH):
        auth.Authenticate(_auth_request(boot.api_key_id, foreign["api_key"]))


@pytest.mark.parametrize("type_", ["", "password", "API-KEY", "api_key", "robot-secret-x"])
def test_authenticate_unknown_credential_type(auth, boot, type_):
    with rpc_error(UNAUTH):
        auth.Authenticate(_auth_request(boot.api_key_id, boot.api_key, type_))


def test_authenticate_empty_entity(auth, boot):
    with rpc_error(UNAUTH):
        auth.Authenticate(_auth_request("", boot.api_key))
    with rpc_error(UNAUTH):
        auth.Authenticate(auth_pb2.AuthenticateRequest())


def test_authenticate_with_authorization_header_is_invalid_argument(auth, boot, token):
    with pytest.raises(grpc.RpcError) as exc:
        auth.Authenticate(_auth_request(boot.api_key_id, boot.api_key), metadata=bearer(token))
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT, exc.value.details()


# --------------------------------------------------------------------------- bearer tokens


@pytest.mark.parametrize("method", APP_METHODS)
def test_every_app_method_requires_token(app, method):
    with rpc_error(UNAUTH):
        _call(app, method)


@pytest.mark.parametrize("method", APP_METHODS)
def test_every_app_method_rejects_garbage_token(app, method):
    with rpc_error(UNAUTH):
        _call(app, method, metadata=[("authorization", "Bearer garbage")])


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Bearer",
        "Bearer ",
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
    ],
)
def test_malformed_authorization_values(app, boot, value):
    with rpc_error(UNAUTH):
        app.GetOrganization(
            app_pb2.GetOrganizationRequest(organization_id=boot.organization_id),
            metadata=[("authorization", value)],
        )


def test_token_without_bearer_prefix_rejected(app, boot, token):
    with rpc_error(UNAUTH):
        app.GetOrganization(
            app_pb2.GetOrganizationRequest(organization_id=boot.organization_id),
            metadata=[("authorization", token)],
        )


def test_tampered_tokens_rejected(app, boot, token):
    header, payload, signature = token.split(".")
    sig = bytearray(_b64d(signature))
    sig[0] ^= 0xFF
    bad_signature = f"{header}.{payload}.{_b64e(bytes(sig))}"

    claims = json.loads(_b64d(payload))
    claims["tampered"] = True
    if "exp" in claims:
        claims["exp"] = int(claims["exp"]) + 10 * 365 * 86400
    bad_payload = f"{header}.{_b64e(json.dumps(claims).encode())}.{signature}"

    alg_none_header = _b64e(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    alg_none = f"{alg_none_header}.{payload}."

    for forged in (bad_signature, bad_payload, alg_none, f"{header}.{payload}"):
        with rpc_error(UNAUTH):
            app.GetOrganization(
                app_pb2.GetOrganizationRequest(organization_id=boot.organization_id),
                metadata=bearer(forged),
            )


def test_deeply_nested_token_header_is_unauthenticated(app, boot):
    """The header is parsed before the signature can be checked: nesting deep enough to exhaust
    the JSON parser's recursion is a malformed token, not an INTERNAL error."""
    forged = f"{_b64e(b'[' * 5000)}.{_b64e(b'{}')}.{_b64e(b'signature')}"
    with rpc_error(UNAUTH):
        app.GetOrganization(app_pb2.GetOrganizationRequest(organization_id=boot.organization_id), metadata=bearer(forged))


def test_token_from_another_server_rejected(app, boot, foreign):
    """Each server signs with its own key: a token minted elsewhere is garbage here."""
    with rpc_error(UNAUTH):
        app.ListOrganizations(app_pb2.ListOrganizationsRequest(), metadata=bearer(foreign["token"]))
    with rpc_error(UNAUTH):
        app.GetOrganization(
            app_pb2.GetOrganizationRequest(organization_id=foreign["org_id"]),
            metadata=bearer(foreign["token"]),
        )


def test_token_stops_working_when_it_expires(tmp_path: Path) -> None:
    """Verified tokens are remembered for speed; their expiry is still checked on every call."""
    data_dir = tmp_path / "data"
    boot = bootstrap(data_dir, "Short Tokens")
    server = ServerProcess(data_dir, extra_env={"FLEET_TOKEN_TTL_SECONDS": "2"}).start()
    channel = open_channel(server.address)
    try:
        auth, short_lived = auth_pb2_grpc.AuthServiceStub(channel), app_pb2_grpc.AppServiceStub(channel)
        token = auth.Authenticate(_auth_request(boot.api_key_id, boot.api_key)).access_token
        issued = time.time()
        request = app_pb2.GetOrganizationRequest(organization_id=boot.organization_id)
        for _ in range(3):  # verified once, then remembered
            short_lived.GetOrganization(request, metadata=bearer(token))
        time.sleep(max(0.0, issued + 3.1 - time.time()))
        with rpc_error(UNAUTH) as failure:
            short_lived.GetOrganization(request, metadata=bearer(token))
        assert "expired" in failure.error.details()
    finally:
        channel.close()
        server.stop()


# --------------------------------------------------------------------------- health & reflection


def test_health_serving(channel):
    stub = health_pb2_grpc.HealthStub(channel)
    response = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
    assert response.status == health_pb2.HealthCheckResponse.SERVING


def _reflect(channel, request: reflection_pb2.ServerReflectionRequest) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
    assert len(responses) == 1
    return responses[0]


def test_reflection_lists_services(channel):
    response = _reflect(channel, reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in response.list_services_response.service}
    assert "viam.app.v1.AppService" in names
    assert "proto.rpc.v1.AuthService" in names


@pytest.mark.parametrize("symbol", ["viam.app.v1.AppService", "proto.rpc.v1.AuthService"])
def test_reflection_serves_descriptors(channel, symbol):
    response = _reflect(channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol))
    protos = response.file_descriptor_response.file_descriptor_proto
    assert protos, f"no descriptor for {symbol}: {response}"
    services = set()
    for raw in protos:
        fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
        services.update(f"{fd.package}.{s.name}" for s in fd.service)
    assert symbol in services
