"""Cooldowns for unprompted answers: per user, and per topic per channel.

A member who posts ten questions a minute gets one answer, not ten, and a channel
where the same topic comes up repeatedly is not flooded with the same entry.
State lives in memory, bounded in size, because cooldowns matter only while the
process runs.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_TRACKED = 50_000


class CooldownBook:
    """Remembers when each key last fired; answers whether it may fire again."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, limit: int = MAX_TRACKED
    ) -> None:
        self._clock = clock
        self._limit = limit
        self._last: OrderedDict[Hashable, float] = OrderedDict()

    def ready(self, key: Hashable, seconds: float) -> bool:
        """True when `key` has not fired within `seconds`; does not record anything."""
        if seconds <= 0:
            return True
        last = self._last.get(key)
        return last is None or self._clock() - last >= seconds

    def fire(self, key: Hashable) -> None:
        self._last[key] = self._clock()
        self._last.move_to_end(key)
        while len(self._last) > self._limit:
            self._last.popitem(last=False)

    def remaining(self, key: Hashable, seconds: float) -> float:
        last = self._last.get(key)
        return 0.0 if last is None else max(0.0, seconds - (self._clock() - last))

    def __len__(self) -> int:
        return len(self._last)


class AnswerCooldowns:
    """The two cooldowns an unprompted answer must pass."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.users = CooldownBook(clock)
        self.topics = CooldownBook(clock)

    def allows(
        self,
        *,
        user_id: int,
        channel_id: int,
        topic: str,
        user_seconds: float,
        topic_seconds: float,
    ) -> str | None:
        """None when an answer may go out, else which cooldown stops it ('user' or 'topic')."""
        if not self.users.ready(user_id, user_seconds):
            return "user"
        if not self.topics.ready((channel_id, topic), topic_seconds):
            return "topic"
        return None

    def record(self, *, user_id: int, channel_id: int, topic: str) -> None:
        self.users.fire(user_id)
        self.topics.fire((channel_id, topic))
