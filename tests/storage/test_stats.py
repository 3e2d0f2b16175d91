"""Statistics over the answer log."""

from __future__ import annotations

from bot.storage import ChannelCount, EntryCount, EntryFeedback, Store

from .helpers import DAY, START, answer


async def seed(store: Store) -> None:
    """Guild 1 answers (old and recent) and one guild 2 answer, with votes."""
    old = START - 10 * DAY
    rows = [
        # (guild, channel, entries, created_at, votes)
        (1, 10, ["refunds"], old, [1, 1]),
        (1, 10, ["refunds", "tips"], START, [1, -1, -1]),
        (1, 11, ["tips", "tips"], START, [-1]),
        (1, 11, ["late-delivery"], START, []),
        (2, 20, ["refunds"], START, [-1, -1, -1]),
    ]
    for guild, channel, entries, at, votes in rows:
        answer_id = await store.record_answer(
            answer(guild_id=guild, channel_id=channel, entry_ids=entries, created_at=at)
        )
        assert isinstance(answer_id, int)
        for user, vote in enumerate(votes):
            await store.record_vote(answer_id, user, vote)
    await store.record_answer(answer(guild_id=None, channel_id=None, entry_ids=["refunds"]))


async def test_answers_per_entry(store: Store) -> None:
    await seed(store)
    assert await store.answers_per_entry() == [
        EntryCount("refunds", 4),
        EntryCount("tips", 2),  # an entry cited twice by one answer counts once
        EntryCount("late-delivery", 1),
    ]
    assert await store.answers_per_entry(START - DAY, guild_id=1) == [
        EntryCount("tips", 2),
        EntryCount("late-delivery", 1),
        EntryCount("refunds", 1),
    ]


async def test_helpful_ratio_per_entry(store: Store) -> None:
    await seed(store)
    by_entry = {f.entry_id: f for f in await store.helpful_ratio_per_entry(guild_id=1)}  # type: ignore[union-attr]
    assert by_entry == {
        "late-delivery": EntryFeedback("late-delivery", 1, 0, 0),
        "refunds": EntryFeedback("refunds", 2, 3, 2),
        "tips": EntryFeedback("tips", 2, 1, 3),
    }
    assert by_entry["refunds"].ratio == 0.6
    assert by_entry["tips"].ratio == 0.25
    assert by_entry["late-delivery"].ratio is None
    recent = await store.helpful_ratio_per_entry(START - DAY)
    assert [(f.entry_id, f.helpful, f.not_helpful) for f in recent] == [  # type: ignore[union-attr]
        ("late-delivery", 0, 0),
        ("refunds", 1, 5),
        ("tips", 1, 3),
    ]


async def test_most_disliked_entries(store: Store) -> None:
    await seed(store)
    disliked = await store.most_disliked_entries()
    assert [(f.entry_id, f.helpful, f.not_helpful) for f in disliked] == [  # type: ignore[union-attr]
        ("refunds", 3, 5),
        ("tips", 1, 3),
    ]
    assert [f.entry_id for f in await store.most_disliked_entries(1)] == ["refunds"]  # type: ignore[union-attr]
    guild_one = await store.most_disliked_entries(guild_id=1)
    assert [(f.entry_id, f.not_helpful) for f in guild_one] == [("tips", 3), ("refunds", 2)]  # type: ignore[union-attr]


async def test_disliked_ties_are_broken_by_the_worse_ratio(store: Store) -> None:
    for entry, votes in (("a-mostly-liked", [1, 1, -1]), ("b-disliked", [-1])):
        answer_id = await store.record_answer(answer(entry_ids=[entry]))
        assert isinstance(answer_id, int)
        for user, vote in enumerate(votes):
            await store.record_vote(answer_id, user, vote)
    disliked = await store.most_disliked_entries()
    assert [f.entry_id for f in disliked] == ["b-disliked", "a-mostly-liked"]  # type: ignore[union-attr]


async def test_answers_per_channel(store: Store) -> None:
    await seed(store)
    assert await store.answers_per_channel() == [
        ChannelCount(10, 2),
        ChannelCount(11, 2),
        ChannelCount(20, 1),
    ]
    assert await store.answers_per_channel(START - DAY) == [
        ChannelCount(11, 2),
        ChannelCount(10, 1),
        ChannelCount(20, 1),
    ]
    assert await store.answers_per_channel(guild_id=2) == [ChannelCount(20, 1)]


async def test_stats_on_empty_log(store: Store) -> None:
    assert await store.answers_per_entry() == []
    assert await store.helpful_ratio_per_entry() == []
    assert await store.most_disliked_entries() == []
    assert await store.answers_per_channel() == []
