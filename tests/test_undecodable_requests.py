"""Requests that do not parse get INVALID_ARGUMENT (never UNKNOWN); bad UTF-8 in log text is repaired."""

from __future__ import annotations

import grpc

from conftest import Fleet, bearer, invalid
from generated.proto.rpc.v1 import auth_pb2, auth_pb2_grpc
from generated.viam.app.v1 import app_pb2, robot_pb2
from generated.viam.common.v1 import common_pb2

MARKER = b"MARKER-0123"
BAD_UTF8 = b"bad \xff\xfe  end"  # as long as MARKER, so length prefixes stay right
assert len(BAD_UTF8) == len(MARKER)


def _machine_metadata(channel: grpc.Channel, part: app_pb2.RobotPart) -> list[tuple[str, str]]:
    request = auth_pb2.AuthenticateRequest(
        entity=part.id, credentials=auth_pb2.Credentials(type="robot-secret", payload=part.secret)
    )
    return bearer(auth_pb2_grpc.AuthServiceStub(channel).Authenticate(request).access_token)


def test_invalid_utf8_in_log_text_is_stored_with_replacement_characters(channel: grpc.Channel, fleet: Fleet, md) -> None:
    tree = fleet.new_tree()
    part = fleet.main_part(tree.robot_id)
    entry = common_pb2.LogEntry(level="info", host="MARKER-0123", message="MARKER-0123", logger_name="ok")
    raw = robot_pb2.LogRequest(id=part.id, logs=[entry]).SerializeToString().replace(MARKER, BAD_UTF8)
    channel.unary_unary("/viam.app.v1.RobotService/Log")(raw, metadata=_machine_metadata(channel, part))

    logs = fleet.call("GetRobotPartLogs", id=part.id).logs
    assert [(log.host, log.message, log.logger_name) for log in logs] == [("bad \ufffd\ufffd  end", "bad \ufffd\ufffd  end", "ok")]


def test_invalid_utf8_in_an_app_request_is_invalid_argument(channel: grpc.Channel, fleet: Fleet, md) -> None:
    raw = app_pb2.CreateOrganizationRequest(name="MARKER-0123").SerializeToString().replace(MARKER, BAD_UTF8)
    with invalid("request"):
        channel.unary_unary("/viam.app.v1.AppService/CreateOrganization")(raw, metadata=md)


def test_garbage_bytes_are_invalid_argument(channel: grpc.Channel, md) -> None:
    with invalid("request"):
        channel.unary_unary("/viam.app.v1.AppService/ListOrganizations")(b"\xff\xff\xff\xff", metadata=md)
