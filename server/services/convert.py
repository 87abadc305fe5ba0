"""Domain objects to protobuf messages and back. Pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from generated.viam.app.v1 import app_pb2 as pb
from generated.viam.app.v1 import robot_pb2
from generated.viam.common.v1 import common_pb2
from server.db.models import Organization
from server.domain.errors import InvalidArgument
from server.domain.locations import LocationView
from server.domain.part_configs import HistoryEntryView
from server.domain.parts import PartView
from server.domain.robots import RobotView
from server.domain.secrets import SecretView
from server.domain.status import OnlineState
from server.logs import entries
from server.logs.records import LogRecord, PushedBatch

# google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
_MIN_TIMESTAMP_SECONDS, _MAX_TIMESTAMP_SECONDS = -62_135_596_800, 253_402_300_799

_ONLINE_STATES = {
    OnlineState.ONLINE: pb.ONLINE_STATE_ONLINE,
    OnlineState.OFFLINE: pb.ONLINE_STATE_OFFLINE,
    OnlineState.AWAITING_SETUP: pb.ONLINE_STATE_AWAITING_SETUP,
}
ONLINE_STATES = _ONLINE_STATES


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return stamp


def struct(data: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(data)
    return message


def struct_to_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    """Plain Python values; unlike json_format it keeps NaN/Infinity so validation can name the field."""
    return {key: _value(value) for key, value in message.fields.items()}


def _value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return struct_to_dict(value.struct_value)
    if kind == "list_value":
        return [_value(item) for item in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind in ("string_value", "bool_value"):
        return getattr(value, kind)
    return None


def optional_struct(request: Any, field: str = "data") -> dict[str, Any] | None:
    return struct_to_dict(getattr(request, field)) if request.HasField(field) else None


def optional_string(request: Any, field: str) -> str | None:
    return getattr(request, field) if request.HasField(field) else None


def optional_datetime(request: Any, field: str) -> datetime | None:
    """A set Timestamp as an aware UTC datetime, truncated to microseconds (what the database stores)."""
    if not request.HasField(field):
        return None
    try:
        return getattr(request, field).ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(field, "is not a valid timestamp") from None


def organization(row: Organization) -> pb.Organization:
    message = pb.Organization(
        id=row.id,
        name=row.name,
        created_on=timestamp(row.created_on),
        public_namespace=row.public_namespace or "",
        default_region=row.default_region,
    )
    if row.cid is not None:
        message.cid = row.cid
    if row.default_fragments is not None:
        message.default_fragments.ParseFromString(row.default_fragments)
    if row.allowed_login_methods is not None:
        message.allowed_login_methods.ParseFromString(row.allowed_login_methods)
    return message


def shared_secret(secret: SecretView) -> pb.SharedSecret:
    return pb.SharedSecret(
        id=secret.id, secret=secret.secret, created_on=timestamp(secret.created_on), state=pb.SharedSecret.STATE_ENABLED
    )


def location(view: LocationView) -> pb.Location:
    return pb.Location(
        id=view.id,
        name=view.name,
        parent_location_id=view.parent_location_id,
        auth=pb.LocationAuth(
            location_id=view.id,
            secret=view.secrets[0].secret if view.secrets else "",
            secrets=[shared_secret(s) for s in view.secrets],
        ),
        organizations=[pb.LocationOrganization(organization_id=view.organization_id, primary=True)]
        + [pb.LocationOrganization(organization_id=org_id, primary=False) for org_id in view.shared_with],
        created_on=timestamp(view.created_on),
        robot_count=view.robot_count,
        config=pb.StorageConfig(region=view.region),
        primary_org_identity=pb.OrganizationIdentity(id=view.organization_id, name=view.organization_name),
    )


def robot(view: RobotView) -> pb.Robot:
    return pb.Robot(
        id=view.id,
        name=view.name,
        location=view.location_id,
        last_access=timestamp(view.last_access),
        created_on=timestamp(view.created_on),
        online_state=_ONLINE_STATES[view.online_state],
        seconds_since_online=view.seconds_since_online,
    )


def robot_part(view: PartView) -> pb.RobotPart:
    return pb.RobotPart(
        id=view.id,
        name=view.name,
        dns_name=view.dns_name,
        secret=view.secrets[0].secret if view.secrets else "",
        robot=view.robot_id,
        location_id=view.location_id,
        robot_config=struct(view.config),
        last_access=timestamp(view.last_access),
        main_part=view.main_part,
        fqdn=view.fqdn,
        local_fqdn=view.local_fqdn,
        created_on=timestamp(view.created_on),
        secrets=[shared_secret(s) for s in view.secrets],
        last_updated=timestamp(view.last_updated),
        online_state=_ONLINE_STATES[view.online_state],
        seconds_since_online=view.seconds_since_online,
        robot_config_json=view.config_json,
    )


_EDITOR_TYPES = {"api-key": pb.AUTHENTICATION_TYPE_API_KEY, "user": pb.AUTHENTICATION_TYPE_WEB_OAUTH}


def history_entry(view: HistoryEntryView) -> pb.RobotPartHistoryEntry:
    return pb.RobotPartHistoryEntry(
        part=view.part_id,
        robot=view.robot_id,
        when=timestamp(view.when),
        old=pb.RobotPart(
            id=view.part_id,
            name=view.name,
            dns_name=view.dns_name,
            robot=view.robot_id,
            location_id=view.location_id,
            robot_config=struct(view.config),
            main_part=view.main_part,
            fqdn=view.fqdn,
            local_fqdn=view.local_fqdn,
            created_on=timestamp(view.created_on),
            last_updated=timestamp(view.last_updated),
            robot_config_json=view.config_json,
        ),
        edited_by=pb.AuthenticatorInfo(
            type=_EDITOR_TYPES.get(view.editor_type, pb.AUTHENTICATION_TYPE_UNSPECIFIED),
            value=view.editor_name,
            is_deactivated=view.editor_deactivated,
        ),
    )


def pushed_batch(request: robot_pb2.LogRequest, received_ns: int) -> PushedBatch:
    """A Log request for the writer, which reads the entries from the serialized request."""
    part_id = request.id
    return PushedBatch(
        part_id,
        len(request.logs),
        request.SerializeToString(),
        received_ns,
        lambda: entries.log_records(part_id, request.logs, received_ns),
        lambda: max((entry.ByteSize() for entry in request.logs), default=0),
    )


# Both TailRobotPartLogsResponse and GetRobotPartLogsResponse carry the
# entries as field 1 (`repeated viam.common.v1.LogEntry logs = 1`), and a
# stored record already holds its entry serialized. So responses are built by
# framing and joining those bytes, instead of parsing every entry into a
# message and serializing it again for every reader.
_LOGS_FIELD_TAG = b"\x0a"  # field 1, length-delimited
_NEXT_PAGE_TOKEN_TAG = b"\x12"  # GetRobotPartLogsResponse.next_page_token = 2


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# Lengths of entries are almost always below 16 KiB: looked up, not computed, per entry.
_SHORT_LENGTHS = [_varint(length) for length in range(1 << 14)]


def _length(data: bytes) -> bytes:
    size = len(data)
    return _SHORT_LENGTHS[size] if size < 1 << 14 else _varint(size)


def _entry_bytes(record: LogRecord) -> bytes:
    if record.payload:
        return record.payload
    entry = common_pb2.LogEntry(level=record.level, message=record.message, logger_name=record.logger_name)
    entry.time.FromNanoseconds(record.time_ns)
    return entry.SerializeToString()


def _framed(record: LogRecord) -> bytes:
    if record.framed is None:
        entry = _entry_bytes(record)
        record.framed = _LOGS_FIELD_TAG + _length(entry) + entry
    return record.framed


def tail_response_bytes(records: list[LogRecord]) -> bytes:
    """A serialized TailRobotPartLogsResponse."""
    return b"".join([_framed(record) for record in records])


def logs_page_bytes(entries: list[bytes], next_page_token: str) -> bytes:
    """A serialized GetRobotPartLogsResponse of stored (serialized) entries."""
    token = next_page_token.encode()
    tail = _NEXT_PAGE_TOKEN_TAG + _varint(len(token)) + token if token else b""
    return b"".join([_LOGS_FIELD_TAG + _length(entry) + entry for entry in entries]) + tail


def optional_timestamp_ns(request: Any, field: str) -> int | None:
    """A set Timestamp in nanoseconds since the epoch; it may lie beyond what int64 nanoseconds hold."""
    if not request.HasField(field):
        return None
    stamp = getattr(request, field)
    if not (0 <= stamp.nanos < 1_000_000_000 and _MIN_TIMESTAMP_SECONDS <= stamp.seconds <= _MAX_TIMESTAMP_SECONDS):
        raise InvalidArgument(field, "is not a valid timestamp")
    return stamp.ToNanoseconds()
