"""Logging as the entry point configures it: one handler, the level and format from
settings, and never the token, however it reaches a log call."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import MASK, configure_logging
from tests.discord.harness import FAKE_TOKEN

OTHER_SHAPED = "ODk2NTQzMjEwOTg3NjU0MzIx.AbCdEf.ghijklmnopqrstuvwxyzABCDEFGH"
CUSTOM_SECRET = "plain-secret-value-123"
INTERACTION_URL = "/webhooks/123456/aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnNlY3JldA-token_part"


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    http_level = logging.getLogger("discord.http").level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("discord.http").setLevel(http_level)


def log_everything(logger: logging.Logger) -> None:
    logger.info("token is %s", FAKE_TOKEN)
    logger.warning(f"login with {FAKE_TOKEN} and {OTHER_SHAPED}")
    logger.error("secret %s in args", CUSTOM_SECRET)
    logger.info("POST %s failed", INTERACTION_URL)
    try:
        raise RuntimeError(f"Improper token has been passed: {FAKE_TOKEN}")
    except RuntimeError:
        logger.exception("login failed")
    try:
        raise ValueError({"token": FAKE_TOKEN, "nested": [OTHER_SHAPED]})
    except ValueError as exc:
        logger.error("wrapped", exc_info=exc)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_reaches_the_output(fmt: str, restore_root: None) -> None:
    out = io.StringIO()
    configure_logging("DEBUG", fmt, (FAKE_TOKEN, CUSTOM_SECRET), stream=out)
    log_everything(logging.getLogger("disputebot.test"))
    text = out.getvalue()
    for secret in (FAKE_TOKEN, OTHER_SHAPED, CUSTOM_SECRET, "aW50ZXJhY3Rpb246MTIzNDU2Nzg5"):
        assert secret not in text
    for part in FAKE_TOKEN.split("."):
        assert part not in text
    for shown in (
        f"token is {MASK}",
        f"login with {MASK} and {MASK}",
        f"secret {MASK} in args",
        f"POST /webhooks/123456/{MASK} failed",
        f"RuntimeError: Improper token has been passed: {MASK}",
        f"ValueError: {{'token': '{MASK}', 'nested': ['{MASK}']}}",
    ):
        assert shown in text.replace("\\n", "\n").replace("\\'", "'")
    if fmt == "json":
        records = [json.loads(line) for line in text.splitlines()]
        assert [r["level"] for r in records] == [
            "INFO",
            "WARNING",
            "ERROR",
            "INFO",
            "ERROR",
            "ERROR",
        ]
        assert "exception" in records[4] and "ValueError" in records[5]["exception"]


def test_one_handler_the_level_from_settings_and_no_voice_noise(restore_root: None) -> None:
    out = io.StringIO()
    configure_logging("INFO", "text", stream=out)
    configure_logging("WARNING", "text", stream=out)
    assert len(logging.getLogger().handlers) == 1
    logging.getLogger("disputebot.run").info("not shown at WARNING")
    logging.getLogger("disputebot.run").warning("shown")
    logging.getLogger("discord.client").warning(
        "PyNaCl is not installed, voice will NOT be supported"
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].endswith("WARNING disputebot.run: shown")
