"""Part configs as JSON text (key order kept), and the page type of GetRobotPartHistory.

The server stores a part's config as a compact JSON object with its keys in
the order they were sent, and returns it as `RobotPart.robot_config_json`
(`robot_config`, a protobuf Struct, has no key order). These helpers check a
config locally the way the server does before it is sent, and render it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from google.protobuf.json_format import MessageToDict

from generated.viam.app.v1 import app_pb2 as pb


@dataclass(frozen=True)
class PartHistoryPage:
    """One page of GetRobotPartHistory, newest first; `next_page_token` is empty on the last page.

    Each entry is one UpdateRobotPart: `when` it happened, `edited_by` (an API key id or a user's email;
    `is_deactivated` once that identity is deleted) and `old`, the part as it was before the change.
    """

    entries: list[pb.RobotPartHistoryEntry]
    next_page_token: str


class ConfigTextError(ValueError):
    """Text that the server would refuse as a part config (not JSON, not an object, duplicate keys, NaN)."""


class _DuplicateKey(ValueError):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen = dict(pairs)
    if len(seen) != len(pairs):
        keys = [key for key, _ in pairs]
        raise _DuplicateKey(next(key for key in keys if keys.count(key) > 1))
    return seen


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (numbers must be finite)")


def parse_config(text: str) -> dict[str, Any]:
    """The config object in `text`, keys in order. Raises ConfigTextError when it is not a JSON object
    (or has a key twice in one object, or NaN/Infinity), with a message saying where."""
    try:
        value = json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_reject_constant)
    except _DuplicateKey as error:
        raise ConfigTextError(f"has the key {str(error)!r} twice in one object") from None
    except RecursionError:
        raise ConfigTextError("is nested too deeply") from None
    except ValueError as error:
        raise ConfigTextError(f"is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        kind = "null" if value is None else {list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")
        raise ConfigTextError(f"must be a JSON object, got {kind}")
    return value


def config_json(part: pb.RobotPart) -> str:
    """The part's config as compact JSON text, keys in the stored order (from `robot_config` when the
    server sent no `robot_config_json`, in which case key order is not known)."""
    if part.HasField("robot_config_json"):
        return part.robot_config_json
    return json.dumps(MessageToDict(part.robot_config), separators=(",", ":"), ensure_ascii=False)


def pretty(text: str) -> str:
    """JSON text indented by two spaces, keys in their order, non-ASCII kept; no trailing newline."""
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False)


def size(text: str) -> int:
    """Bytes of the text as UTF-8 (the server's limit is 1 MiB as compact JSON)."""
    return len(text.encode("utf-8"))
