"""Cooldowns for unprompted answers, with an injected clock."""

from __future__ import annotations

from bot.discord_app.cooldowns import AnswerCooldowns, CooldownBook


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_user_cooldown_blocks_then_expires() -> None:
    clock = Clock()
    cooldowns = AnswerCooldowns(clock)
    kwargs = {"user_seconds": 30, "topic_seconds": 0}
    assert cooldowns.allows(user_id=1, channel_id=9, topic="a", **kwargs) is None
    cooldowns.record(user_id=1, channel_id=9, topic="a")
    assert cooldowns.allows(user_id=1, channel_id=9, topic="b", **kwargs) == "user"
    assert cooldowns.allows(user_id=2, channel_id=9, topic="a", **kwargs) is None
    clock.now += 30
    assert cooldowns.allows(user_id=1, channel_id=9, topic="b", **kwargs) is None


def test_topic_cooldown_is_per_channel() -> None:
    clock = Clock()
    cooldowns = AnswerCooldowns(clock)
    kwargs = {"user_seconds": 0, "topic_seconds": 300}
    cooldowns.record(user_id=1, channel_id=9, topic="refunds")
    assert cooldowns.allows(user_id=2, channel_id=9, topic="refunds", **kwargs) == "topic"
    assert cooldowns.allows(user_id=2, channel_id=8, topic="refunds", **kwargs) is None
    assert cooldowns.allows(user_id=2, channel_id=9, topic="late", **kwargs) is None


def test_zero_seconds_means_no_cooldown() -> None:
    book = CooldownBook(Clock())
    book.fire("x")
    assert book.ready("x", 0)


def test_memory_is_bounded() -> None:
    clock = Clock()
    book = CooldownBook(clock, limit=100)
    for key in range(1000):
        book.fire(key)
    assert len(book) == 100
    assert book.ready(0, 60)
    assert not book.ready(999, 60)
    assert book.remaining(999, 60) == 60
