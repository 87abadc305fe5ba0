"""Fragment visibility as plain strings, the page type of GetFragmentHistory, and fragment configs as text."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from google.protobuf.json_format import MessageToDict

from generated.viam.app.v1 import app_pb2 as pb


class Visibility(str, enum.Enum):
    """Who may read a fragment: its organization only, every authenticated caller (listed), or anyone with the id."""

    PRIVATE = "private"
    PUBLIC = "public"
    UNLISTED = "unlisted"

    @property
    def proto(self) -> "pb.FragmentVisibility.ValueType":
        return _TO_PROTO[self]

    @classmethod
    def of(cls, value: "Visibility | str | int") -> "Visibility":
        """From a Visibility, its string ("private", "public", "unlisted") or a `FragmentVisibility` number."""
        if isinstance(value, cls):
            return value
        if isinstance(value, int):
            for visibility, number in _TO_PROTO.items():
                if number == value:
                    return visibility
            raise ValueError(f"unknown fragment visibility {value}")
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ValueError(f"unknown fragment visibility {value!r} (choose from private, public, unlisted)") from None

    def __str__(self) -> str:
        return self.value


_TO_PROTO = {
    Visibility.PRIVATE: pb.FRAGMENT_VISIBILITY_PRIVATE,
    Visibility.PUBLIC: pb.FRAGMENT_VISIBILITY_PUBLIC,
    Visibility.UNLISTED: pb.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED,
}


@dataclass(frozen=True)
class FragmentHistoryPage:
    """One page of GetFragmentHistory, newest revision first; `next_page_token` is empty on the last page.

    Each entry is one revision: `revision`, `edited_on`, `edited_by`, `config` and `old` (the fragment as of it).
    """

    entries: list[pb.FragmentHistoryEntry]
    next_page_token: str


def config_json(fragment: pb.Fragment) -> str:
    """The fragment's config as compact JSON text, keys in the stored order when the server sent
    `fragment_config_json` (else from the `fragment` Struct, whose key order is not known)."""
    if fragment.HasField("fragment_config_json"):
        return fragment.fragment_config_json
    return json.dumps(MessageToDict(fragment.fragment), separators=(",", ":"), ensure_ascii=False)
