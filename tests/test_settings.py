"""Settings: typed, from the environment and an optional TOML file, token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError


def test_defaults_need_nothing() -> None:
    settings = Settings.load(environ={})
    assert settings.platform == "fiverr"
    assert settings.answer_threshold is None
    assert settings.retention_days == 30
    assert settings.discord_token == ""


def test_environment_overrides_toml(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(
        '[disputebot]\nlog_level = "debug"\nretention_days = 10\nshard_ids = [0, 1]\n'
        "shard_count = 4\n"
    )
    settings = Settings.load(
        environ={
            "DISPUTEBOT_RETENTION_DAYS": "7",
            "DISCORD_TOKEN": "abc.def.ghi",
            "DISPUTEBOT_DEV_GUILD_ID": "123",
            "DISPUTEBOT_WATCH_KNOWLEDGE": "yes",
        },
        config_file=config,
    )
    assert settings.log_level == "DEBUG"
    assert settings.retention_days == 7
    assert settings.dev_guild_id == 123
    assert settings.watch_knowledge is True
    assert settings.shard_ids == (0, 1)


def test_config_file_from_environment(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text("answer_threshold = 0.7\n")
    assert Settings.load(environ={"DISPUTEBOT_CONFIG": str(config)}).answer_threshold == 0.7


def test_shard_range_syntax() -> None:
    settings = Settings.load(environ={"DISPUTEBOT_SHARD_IDS": "2-4", "DISPUTEBOT_SHARD_COUNT": "8"})
    assert settings.shard_ids == (2, 3, 4)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DISPUTEBOT_ANSWER_THRESHOLD": "high"}, "answer_threshold must be a number"),
        ({"DISPUTEBOT_ANSWER_THRESHOLD": "1.5"}, "between 0 and 1"),
        ({"DISPUTEBOT_RETENTION_DAYS": "0"}, "retention_days must be at least 1"),
        (
            {"DISPUTEBOT_TOPIC_COOLDOWN_SECONDS": "-1"},
            "topic_cooldown_seconds must not be negative",
        ),
        ({"DISPUTEBOT_LOG_LEVEL": "loud"}, "log_level must be"),
        ({"DISPUTEBOT_LOG_FORMAT": "xml"}, "log_format must be"),
        ({"DISPUTEBOT_WATCH_KNOWLEDGE": "maybe"}, "must be true or false"),
        ({"DISPUTEBOT_API_BASE_URL": "localhost:80"}, "api_base_url must be a URL"),
        ({"DISPUTEBOT_SHARD_IDS": "1"}, "shard_ids needs shard_count"),
        ({"DISPUTEBOT_SHARD_IDS": "5", "DISPUTEBOT_SHARD_COUNT": "2"}, "below shard_count"),
    ],
)
def test_bad_values_name_the_setting(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.load(environ=environ)


def test_token_in_a_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text('discord_token = "abc"\n')
    with pytest.raises(SettingsError, match="DISCORD_TOKEN"):
        Settings.load(environ={}, config_file=config)


def test_unknown_setting_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text("retention = 3\n")
    with pytest.raises(SettingsError, match="unknown setting"):
        Settings.load(environ={}, config_file=config)


def test_token_never_appears_in_repr_or_redacted_view() -> None:
    settings = Settings.load(environ={"DISCORD_TOKEN": "MTIz.secret-token.value"})
    assert "secret-token" not in repr(settings)
    assert settings.redacted()["discord_token"] == "set"
