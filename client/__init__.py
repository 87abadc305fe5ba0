"""Async Python client (and `fleet` CLI) for the fleet-management server."""

from client.access import Members, NewKey, Role
from client.errors import (
    Aborted,
    AlreadyExists,
    DeadlineExceeded,
    FailedPrecondition,
    FleetError,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    UnexpectedError,
    Violation,
)
from client.fleet import FleetClient
from client.fragments import FragmentHistoryPage, Visibility
from client.logs import LEVELS, MAX_LOG_BATCH, LogPage, log_entry
from client.part_configs import PartHistoryPage

__all__ = [
    "Aborted",
    "AlreadyExists",
    "DeadlineExceeded",
    "FailedPrecondition",
    "FleetClient",
    "FleetError",
    "FragmentHistoryPage",
    "InvalidArgument",
    "LEVELS",
    "LogPage",
    "MAX_LOG_BATCH",
    "Members",
    "NewKey",
    "NotFound",
    "PartHistoryPage",
    "PermissionDenied",
    "ResourceExhausted",
    "Role",
    "Unauthenticated",
    "Unavailable",
    "UnexpectedError",
    "Violation",
    "Visibility",
    "log_entry",
]
