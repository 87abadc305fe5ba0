"""The one mapping from domain errors to gRPC status codes with google.rpc details."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from server.domain import errors

ERROR_DOMAIN = "fleet-server"
DETAILS_KEY = "grpc-status-details-bin"
# Messages and details may echo what the caller sent. Clients refuse trailers
# over 8 KiB, which would turn a clear error into RESOURCE_EXHAUSTED, so each
# echoed text is cut to this many characters.
MAX_ECHO_CHARS = 512


def _short(text: str) -> str:
    return text if len(text) <= MAX_ECHO_CHARS else text[: MAX_ECHO_CHARS - 1] + "…"

_CODES: list[tuple[type[errors.DomainError], grpc.StatusCode, str]] = [
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"),
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND, "NOT_FOUND"),
    (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS, "ALREADY_EXISTS"),
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION, "FAILED_PRECONDITION"),
    (errors.Aborted, grpc.StatusCode.ABORTED, "ABORTED"),
    (errors.ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE"),
]


def status_for(error: errors.DomainError) -> tuple[grpc.StatusCode, str, bytes]:
    """(code, message, serialized google.rpc.Status for the grpc-status-details-bin trailer)."""
    code, reason = next((c, r) for kind, c, r in _CODES if isinstance(error, kind))
    details = [error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=_info_metadata(error))]
    if isinstance(error, errors.InvalidArgument):
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[error_details_pb2.BadRequest.FieldViolation(field=error.field, description=_short(error.description))]
            )
        )
    elif isinstance(error, (errors.NotFound, errors.AlreadyExists)):
        details.append(error_details_pb2.ResourceInfo(resource_type=error.resource_type, resource_name=_short(error.resource_name)))
    elif isinstance(error, (errors.FailedPrecondition, errors.Aborted)):
        details.append(
            error_details_pb2.PreconditionFailure(
                violations=[
                    error_details_pb2.PreconditionFailure.Violation(
                        type=error.violation_type, subject=_short(error.subject), description=_short(error.message)
                    )
                ]
            )
        )
    elif isinstance(error, errors.ResourceExhausted):
        details.append(
            error_details_pb2.QuotaFailure(
                violations=[error_details_pb2.QuotaFailure.Violation(subject=_short(error.subject), description=_short(error.message))]
            )
        )
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    message = _short(error.message)
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=packed)
    return code, message, status.SerializeToString()


def _info_metadata(error: errors.DomainError) -> dict[str, str]:
    return {"limit": str(error.limit)} if isinstance(error, errors.ResourceExhausted) else {}
