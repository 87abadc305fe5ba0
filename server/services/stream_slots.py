"""Caps how many server streams (log tails) one identity may hold open at once.

Slots are taken and given back on the event loop only, so a plain dict is safe.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from server.domain.context import Caller
from server.domain.errors import ResourceExhausted


class StreamSlots:
    def __init__(self, per_identity: int):
        self.per_identity = per_identity
        self._open: dict[tuple[str, str], int] = {}

    @contextlib.contextmanager
    def hold(self, caller: Caller) -> Iterator[None]:
        """One slot for the lifetime of a stream, however it ends; ResourceExhausted when none is free."""
        identity = (caller.identity_type, caller.identity_id)
        held = self._open.get(identity, 0)
        if held >= self.per_identity:
            raise ResourceExhausted(
                f"{caller.identity_type}:{caller.identity_id}",
                f"at most {self.per_identity} open streams per identity: close a log tail before opening another",
                self.per_identity,
            )
        self._open[identity] = held + 1
        try:
            yield
        finally:
            left = self._open[identity] - 1
            if left:
                self._open[identity] = left
            else:
                del self._open[identity]
