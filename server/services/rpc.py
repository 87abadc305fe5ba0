"""The single decorator every RPC goes through.

It declares the permission an RPC needs, authenticates the bearer token,
re-checks the identity behind it, opens one transaction, checks the
permission before the body can reveal whether anything exists, runs the
body off the event loop, and maps domain errors to gRPC statuses. Unary
calls without a client deadline get the server's default one; streams hold
one of their identity's stream slots while open.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from server.db.engine import unit_of_work
from server.domain import access
from server.domain.access import MACHINE_IDENTITY, Permission, ResourceType
from server.domain.authentication import load_caller
from server.domain.context import AccessWrites, Caller, DomainContext, ServerFacts
from server.domain.errors import DomainError, InvalidArgument, PermissionDenied, Unauthenticated
from server.logs.replication import announce_access_write
from server.runtime import Runtime
from server.security.tokens import InvalidToken
from server.services.lenient import Undecodable
from server.services.status import DETAILS_KEY, status_for
from server.services.stream_slots import StreamSlots

log = logging.getLogger(__name__)
Request = TypeVar("Request")
Response = TypeVar("Response")


STREAM_READY = object()  # yielded by a streaming body once it is set up; never sent
CLIENT_GONE_WAIT_SECONDS = 1.0
# An open stream re-checks its caller's identity and permission before its next message
# after any write that may change access (ServerFacts.access_writes), and at least this often
# (in case another replica's announcement was lost).
STREAM_RECHECK_SECONDS = 60.0


@dataclass
class _StreamCheck:
    writes: AccessWrites
    writes_seen: int
    at: float

    def due(self) -> bool:
        return self.writes.count != self.writes_seen or time.monotonic() - self.at >= STREAM_RECHECK_SECONDS

    def done(self) -> None:
        self.writes_seen, self.at = self.writes.count, time.monotonic()


@dataclass(frozen=True)
class Guard:
    """What an RPC needs: a permission on the resource(s) named by a request field."""

    permission: Permission
    resource_type: ResourceType | None
    id_field: str | None
    write: bool


@dataclass(frozen=True)
class Call:
    """What an async or streaming body gets: the checked caller, no open transaction."""

    caller: Caller
    facts: ServerFacts


class Servicer:
    def __init__(self, runtime: Runtime, stream_slots: StreamSlots):
        self.runtime = runtime
        # One StreamSlots shared by every servicer, so the cap is per server, not per service.
        self.stream_slots = stream_slots


def rpc(
    permission: Permission,
    resource_type: ResourceType | None = None,
    id_field: str | None = None,
    *,
    write: bool | None = None,
    keeps_access: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares an RPC's permission. The body is one of:

    - `def body(self, ctx: DomainContext, request)`: runs in one transaction in a worker thread;
    - `async def body(self, call: Call, request)`: runs on the event loop after the check
      (for work that manages its own transactions, such as group-committed log ingest);
    - `async def body(self, call: Call, request)` yielding responses: a server stream.

    `keeps_access`: a write that can't take anyone's access away (a config edit, a new machine),
    so open streams need not re-check their callers after it: with many tails open, each
    write would otherwise cost a database check per tail.
    """
    guard = Guard(permission, resource_type, id_field, permission is Permission.WRITE if write is None else write)
    # Machine check-ins change no access either.
    changes_access = guard.write and permission is not Permission.MACHINE and not keeps_access

    def decorate(body: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isasyncgenfunction(body):

            @functools.wraps(body)
            async def stream_handler(self: Servicer, request: Any, context: grpc.aio.ServicerContext) -> None:
                runtime = self.runtime
                writes = runtime.facts.access_writes
                check = _StreamCheck(writes, writes.count, time.monotonic())
                claims = await run_mapped(context, lambda: _verified_claims(runtime, context))
                call = await run_mapped(context, lambda: _check_claims(runtime, guard, request, claims))
                try:
                    # aclosing: a stream ended here (a failed re-check) releases what the body holds at once.
                    async with contextlib.aclosing(body(self, call, request)) as responses:
                        with self.stream_slots.hold(call.caller):
                            async for response in responses:
                                if response is STREAM_READY:
                                    # Response headers now tell the client the stream is live
                                    # (e.g. a log tail is subscribed), before any message arrives.
                                    await context.send_initial_metadata(())
                                    continue
                                if check.due():
                                    # The identity and its permission, as at the start; the token's
                                    # expiry is not re-checked (a stream may outlive its token).
                                    check.done()
                                    await asyncio.to_thread(_check_claims, runtime, guard, request, claims)
                                if not await _sent(context, response):
                                    return
                except Exception as error:
                    await _abort(context, *_status_of(error))

            handler = stream_handler
        elif inspect.iscoroutinefunction(body):

            @functools.wraps(body)
            @default_deadline
            async def async_handler(self: Servicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
                call = None
                if guard.permission is Permission.MACHINE:
                    call = await run_mapped_inline(context, lambda: _check_machine_token(self.runtime, guard, request, context))
                if call is None:
                    call = await run_mapped(context, lambda: _check_only(self.runtime, guard, request, context))
                try:
                    return await body(self, call, request)
                except Exception as error:
                    await _abort(context, *_status_of(error))

            handler = async_handler
        else:

            @functools.wraps(body)
            @default_deadline
            async def unary_handler(self: Servicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
                runtime = self.runtime

                def in_transaction() -> tuple[Any, list[Callable[[], None]]]:
                    claims = _verified_claims(runtime, context)
                    with unit_of_work(runtime.engine, write=guard.write) as session:
                        ctx = DomainContext(
                            session=session,
                            caller=load_caller(session, claims.subject, claims.subject_type, claims.credential_id),
                            facts=runtime.facts,
                        )
                        _check(ctx, guard, request)
                        response = body(self, ctx, request)
                        if changes_access and runtime.facts.replica_id is not None:
                            announce_access_write(session, runtime.facts.replica_id)
                    return response, ctx.after_commit

                response, hooks = await run_mapped(context, in_transaction)
                if changes_access:
                    runtime.facts.access_writes.note()
                for hook in hooks:
                    hook()
                return response

            handler = unary_handler

        handler.__fleet_guard__ = guard  # type: ignore[attr-defined]
        return handler

    return decorate


async def _sent(context: grpc.aio.ServicerContext, response: Any) -> bool:
    """Writes one stream message; False once the client is gone.

    grpc's own errors on a write mean the call is over, and grpc may learn
    that the client went away after the failed write: it would then log the
    failure as an ERROR with a traceback. Waiting briefly lets grpc's own
    notice of the cancellation end the handler quietly instead. Anything
    else (a response that can't be serialized) is a bug, and goes on up.
    """
    try:
        await context.write(response)
        return True
    except grpc.aio.BaseError:
        await asyncio.sleep(CLIENT_GONE_WAIT_SECONDS)
        return False


def default_deadline(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A unary call whose client set no deadline ends with DEADLINE_EXCEEDED after the server's default.

    As with a client deadline, work already handed to a worker thread still
    runs to its end (and may commit); only the answer is given up.
    """

    @functools.wraps(handler)
    async def bounded(self: Servicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        if context.time_remaining() is not None:
            return await handler(self, request, context)
        seconds = self.runtime.settings.default_deadline_seconds
        try:
            async with asyncio.timeout(seconds):
                return await handler(self, request, context)
        except TimeoutError:
            pass
        await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, f"the call set no deadline and took longer than the server's default of {seconds:g}s")

    return bounded


def _check(ctx: DomainContext, guard: Guard, request: Any) -> None:
    reject_undecodable(request)
    if guard.resource_type is None or guard.id_field is None:
        access.require_authenticated(ctx)
    else:
        access.require(ctx, guard.permission, guard.resource_type, _resource_ids(request, guard.id_field))


def _check_only(runtime: Runtime, guard: Guard, request: Any, context: grpc.aio.ServicerContext) -> Call:
    return _check_claims(runtime, guard, request, _verified_claims(runtime, context))


def _check_claims(runtime: Runtime, guard: Guard, request: Any, claims: Any) -> Call:
    """The identity behind verified token claims still exists and has the guard's permission."""
    with unit_of_work(runtime.engine, write=False) as session:
        ctx = DomainContext(session=session, caller=load_caller(session, claims.subject, claims.subject_type, claims.credential_id), facts=runtime.facts)
        _check(ctx, guard, request)
        return Call(caller=ctx.authenticated_caller, facts=runtime.facts)


def _check_machine_token(runtime: Runtime, guard: Guard, request: Any, context: grpc.aio.ServicerContext) -> Call | None:
    """The hot path of machine calls (log ingest): no database round trip here.

    The token must be a machine token for the part the request names. That
    the part and the secret the token was issued for still exist is checked
    where the call writes, in the same transaction (see LogWriter), which
    reports a deleted part or secret as Unauthenticated. A valid token of
    another kind returns None: such callers take the full check, which
    re-checks their identity (a deleted key is UNAUTHENTICATED) before
    refusing them.
    """
    try:
        claims = _verified_claims(runtime, context)
    except Unauthenticated:
        reject_undecodable(request)
        raise
    if claims.subject_type != MACHINE_IDENTITY:
        return None
    reject_undecodable(request)
    assert guard.id_field is not None
    (part_id,) = _resource_ids(request, guard.id_field)
    if claims.subject != part_id:
        raise PermissionDenied(f"no machine permission on robot_part {part_id!r}: only the part itself may call this")
    caller = Caller(identity_id=claims.subject, identity_type=claims.subject_type, credential_id=claims.credential_id)
    return Call(caller=caller, facts=runtime.facts)


async def run_mapped_inline(context: grpc.aio.ServicerContext, work: Callable[[], Response]) -> Response:
    """Like run_mapped for work too small to be worth a thread hop (no I/O)."""
    try:
        return work()
    except Exception as error:
        await _abort(context, *_status_of(error))
        raise AssertionError("unreachable: abort raises") from error


async def run_mapped(context: grpc.aio.ServicerContext, work: Callable[[], Response]) -> Response:
    """Runs `work` in a worker thread; domain errors become their status, anything else INTERNAL."""
    try:
        return await asyncio.to_thread(work)
    except Exception as error:
        code, message, details = _status_of(error)
    await _abort(context, code, message, details)
    raise AssertionError("unreachable: abort raises")


def _status_of(error: Exception) -> tuple[grpc.StatusCode, str, bytes]:
    """Domain errors map to their status; anything else is logged and becomes INTERNAL."""
    if isinstance(error, DomainError):
        return status_for(error)
    incident = uuid.uuid4().hex[:12]
    log.error("internal error %s", incident, exc_info=error)
    return grpc.StatusCode.INTERNAL, f"internal error (incident {incident})", b""


async def _abort(context: grpc.aio.ServicerContext, code: grpc.StatusCode, message: str, details: bytes) -> None:
    trailers = ((DETAILS_KEY, details),) if details else ()
    await context.abort(code, message, trailing_metadata=trailers)


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


def reject_undecodable(request: Any) -> None:
    if isinstance(request, Undecodable):
        raise InvalidArgument(request.field, request.reason)


def has_authorization(metadata: Sequence[tuple[str, Any]]) -> bool:
    return any(key.lower() == "authorization" for key, _ in metadata)


def _resource_ids(request: Any, field: str) -> list[str]:
    value = getattr(request, field)
    ids = [value] if isinstance(value, str) else list(value)
    for resource_id in ids:
        if not resource_id:
            raise InvalidArgument(field, "is required")
    return ids
