"""Helpers for the viam-sdk compatibility suite (imported by conftest.py and the test modules).

These tests drive a real server process through the official Python SDK
(`viam-sdk`), connecting exactly like a user would:

    ViamClient.create_from_dial_options(
        DialOptions(credentials=Credentials(type="api-key", payload=KEY), auth_entity=KEY_ID, insecure=True),
        app_url="127.0.0.1:PORT",
    )

This process must never import our `generated` package: viam-sdk registers the
same `viam.app.v1` symbols in the default protobuf descriptor pool. The
pytest.ini next to this file keeps the main suite's tests/conftest.py (which
does import `generated`) out of this process.

No pytest-asyncio: every test is a plain sync function that hands an async
body to `SdkServer.run(...)`, which runs it with `asyncio.run` on a fresh
client and closes the client afterwards.
"""

from __future__ import annotations

import asyncio
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Optional, TypeVar, Union

if "generated" in sys.modules or any(name.startswith("generated.") for name in sys.modules):
    raise RuntimeError(
        "our `generated` protobuf package was imported into the viam-sdk compatibility process; "
        "the two register the same viam.app.v1 descriptors and cannot share a process"
    )

from contextlib import asynccontextmanager

from google.rpc import error_details_pb2  # registers google.rpc.BadRequest so grpclib can decode details
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam.app.app_client import AppClient
from viam.app.viam_client import ViamClient
from viam.proto.app import AppServiceStub
from viam.rpc.dial import Credentials, DialOptions
from viam.utils import dict_to_struct, struct_to_dict

TESTS_DIR = Path(__file__).resolve().parent.parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from harness import BootstrapResult, ServerProcess, bootstrap, server_env  # noqa: E402,F401  (re-exported to the suite)

BOOTSTRAP_ORG_NAME = "SDK Compat Org"
CALL_TIMEOUT_S = 60.0

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LOCATION_ID_RE = re.compile(r"^[a-z0-9]{10}$")

# Well-formed ids that exist nowhere on the server.
UNKNOWN_LOCATION_ID = "zz9zz9zz9z"
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"

T = TypeVar("T")


# --------------------------------------------------------------------------- names


def unique(prefix: str = "t") -> str:
    """A short, valid, unique resource name."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def unique_namespace() -> str:
    return f"sdk-{uuid.uuid4().hex[:16]}"


# --------------------------------------------------------------------------- connection


def dial_options(api_key_id: str, api_key: str) -> DialOptions:
    return DialOptions(
        credentials=Credentials(type="api-key", payload=api_key),
        auth_entity=api_key_id,
        insecure=True,
    )


async def create_client(address: str, api_key_id: str, api_key: str) -> ViamClient:
    return await ViamClient.create_from_dial_options(dial_options(api_key_id, api_key), app_url=address)


@asynccontextmanager
async def viam_client(address: str, api_key_id: str, api_key: str) -> AsyncIterator[ViamClient]:
    client = await create_client(address, api_key_id, api_key)
    try:
        yield client
    finally:
        client.close()


@dataclass
class SdkServer:
    """A running, bootstrapped server and the bootstrap key's credentials."""

    process: ServerProcess
    boot: BootstrapResult

    @property
    def address(self) -> str:
        return self.process.address

    @property
    def org_id(self) -> str:
        return self.boot.organization_id

    def run(
        self,
        body: Callable[[AppClient], Awaitable[T]],
        *,
        api_key_id: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: float = CALL_TIMEOUT_S,
    ) -> T:
        """Connect like a user, run `await body(client.app_client)`, close the client."""

        async def main() -> T:
            async with viam_client(self.address, api_key_id or self.boot.api_key_id, api_key or self.boot.api_key) as client:
                return await body(client.app_client)

        return run_async(main(), timeout=timeout)


def run_async(coro: Awaitable[T], timeout: float = CALL_TIMEOUT_S) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def stub(app: AppClient) -> AppServiceStub:
    """Raw stub for RPCs the SDK has no AppClient helper for, on the SDK's own channel."""
    return AppServiceStub(app._channel)


# --------------------------------------------------------------------------- errors


async def expect_error(
    status: Union[Status, tuple[Status, ...]], awaitable: Awaitable[Any], field: Optional[str] = None
) -> GRPCError:
    """Await `awaitable`, which must raise grpclib's GRPCError with `status` (or one of `status`).

    For INVALID_ARGUMENT the error must carry a google.rpc.BadRequest detail
    (grpc-status-details-bin) whose first field violation names `field`.
    """
    try:
        await awaitable
    except GRPCError as err:
        allowed = status if isinstance(status, tuple) else (status,)
        assert err.status in allowed, f"expected {[s.name for s in allowed]}, got {err.status.name}: {err.message!r}"
        assert err.status != Status.INTERNAL
        if err.status == Status.INVALID_ARGUMENT:
            assert bad_request_fields(err), (
                f"INVALID_ARGUMENT without a google.rpc.BadRequest detail: message={err.message!r} details={err.details!r}"
            )
        if err.status == Status.INVALID_ARGUMENT and field is not None:
            got = bad_request_fields(err)
            assert got, f"INVALID_ARGUMENT without a google.rpc.BadRequest detail: message={err.message!r} details={err.details!r}"
            assert got[0] == field, f"BadRequest field_violations[0].field: expected {field!r}, got {got[0]!r} (all: {got})"
        return err
    names = [s.name for s in (status if isinstance(status, tuple) else (status,))]
    raise AssertionError(f"expected GRPCError {names}, but the call succeeded")


def bad_request_fields(err: GRPCError) -> list[str]:
    for detail in err.details or []:
        if isinstance(detail, error_details_pb2.BadRequest):
            return [v.field for v in detail.field_violations]
    return []


# --------------------------------------------------------------------------- misc checks


def sdk_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the SDK's get_*_metadata returns for a server that stored `data` faithfully.

    The SDK's own Struct conversion is lossy (ints come back as floats, which
    compare equal, and JSON null comes back as 0 -- viam.utils.value_to_primitive
    returns `value.null_value`), so compare against the SDK's round trip.
    """
    return struct_to_dict(dict_to_struct(data))


def assert_recent(ts: Any, what: str) -> None:
    """`ts` is a set google.protobuf.Timestamp (or datetime) close to now."""
    dt = ts if isinstance(ts, datetime) else ts.ToDatetime()
    now = datetime.utcnow()
    assert now - timedelta(hours=1) < dt < now + timedelta(hours=1), f"{what} = {dt!r}, not close to now ({now!r})"
