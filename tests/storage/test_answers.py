"""The answer log and message claims."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.storage import Store, StoredAnswer
from bot.storage.claim_cache import ClaimCache

from .helpers import START, FakeClock, answer, scalar


async def test_answer_round_trip(store: Store) -> None:
    record = answer(
        guild_id=1,
        channel_id=10,
        source_message_id=500,
        reply_message_id=None,
        asker_id=100,
        entry_ids=["late-delivery", "cancel-after-delivery"],
        topics=["delivery", "cancellations"],
        confidence=0.91,
        kind="mention",
        question="What if I deliver late?",
    )
    answer_id = await store.record_answer(record)
    assert isinstance(answer_id, int)
    assert await store.get_answer(answer_id) == StoredAnswer(
        id=answer_id,
        guild_id=1,
        channel_id=10,
        source_message_id=500,
        reply_message_id=None,
        asker_id=100,
        entry_ids=("late-delivery", "cancel-after-delivery"),
        topics=("delivery", "cancellations"),
        confidence=0.91,
        kind="mention",
        question="What if I deliver late?",
        helpful=0,
        not_helpful=0,
        created_at=START,
    )


async def test_explicit_created_at_is_kept(store: Store) -> None:
    answer_id = await store.record_answer(answer(created_at=123.5))
    stored = await store.get_answer(answer_id)  # type: ignore[arg-type]
    assert stored.created_at == 123.5  # type: ignore[union-attr]


async def test_unknown_answer_is_none(store: Store) -> None:
    assert await store.get_answer(999) is None


async def test_source_message_is_answered_only_once(store: Store, db_path: Path) -> None:
    first = await store.record_answer(answer(source_message_id=500))
    assert isinstance(first, int)
    assert await store.record_answer(answer(source_message_id=500, question="again")) is None
    assert scalar(db_path, "SELECT COUNT(*) FROM answers") == 1
    # Answers without a source message (slash commands, CLI) are not limited.
    a = await store.record_answer(answer(source_message_id=None, kind="ask"))
    b = await store.record_answer(answer(source_message_id=None, kind="ask"))
    assert isinstance(a, int) and isinstance(b, int) and a != b


async def test_set_reply_message(store: Store) -> None:
    answer_id = await store.record_answer(answer())
    assert await store.set_reply_message(answer_id, 9001) is True  # type: ignore[arg-type]
    stored = await store.get_answer(answer_id)  # type: ignore[arg-type]
    assert stored.reply_message_id == 9001  # type: ignore[union-attr]
    assert await store.set_reply_message(424242, 9002) is False


async def test_was_answered(store: Store) -> None:
    assert await store.was_answered(500) is False
    await store.record_answer(answer(source_message_id=500))
    assert await store.was_answered(500) is True
    assert await store.was_answered(501) is False


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "shout"},
        {"confidence": float("nan")},
        {"confidence": "high"},
        {"entry_ids": "cancel-after-delivery"},
        {"topics": [1, 2]},
    ],
)
async def test_invalid_answers_are_rejected(
    store: Store, db_path: Path, overrides: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        await store.record_answer(answer(**overrides))
    assert scalar(db_path, "SELECT COUNT(*) FROM answers") == 0


async def test_claim_message_succeeds_exactly_once(store: Store, db_path: Path) -> None:
    assert await store.claim_message(700, guild_id=1) is True
    assert await store.claim_message(700, guild_id=1) is False
    assert await store.claim_message(701) is True
    assert scalar(db_path, "SELECT COUNT(*) FROM handled_messages") == 2
    assert scalar(db_path, "SELECT guild_id FROM handled_messages WHERE message_id = 700") == 1


async def test_concurrent_claims_have_one_winner(store: Store) -> None:
    results = await asyncio.gather(*(store.claim_message(800) for _ in range(25)))
    assert results.count(True) == 1
    many = await asyncio.gather(*(store.claim_message(900 + i % 5) for i in range(50)))
    assert many.count(True) == 5


async def test_claims_are_shared_between_processes_via_the_database(
    store: Store, db_path: Path, clock: FakeClock
) -> None:
    other = await Store.open(db_path, clock=clock)  # a second process, with its own memory
    try:
        assert await other.claim_message(1000) is True
        assert await store.claim_message(1000) is False
        assert await store.claim_message(1001) is True
        assert await other.claim_message(1001) is False
    finally:
        await other.close()


async def test_claim_is_refused_for_an_answered_message(store: Store, db_path: Path) -> None:
    await store.record_answer(answer(source_message_id=1100))
    other = await Store.open(db_path)
    try:
        assert await other.claim_message(1100) is False
    finally:
        await other.close()


def test_claim_cache_is_bounded_and_forgets_oldest() -> None:
    cache = ClaimCache(maxsize=3)
    assert [cache.add(i) for i in (1, 2, 3)] == [True, True, True]
    assert cache.add(2) is False  # refreshes 2
    assert cache.add(4) is True  # evicts 1, the least recently claimed
    assert 1 not in cache and 2 in cache and 3 in cache and 4 in cache
    assert len(cache) == 3
    with pytest.raises(ValueError):
        ClaimCache(0)
