"""Service registration: request decoding that turns undecodable bytes into a clear INVALID_ARGUMENT
instead of UNKNOWN, and responses that may arrive already serialized.

grpcio answers a request that fails to parse (for example a proto3 string
holding invalid UTF-8) with UNKNOWN before any handler runs. Every method is
registered here with a deserializer that returns `Undecodable` instead, which
the rpc decorator rejects as INVALID_ARGUMENT. Machine logs get one more
chance: a LogRequest is re-read with its string fields as bytes and invalid
UTF-8 replaced by U+FFFD, so one bad byte never loses a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, struct_pb2, timestamp_pb2
from google.protobuf.descriptor import FieldDescriptor, ServiceDescriptor
from google.protobuf.message import DecodeError

from generated.viam.app.v1 import robot_pb2
from generated.viam.common.v1 import common_pb2

_REPAIRED_STRING_FIELDS = ("host", "level", "logger_name", "message", "stack")


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a request that could not be parsed, or holds a string the store can't keep."""

    reason: str
    field: str = "request"


def _field_with_nul(message: Any, prefix: str = "") -> str | None:
    """Path of the first string field holding U+0000: PostgreSQL text can't store it,
    so it is refused on every backend alike."""
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
            items = [item for pair in value.items() for item in pair]  # map<string, X>: keys and values
        elif field.is_repeated:
            items = list(value)
        else:
            items = [value]
        for item in items:
            found = _item_with_nul(item, path)
            if found:
                return found
    return None


def _item_with_nul(item: Any, path: str) -> str | None:
    if isinstance(item, str):
        return path if "\x00" in item else None
    if hasattr(item, "ListFields"):
        return _field_with_nul(item, f"{path}.")
    return None


def _lenient_log_request_class() -> type:
    """A private copy of LogRequest/LogEntry whose string fields are bytes (same numbers)."""
    file = descriptor_pb2.FileDescriptorProto(
        name="fleet_server_lenient_log.proto",
        package="fleet_server.lenient",
        syntax="proto3",
        dependency=["google/protobuf/struct.proto", "google/protobuf/timestamp.proto"],
    )
    entry = file.message_type.add()
    common_pb2.LogEntry.DESCRIPTOR.CopyToProto(entry)
    request = file.message_type.add()
    robot_pb2.LogRequest.DESCRIPTOR.CopyToProto(request)
    for field in [*entry.field, *request.field]:
        if field.type == FieldDescriptor.TYPE_STRING:
            field.type = FieldDescriptor.TYPE_BYTES
        if field.type_name == ".viam.common.v1.LogEntry":
            field.type_name = ".fleet_server.lenient.LogEntry"
    pool = descriptor_pool.DescriptorPool()
    for dependency in (struct_pb2, timestamp_pb2):
        pool.AddSerializedFile(dependency.DESCRIPTOR.serialized_pb)
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("fleet_server.lenient.LogRequest"))


_LenientLogRequest = _lenient_log_request_class()


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def parse_log_request(data: bytes) -> robot_pb2.LogRequest | Undecodable:
    try:
        return robot_pb2.LogRequest.FromString(data)
    except DecodeError:
        pass
    try:
        lenient = _LenientLogRequest.FromString(data)
    except DecodeError as error:
        return Undecodable(f"LogRequest is not valid protobuf (invalid UTF-8 is only repaired in {', '.join(_REPAIRED_STRING_FIELDS)}): {error}")
    request = robot_pb2.LogRequest(id=_text(lenient.id))
    for raw in lenient.logs:
        entry = request.logs.add(**{name: _text(getattr(raw, name)) for name in _REPAIRED_STRING_FIELDS})
        if raw.HasField("time"):
            # Copied as sent: out-of-range nanos must still refuse the batch (entries.normalized).
            entry.time.seconds, entry.time.nanos = raw.time.seconds, raw.time.nanos
        if raw.HasField("caller"):
            entry.caller.ParseFromString(raw.caller.SerializeToString())
        for item in raw.fields:
            entry.fields.add().ParseFromString(item.SerializeToString())
    return request


def _strict(message_class: type) -> Callable[[bytes], Any]:
    def parse(data: bytes) -> Any:
        try:
            message = message_class.FromString(data)
        except DecodeError as error:
            return Undecodable(f"{message_class.DESCRIPTOR.name} is not valid protobuf (strings must be UTF-8): {error}")
        field = _field_with_nul(message) if b"\x00" in data else None
        if field is not None:
            return Undecodable("must not contain the NUL character (U+0000)", field)
        return message

    return parse


_SPECIAL_PARSERS: dict[str, Callable[[bytes], Any]] = {"/viam.app.v1.RobotService/Log": parse_log_request}


def _serializer(message_class: type) -> Callable[[Any], bytes]:
    """Servicers may return a message, or bytes they serialized themselves (hot log paths do)."""

    def serialize(response: Any) -> bytes:
        return response if isinstance(response, bytes) else message_class.SerializeToString(response)

    return serialize


def add_service(server: grpc.aio.Server, servicer: Any, service: ServiceDescriptor, messages: Any) -> None:
    """Registers every method of `service` on `servicer` with the tolerant deserializers above."""
    handlers = {}
    for method in service.methods:
        path = f"/{service.full_name}/{method.name}"
        parse = _SPECIAL_PARSERS.get(path) or _strict(getattr(messages, method.input_type.name))
        serialize = _serializer(getattr(messages, method.output_type.name))
        factory = grpc.unary_stream_rpc_method_handler if method.server_streaming else grpc.unary_unary_rpc_method_handler
        handlers[method.name] = factory(getattr(servicer, method.name), request_deserializer=parse, response_serializer=serialize)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service.full_name, handlers),))
