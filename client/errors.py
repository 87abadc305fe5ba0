"""Typed exceptions built from a gRPC status and its google.rpc details.

Every error the client raises for a failed call is a `FleetError`; a raw
`grpc.RpcError` never escapes. The server puts a serialized `google.rpc.Status`
in the `grpc-status-details-bin` trailer: `ErrorInfo` (its `reason`) always,
`BadRequest` for INVALID_ARGUMENT, `ResourceInfo` for NOT_FOUND and
ALREADY_EXISTS, `PreconditionFailure` for FAILED_PRECONDITION and ABORTED,
`QuotaFailure` for RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message
from google.rpc import error_details_pb2, status_pb2

DETAILS_KEY = "grpc-status-details-bin"
_DETAIL_TYPES: tuple[type[Message], ...] = (
    error_details_pb2.ErrorInfo,
    error_details_pb2.BadRequest,
    error_details_pb2.ResourceInfo,
    error_details_pb2.PreconditionFailure,
    error_details_pb2.QuotaFailure,
)


@dataclass(frozen=True)
class Violation:
    """One `google.rpc.PreconditionFailure` violation."""

    type: str
    subject: str
    description: str


class FleetError(Exception):
    """A failed call. `code` is the gRPC status, `reason` the ErrorInfo reason (else the code name)."""

    def __init__(self, code: grpc.StatusCode, message: str, reason: str | None = None, details: Sequence[Message] = ()):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.reason = reason or code.name
        self.details: tuple[Message, ...] = tuple(details)

    def detail(self, kind: type[Any]) -> Any:
        """The first detail message of that google.rpc type, or None."""
        return next((d for d in self.details if isinstance(d, kind)), None)


class Unauthenticated(FleetError):
    pass


class PermissionDenied(FleetError):
    pass


class _ResourceError(FleetError):
    """An error about one named resource (google.rpc.ResourceInfo)."""

    @property
    def resource_type(self) -> str | None:
        info = self.detail(error_details_pb2.ResourceInfo)
        return info.resource_type if info else None

    @property
    def resource_name(self) -> str | None:
        info = self.detail(error_details_pb2.ResourceInfo)
        return info.resource_name if info else None


class NotFound(_ResourceError):
    pass


class AlreadyExists(_ResourceError):
    pass


class InvalidArgument(FleetError):
    @property
    def field(self) -> str | None:
        """The request field the server blames (first BadRequest field violation)."""
        bad = self.detail(error_details_pb2.BadRequest)
        return bad.field_violations[0].field if bad and bad.field_violations else None

    @property
    def description(self) -> str | None:
        bad = self.detail(error_details_pb2.BadRequest)
        return bad.field_violations[0].description if bad and bad.field_violations else None


class _PreconditionError(FleetError):
    """An error explained by google.rpc.PreconditionFailure violations."""

    @property
    def violations(self) -> list[Violation]:
        failure = self.detail(error_details_pb2.PreconditionFailure)
        return [Violation(v.type, v.subject, v.description) for v in failure.violations] if failure else []


class FailedPrecondition(_PreconditionError):
    pass


class Aborted(_PreconditionError):
    """A concurrency conflict: the resource changed since the caller read it (UpdateRobotPart or UpdateFragment with a
    stale `last_known_update`). Nothing was changed; re-read the resource and retry.

    `violations` name what was stale (e.g. type "STALE", subject "last_known_update"); `hint` says what to do,
    and `str()` carries it unless the server's message already does.
    """

    hint = "the part changed since you read it; re-read and retry"

    def __init__(self, code: grpc.StatusCode, message: str, reason: str | None = None, details: Sequence[Message] = ()):
        super().__init__(code, message, reason, details)
        if "re-read" not in message.lower():
            self.args = (f"{code.name}: {message} ({self.hint})" if message else f"{code.name}: {self.hint}",)


class Unavailable(FleetError):
    """The server cannot be reached (or is shutting down)."""


class ResourceExhausted(FleetError):
    """A server limit was reached: too many open log tails for this identity
    (`violations` name the identity; ErrorInfo metadata `limit` gives the cap), or a
    message above the server's size limit. Close something, or send less, and retry."""

    @property
    def violations(self) -> list[Violation]:
        failure = self.detail(error_details_pb2.QuotaFailure)
        return [Violation("QUOTA", v.subject, v.description) for v in failure.violations] if failure else []


class DeadlineExceeded(FleetError):
    """The call ran past its deadline: the caller's, or the server's default for calls
    without one. A write may still have happened; read before retrying."""


class UnexpectedError(FleetError):
    """Any other status code (INTERNAL, UNIMPLEMENTED, ...)."""


_BY_CODE: dict[grpc.StatusCode, type[FleetError]] = {
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
}


def from_rpc_error(error: grpc.RpcError) -> FleetError:
    """The typed exception for a failed call (sync or grpc.aio)."""
    code = _call(error, "code") or grpc.StatusCode.UNKNOWN
    message = _call(error, "details") or ""
    details = _unpack_details(_call(error, "trailing_metadata") or ())
    info = next((d for d in details if isinstance(d, error_details_pb2.ErrorInfo)), None)
    kind = _BY_CODE.get(code, UnexpectedError)
    return kind(code, message, info.reason if info and info.reason else None, details)


def _call(error: grpc.RpcError, name: str) -> Any:
    method = getattr(error, name, None)
    try:
        return method() if callable(method) else None
    except Exception:  # a half-built RpcError must still become a FleetError
        return None


def _unpack_details(trailers: Any) -> list[Message]:
    raw = next((value for key, value in trailers if key == DETAILS_KEY), None)
    if not isinstance(raw, bytes):
        return []
    status = status_pb2.Status()
    try:
        status.ParseFromString(raw)
    except DecodeError:
        return []
    details: list[Message] = []
    for packed in status.details:
        for kind in _DETAIL_TYPES:
            if packed.Is(kind.DESCRIPTOR):
                message = kind()
                packed.Unpack(message)
                details.append(message)
    return details
