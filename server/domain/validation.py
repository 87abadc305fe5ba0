"""Input rules shared by the domain operations. Each failure names the request field."""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from typing import Any

from server.domain.errors import InvalidArgument

MAX_NAME_LENGTH = 100
MAX_METADATA_BYTES = 64 * 1024
_MAX_DOUBLE = sys.float_info.max
_NAMESPACE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9-]{1,40}$")


def require_id(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    return value


def clean_name(value: str, field: str = "name") -> str:
    """Names are trimmed and composed (NFC, so names that look the same are the same);
    they must be 1..100 characters with no control characters."""
    name = unicodedata.normalize("NFC", value.strip())
    if not name:
        raise InvalidArgument(field, "must not be empty")
    return check_short_text(name, field)


def check_short_text(value: str, field: str) -> str:
    """Short text (a name, an organization's cid) is at most 100 characters with no control characters."""
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidArgument(field, f"must be at most {MAX_NAME_LENGTH} characters, got {len(value)}")
    if has_control_characters(value):
        raise InvalidArgument(field, "must not contain control characters")
    return value


def has_control_characters(text: str) -> bool:
    """Control, invisible formatting (zero-width, bidi overrides), surrogate or line/paragraph
    separator characters (U+2028/U+2029 break lines as a newline does)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in text)


def check_namespace(value: str, field: str = "public_namespace") -> str:
    if not _NAMESPACE.match(value):
        raise InvalidArgument(
            field, "must be 3 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'"
        )
    return value


def check_region(value: str, field: str = "region") -> str:
    if not _REGION.match(value):
        raise InvalidArgument(field, "must be 1 to 40 characters of a-z, 0-9 and '-'")
    return value


def metadata_json(data: dict[str, Any] | None, field: str = "data") -> str:
    """Serialize user metadata; unset means empty. Rejects NaN/Infinity and anything over 64 KiB."""
    if data is None:
        return "{}"
    if has_non_finite(data):
        raise InvalidArgument(field, "numbers must be finite (no NaN or Infinity)")
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_METADATA_BYTES:
        raise InvalidArgument(field, f"must be at most {MAX_METADATA_BYTES} bytes as JSON, got {size}")
    return text


def has_non_finite(value: Any) -> bool:
    """NaN or Infinity anywhere, or an integer (from JSON text) too big to be a double: a
    google.protobuf.Value holds doubles, so it could not be returned."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) > _MAX_DOUBLE
    if isinstance(value, dict):
        return any(has_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(has_non_finite(v) for v in value)
    return False
