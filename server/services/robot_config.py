"""A part's JSON config as the viam.app.v1.RobotConfig message that RobotService.Config returns.

Best effort, field by field: a key is used when the message (or a nested one)
has a field of that name (snake_case or its JSON lowerCamelCase name) and the
value has the field's shape; every other key and value is ignored, never an
error, because the config is the user's document and may hold keys for newer
or other software. Lists keep their order. `cloud` always comes from the
server, never from the JSON. Two spellings of viam-server's JSON format are
translated: a module's `executable_path` (ModuleConfig.path) and frame
orientations written as {"type": "ov_degrees", "value": {"th": ..., ...}}.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from generated.viam.app.v1 import robot_pb2 as pb
from server.domain.checkin import MachineConfig
from server.services.convert import timestamp

# Messages filled in as a whole by protobuf's JSON parser (their JSON form is not an object of fields).
_WHOLE = {
    "google.protobuf.Struct",
    "google.protobuf.Value",
    "google.protobuf.ListValue",
    "google.protobuf.Duration",
    "google.protobuf.Timestamp",
}
_ALIASES = {
    "viam.app.v1.ModuleConfig": {"executable_path": "path"},
    "viam.app.v1.Orientation.OrientationVectorDegrees": {"th": "theta"},
    "viam.app.v1.Orientation.OrientationVectorRadians": {"th": "theta"},
    "viam.app.v1.Orientation.AxisAngles": {"th": "theta"},
}
_ORIENTATION_TYPES = {
    "no_orientation": "no_orientation",
    "ov_degrees": "vector_degrees",
    "ov_radians": "vector_radians",
    "euler_angles": "euler_angles",
    "axis_angles": "axis_angles",
    "quaternion": "quaternion",
}
_SERVER_OWNED = {"cloud"}


def robot_config(machine: MachineConfig) -> pb.RobotConfig:
    message = pb.RobotConfig()
    fill(message, {key: value for key, value in machine.config.items() if key not in _SERVER_OWNED})
    message.cloud.CopyFrom(
        pb.CloudConfig(
            id=machine.part_id,
            fqdn=machine.fqdn,
            local_fqdn=machine.local_fqdn,
            location_secret=machine.location_secrets[-1].secret if machine.location_secrets else "",
            secret=machine.part_secret,
            location_secrets=[pb.LocationSecret(id=s.id, secret=s.secret) for s in machine.location_secrets],
            primary_org_id=machine.organization_id,
            location_id=machine.location_id,
            machine_id=machine.robot_id,
        )
    )
    # Changes with every UpdateRobotPart.
    stamp = timestamp(machine.last_updated)
    message.revision = stamp.ToJsonString() if stamp is not None else ""
    return message


def fill(message: Message, data: dict[str, Any]) -> None:
    """Sets the fields of `message` that `data` has usable values for."""
    descriptor = message.DESCRIPTOR
    if descriptor.full_name == "viam.app.v1.Orientation" and "type" in data:
        data = _orientation(data)
    aliases = _ALIASES.get(descriptor.full_name, {})
    by_json_name = {field.json_name: field for field in descriptor.fields}
    for key, value in data.items():
        field = descriptor.fields_by_name.get(aliases.get(key, key)) or by_json_name.get(key)
        if field is not None:
            _set(message, field, value)


def _set(message: Message, field: Any, value: Any) -> None:
    kind = field.message_type
    if kind is not None and not kind.GetOptions().map_entry and kind.full_name not in _WHOLE:
        if field.is_repeated:
            if isinstance(value, list):
                container = getattr(message, field.name)
                for item in value:
                    if isinstance(item, dict):
                        fill(container.add(), item)
        elif isinstance(value, dict):
            nested = getattr(message, field.name)
            nested.SetInParent()
            fill(nested, value)
        return
    # Scalars, enums, maps, lists of scalars and the well-known types: protobuf's JSON rules.
    scratch = type(message)()
    try:
        json_format.ParseDict({field.name: value}, scratch)
    except Exception:  # noqa: BLE001  (a value protobuf cannot take is ignored, never an error)
        return
    message.MergeFrom(scratch)


def _orientation(data: dict[str, Any]) -> dict[str, Any]:
    """viam-server's {"type": "ov_degrees", "value": {...}} as the Orientation message's oneof."""
    field = _ORIENTATION_TYPES.get(str(data.get("type")))
    value = data.get("value")
    if field is None:
        return {}
    return {field: value if isinstance(value, dict) else {}}
