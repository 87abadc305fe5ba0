"""Connecting like a user, and how server errors surface in viam-sdk.

viam-sdk talks grpclib: server errors must arrive as
`grpclib.exceptions.GRPCError` with the right `grpclib.const.Status` (and, for
INVALID_ARGUMENT, a google.rpc.BadRequest decoded from grpc-status-details-bin).
"""

from __future__ import annotations

import uuid

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from sdk_helpers import (
    UNKNOWN_LOCATION_ID,
    AppClient,
    SdkServer,
    bad_request_fields,
    create_client,
    expect_error,
    run_async,
    stub,
    unique,
    viam_client,
)
from viam.app.viam_client import ViamClient
from viam.proto.app import GetOrganizationRequest, ListOrganizationsRequest


def test_connect_with_api_key(sdk_server: SdkServer) -> None:
    async def main() -> None:
        client = await create_client(sdk_server.address, sdk_server.boot.api_key_id, sdk_server.boot.api_key)
        try:
            assert isinstance(client, ViamClient)
            assert client._metadata["authorization"].startswith("Bearer ")
            assert len(client._metadata["authorization"]) > len("Bearer ") + 10
            orgs = await client.app_client.list_organizations()
            assert sdk_server.org_id in {o.id for o in orgs}
        finally:
            client.close()

    run_async(main())


def test_async_context_manager(sdk_server: SdkServer) -> None:
    """`async with await ViamClient.create_from_dial_options(...)`, as the SDK docs show."""

    async def main() -> None:
        async with await create_client(sdk_server.address, sdk_server.boot.api_key_id, sdk_server.boot.api_key) as client:
            org = await client.app_client.get_organization(sdk_server.org_id)
            assert org.id == sdk_server.org_id

    run_async(main())


def test_many_clients_in_sequence_and_in_parallel(sdk_server: SdkServer) -> None:
    import asyncio

    async def one() -> str:
        async with viam_client(sdk_server.address, sdk_server.boot.api_key_id, sdk_server.boot.api_key) as client:
            return (await client.app_client.get_organization(sdk_server.org_id)).id

    async def main() -> None:
        for _ in range(3):
            assert await one() == sdk_server.org_id
        assert await asyncio.gather(*(one() for _ in range(8))) == [sdk_server.org_id] * 8

    run_async(main())


def connect_error(sdk_server: SdkServer, api_key_id: str, api_key: str) -> GRPCError:
    async def main() -> None:
        client = await create_client(sdk_server.address, api_key_id, api_key)
        client.close()

    with pytest.raises(GRPCError) as info:
        run_async(main())
    return info.value


def test_wrong_api_key_fails_to_connect(sdk_server: SdkServer) -> None:
    err = connect_error(sdk_server, sdk_server.boot.api_key_id, sdk_server.boot.api_key + "x")
    assert err.status == Status.UNAUTHENTICATED, f"{err.status.name}: {err.message!r}"


def test_unknown_api_key_id_fails_to_connect(sdk_server: SdkServer) -> None:
    wrong_key = connect_error(sdk_server, sdk_server.boot.api_key_id, "not-the-key")
    unknown_id = connect_error(sdk_server, str(uuid.uuid4()), sdk_server.boot.api_key)
    assert unknown_id.status == Status.UNAUTHENTICATED, f"{unknown_id.status.name}: {unknown_id.message!r}"
    assert unknown_id.message == wrong_key.message, "unknown key id and wrong key must be indistinguishable"


def test_empty_api_key_fails_to_connect(sdk_server: SdkServer) -> None:
    err = connect_error(sdk_server, sdk_server.boot.api_key_id, "")
    assert err.status == Status.UNAUTHENTICATED, f"{err.status.name}: {err.message!r}"
    err = connect_error(sdk_server, "", sdk_server.boot.api_key)
    assert err.status == Status.UNAUTHENTICATED, f"{err.status.name}: {err.message!r}"


def test_calls_without_a_valid_token_are_unauthenticated(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        raw = stub(app)
        for metadata in ({}, {"authorization": "Bearer garbage"}, {"authorization": "garbage"}):
            await expect_error(Status.UNAUTHENTICATED, raw.ListOrganizations(ListOrganizationsRequest(), metadata=metadata))
        await expect_error(
            Status.UNAUTHENTICATED,
            raw.GetOrganization(GetOrganizationRequest(organization_id=sdk_server.org_id), metadata={"authorization": "Bearer x.y.z"}),
        )
        # and with the SDK's own metadata it works
        await raw.ListOrganizations(ListOrganizationsRequest(), metadata=app._metadata)

    sdk_server.run(body)


def test_duplicate_machine_name_is_already_exists(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        name = unique("robot")
        await app.new_robot(name, loc.id)
        with pytest.raises(GRPCError) as info:
            await app.new_robot(name, loc.id)
        assert info.value.status == Status.ALREADY_EXISTS, f"{info.value.status.name}: {info.value.message!r}"

    sdk_server.run(body)


def test_unknown_location_is_permission_denied(sdk_server: SdkServer) -> None:
    async def body(app: AppClient) -> None:
        for call in (
            lambda: app.get_location(UNKNOWN_LOCATION_ID),
            lambda: app.list_robots(UNKNOWN_LOCATION_ID),
            lambda: app.new_robot(unique("robot"), UNKNOWN_LOCATION_ID),
            lambda: app.update_location(UNKNOWN_LOCATION_ID, name="x"),
            lambda: app.delete_location(UNKNOWN_LOCATION_ID),
            lambda: app.get_location_metadata(UNKNOWN_LOCATION_ID),
        ):
            with pytest.raises(GRPCError) as info:
                await call()
            assert info.value.status == Status.PERMISSION_DENIED, f"{info.value.status.name}: {info.value.message!r}"

    sdk_server.run(body)


def test_delete_non_empty_location_is_failed_precondition(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        loc = await app.create_location(org_id, unique("loc"))
        await app.new_robot(unique("robot"), loc.id)
        with pytest.raises(GRPCError) as info:
            await app.delete_location(loc.id)
        assert info.value.status == Status.FAILED_PRECONDITION, f"{info.value.status.name}: {info.value.message!r}"
        assert info.value.message, "the error should say why"

    sdk_server.run(body)


def test_invalid_argument_carries_bad_request_details(sdk_server: SdkServer, org_id: str) -> None:
    async def body(app: AppClient) -> None:
        with pytest.raises(GRPCError) as info:
            await app.create_location(org_id, "")
        err = info.value
        assert err.status == Status.INVALID_ARGUMENT, f"{err.status.name}: {err.message!r}"
        assert err.message, "INVALID_ARGUMENT should carry a message"
        assert bad_request_fields(err)[:1] == ["name"], f"details: {err.details!r}"

    sdk_server.run(body)
