"""In-memory record of the messages this process has claimed.

It is consulted before the database, so two coroutines racing on the same message
(or a database that is down) can never both get a successful claim within one
process. It is bounded: Discord does not redeliver old messages, so the newest ids
are the only ones that matter.
"""

from __future__ import annotations

from collections import OrderedDict

# A claim only has to outlive the races and redeliveries of its own message, which are
# seconds apart: a thousand ids is 20 s of claims at the soak's full rate and hours in
# a real community. The bound is kept small on purpose. Once full, the OrderedDict
# rebuilds its table each time its deleted slots run out; at 10,000 ids that was a
# new 0.85 MB block every ~11,800 claims, which glibc carved from the main heap and
# never got back whole, so RSS rose ~0.5 MB each time (docs/reliability.md, soak).
DEFAULT_CLAIM_CACHE_SIZE = 1_000


class ClaimCache:
    """A bounded set of message ids that forgets the least recently claimed first."""

    def __init__(self, maxsize: int = DEFAULT_CLAIM_CACHE_SIZE) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._maxsize = maxsize
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, message_id: int) -> bool:
        """Remember ``message_id``; True if it was not already there."""
        if message_id in self._ids:
            self._ids.move_to_end(message_id)
            return False
        self._ids[message_id] = None
        if len(self._ids) > self._maxsize:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)
