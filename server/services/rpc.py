"""The single decorator every RPC goes through.

It declares the permission an RPC needs, authenticates the bearer token,
re-checks the identity behind it, opens one transaction, checks the
permission before the body can reveal whether anything exists, runs the
body off the event loop, and maps domain errors to gRPC statuses.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from server.db.engine import unit_of_work
from server.domain import access
from server.domain.access import Permission, ResourceType
from server.domain.authentication import load_caller
from server.domain.context import DomainContext
from server.domain.errors import DomainError, InvalidArgument, Unauthenticated
from server.runtime import Runtime
from server.security.tokens import InvalidToken
from server.services.status import DETAILS_KEY, status_for

log = logging.getLogger(__name__)
Request = TypeVar("Request")
Response = TypeVar("Response")


@dataclass(frozen=True)
class Guard:
    """What an RPC needs: a permission on the resource(s) named by a request field."""

    permission: Permission
    resource_type: ResourceType | None
    id_field: str | None
    write: bool


class Servicer:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime


def rpc(
    permission: Permission,
    resource_type: ResourceType | None = None,
    id_field: str | None = None,
    *,
    write: bool | None = None,
) -> Callable[[Callable[[Any, DomainContext, Any], Any]], Callable[..., Any]]:
    guard = Guard(permission, resource_type, id_field, permission is Permission.WRITE if write is None else write)

    def decorate(body: Callable[[Any, DomainContext, Any], Any]) -> Callable[..., Any]:
        @functools.wraps(body)
        async def handler(self: Servicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
            runtime = self.runtime

            def in_transaction() -> Any:
                claims = _verified_claims(runtime, context)
                with unit_of_work(runtime.engine, write=guard.write) as session:
                    caller = load_caller(session, claims.subject, claims.subject_type)
                    ctx = DomainContext(session=session, caller=caller, facts=runtime.facts)
                    if guard.resource_type is not None and guard.id_field is not None:
                        ids = _resource_ids(request, guard.id_field)
                        access.require(ctx, guard.permission, guard.resource_type, ids)
                    return body(self, ctx, request)

            return await run_mapped(context, in_transaction)

        handler.__fleet_guard__ = guard  # type: ignore[attr-defined]
        return handler

    return decorate


async def run_mapped(context: grpc.aio.ServicerContext, work: Callable[[], Response]) -> Response:
    """Runs `work` in a worker thread; domain errors become their status, anything else INTERNAL."""
    try:
        return await asyncio.to_thread(work)
    except DomainError as error:
        code, message, details = status_for(error)
    except Exception:
        incident = uuid.uuid4().hex[:12]
        log.exception("internal error %s", incident)
        code, message, details = grpc.StatusCode.INTERNAL, f"internal error (incident {incident})", b""
    trailers = ((DETAILS_KEY, details),) if details else ()
    await context.abort(code, message, trailing_metadata=trailers)
    raise AssertionError("unreachable: abort raises")


def _verified_claims(runtime: Runtime, context: grpc.aio.ServicerContext):  # type: ignore[no-untyped-def]
    token = bearer_token(context.invocation_metadata() or ())
    if token is None:
        raise Unauthenticated("missing credentials: send 'authorization: Bearer <token>' obtained from AuthService/Authenticate")
    try:
        return runtime.signer.verify(token)
    except InvalidToken as error:
        raise Unauthenticated(f"invalid access token: {error}") from None


def bearer_token(metadata: Sequence[tuple[str, Any]]) -> str | None:
    for key, value in metadata:
        if key.lower() == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return ""  # present but not a bearer token: rejected as invalid, not missing
    return None


def has_authorization(metadata: Sequence[tuple[str, Any]]) -> bool:
    return any(key.lower() == "authorization" for key, _ in metadata)


def _resource_ids(request: Any, field: str) -> list[str]:
    value = getattr(request, field)
    ids = [value] if isinstance(value, str) else list(value)
    for resource_id in ids:
        if not resource_id:
            raise InvalidArgument(field, "is required")
    return ids
