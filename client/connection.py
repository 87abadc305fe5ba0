"""A grpc.aio channel plus the bearer token every call carries; maps failures to FleetError."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar

import grpc

from client.errors import FleetError, from_rpc_error
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc

DEFAULT_TIMEOUT_S = 30.0
Response = TypeVar("Response")


class Connection:
    """One channel authenticated as one entity (an API key, a user or a machine part)."""

    def __init__(self, address: str, channel: grpc.aio.Channel, token: str, timeout: float = DEFAULT_TIMEOUT_S):
        self.address = address
        self.channel = channel
        self.token = token
        self.timeout = timeout
        self.metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {token}"),)

    @classmethod
    async def open(
        cls,
        address: str,
        entity: str,
        credential_type: str,
        payload: str,
        *,
        tls: bool = False,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> "Connection":
        """Opens a channel and exchanges the credentials for a token (AuthService.Authenticate)."""
        channel = _channel(address, tls)
        try:
            request = auth_pb2.AuthenticateRequest(
                entity=entity, credentials=auth_pb2.Credentials(type=credential_type, payload=payload)
            )
            response = await _unary(auth_pb2_grpc.AuthServiceStub(channel).Authenticate, request, (), timeout)
        except BaseException:
            await channel.close()
            raise
        return cls(address, channel, response.access_token, timeout)

    @classmethod
    def from_token(cls, address: str, token: str, *, tls: bool = False, timeout: float = DEFAULT_TIMEOUT_S) -> "Connection":
        """A channel carrying a token obtained earlier; no call is made until the first request
        (an expired or revoked token makes that call fail with Unauthenticated)."""
        return cls(address, _channel(address, tls), token, timeout)

    async def unary(self, method: Callable[..., Any], request: Any) -> Any:
        """One unary call with the bearer token; failures raise FleetError."""
        return await _unary(method, request, self.metadata, self.timeout)

    async def stream(self, method: Callable[..., Any], request: Any) -> AsyncGenerator[Any, None]:
        """A server-streaming call; closing the iterator cancels the call."""
        call = method(request, metadata=self.metadata)
        try:
            async for response in call:
                yield response
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None
        finally:
            call.cancel()

    async def close(self) -> None:
        await self.channel.close()


def _channel(address: str, tls: bool) -> grpc.aio.Channel:
    return grpc.aio.secure_channel(address, grpc.ssl_channel_credentials()) if tls else grpc.aio.insecure_channel(address)


async def _unary(method: Callable[..., Any], request: Any, metadata: Any, timeout: float) -> Any:
    try:
        return await method(request, metadata=metadata, timeout=timeout)
    except grpc.RpcError as error:
        raise from_rpc_error(error) from None


__all__ = ["Connection", "FleetError", "DEFAULT_TIMEOUT_S"]
