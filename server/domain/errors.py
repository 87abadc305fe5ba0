"""Typed domain errors. services/status.py is the one place that maps them to gRPC status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; `message` is safe to show to the caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Unauthenticated(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class InvalidArgument(DomainError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.description = message


class NotFound(DomainError):
    def __init__(self, resource_type: str, resource_name: str, message: str | None = None):
        super().__init__(message or f"{resource_type} {resource_name!r} not found")
        self.resource_type = resource_type
        self.resource_name = resource_name


class AlreadyExists(DomainError):
    def __init__(self, resource_type: str, resource_name: str, message: str | None = None):
        super().__init__(message or f"{resource_type} {resource_name!r} already exists")
        self.resource_type = resource_type
        self.resource_name = resource_name


class FailedPrecondition(DomainError):
    """The request is valid but the current state forbids it (e.g. deleting a non-empty location)."""

    def __init__(self, subject: str, message: str, violation_type: str = "STATE"):
        super().__init__(message)
        self.subject = subject
        self.violation_type = violation_type


class Aborted(DomainError):
    """A concurrency conflict: the resource changed since the caller read it (a stale
    `last_known_update`). Re-read it and retry; nothing was changed."""

    def __init__(self, subject: str, message: str, violation_type: str = "STALE"):
        super().__init__(message)
        self.subject = subject
        self.violation_type = violation_type


class ResourceExhausted(DomainError):
    """The caller hit a quota (e.g. too many open streams); retry once it freed some."""

    def __init__(self, subject: str, message: str, limit: int):
        super().__init__(message)
        self.subject = subject
        self.limit = limit


class Unavailable(DomainError):
    """A service the call needs is down for now (the log store); the call may be retried."""
