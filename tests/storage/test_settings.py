"""Guild settings, channel modes and the config audit they write."""

from __future__ import annotations

import pytest

from bot.storage import GUILD_SETTING_KEYS, GuildSettings, Store

from .helpers import START, FakeClock


async def test_unknown_guild_has_no_overrides(store: Store) -> None:
    assert await store.get_guild_settings(42) == GuildSettings(42)


async def test_set_setting_returns_old_and_new_and_is_read_back(store: Store) -> None:
    assert await store.set_guild_setting(1, "answer_threshold", 0.6, actor_id=7) == (None, 0.6)
    assert await store.set_guild_setting(1, "answer_threshold", 0.75, actor_id=8) == (0.6, 0.75)
    assert await store.set_guild_setting(1, "retention_days", 14, actor_id=7) == (None, 14)
    assert await store.set_guild_setting(1, "escalation_role_id", 555, actor_id=7) == (None, 555)
    assert await store.set_guild_setting(1, "user_cooldown_s", 30.0, actor_id=7) == (None, 30)
    settings = await store.get_guild_settings(1)
    assert settings == GuildSettings(
        1,
        answer_threshold=0.75,
        user_cooldown_s=30,
        retention_days=14,
        escalation_role_id=555,
    )
    assert isinstance(settings.user_cooldown_s, int)
    # Other guilds are untouched.
    assert await store.get_guild_settings(2) == GuildSettings(2)


async def test_none_clears_an_override(store: Store) -> None:
    await store.set_guild_setting(1, "topic_cooldown_s", 120, actor_id=7)
    assert await store.set_guild_setting(1, "topic_cooldown_s", None, actor_id=7) == (120, None)
    assert (await store.get_guild_settings(1)).topic_cooldown_s is None


async def test_setting_changes_are_audited_with_old_and_new_text(
    store: Store, clock: FakeClock
) -> None:
    await store.set_guild_setting(1, "answer_threshold", 0.6, actor_id=7)
    clock.advance(10)
    await store.set_guild_setting(1, "answer_threshold", None, actor_id=8)
    clock.advance(10)
    await store.set_guild_setting(2, "retention_days", 5, actor_id=9)

    changes = await store.list_config_changes(1)
    assert isinstance(changes, list)
    assert [(c.actor_id, c.at, c.key, c.old_value, c.new_value) for c in changes] == [
        (8, START + 10, "answer_threshold", "0.6", None),
        (7, START, "answer_threshold", None, "0.6"),
    ]
    assert all(c.guild_id == 1 for c in changes)
    other = await store.list_config_changes(2)
    assert isinstance(other, list)
    assert [(c.key, c.old_value, c.new_value) for c in other] == [("retention_days", None, "5")]


async def test_config_change_listing_is_newest_first_and_limited(
    store: Store, clock: FakeClock
) -> None:
    for seconds in range(5):
        await store.set_guild_setting(1, "user_cooldown_s", seconds, actor_id=1)
        clock.advance(1)
    changes = await store.list_config_changes(1, limit=2)
    assert [c.new_value for c in changes] == ["4", "3"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("no_such_setting", 1),
        ("answer_threshold", 1.5),
        ("answer_threshold", -0.1),
        ("answer_threshold", float("nan")),
        ("answer_threshold", "0.5"),
        ("user_cooldown_s", -1),
        ("user_cooldown_s", 2.5),
        ("topic_cooldown_s", True),
        ("retention_days", 0),
        ("escalation_role_id", 0),
        ("escalation_role_id", 2**64),
    ],
)
async def test_invalid_settings_are_rejected_without_writing(
    store: Store, key: str, value: object
) -> None:
    with pytest.raises(ValueError):
        await store.set_guild_setting(1, key, value, actor_id=7)  # type: ignore[arg-type]
    assert await store.get_guild_settings(1) == GuildSettings(1)
    assert await store.list_config_changes(1) == []


def test_setting_keys_match_the_settings_dataclass() -> None:
    assert set(GuildSettings.__dataclass_fields__) - {"guild_id"} == GUILD_SETTING_KEYS


async def test_channel_modes_set_get_list_and_remove(store: Store) -> None:
    assert await store.get_channel_mode(10) is None
    assert await store.set_channel_mode(1, 10, "auto", actor_id=7) == (None, "auto")
    assert await store.set_channel_mode(1, 10, "mention", actor_id=7) == ("auto", "mention")
    assert await store.set_channel_mode(1, 11, "off", actor_id=7) == (None, "off")
    assert await store.set_channel_mode(2, 20, "auto", actor_id=7) == (None, "auto")
    assert await store.get_channel_mode(10) == "mention"
    assert await store.list_channel_modes(1) == {10: "mention", 11: "off"}
    assert await store.list_channel_modes(2) == {20: "auto"}

    assert await store.set_channel_mode(1, 11, None, actor_id=8) == ("off", None)
    assert await store.get_channel_mode(11) is None
    assert await store.list_channel_modes(1) == {10: "mention"}


async def test_channel_mode_changes_are_audited(store: Store) -> None:
    await store.set_channel_mode(1, 10, "auto", actor_id=7)
    await store.set_channel_mode(1, 10, None, actor_id=8)
    changes = await store.list_config_changes(1)
    assert [(c.actor_id, c.key, c.old_value, c.new_value) for c in changes] == [  # type: ignore[union-attr]
        (8, "channel_mode:10", "auto", None),
        (7, "channel_mode:10", None, "auto"),
    ]


async def test_invalid_channel_mode_is_rejected(store: Store) -> None:
    with pytest.raises(ValueError, match="channel mode"):
        await store.set_channel_mode(1, 10, "always", actor_id=7)  # type: ignore[arg-type]
    assert await store.get_channel_mode(10) is None
