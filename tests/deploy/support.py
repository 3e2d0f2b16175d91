"""Helpers for the deployment tests: a clean environment and the `disputebot` command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.settings import CONFIG_ENV, ENV_PREFIX, TOKEN_ENV
from tests.conftest import ROOT, SHIPPED_KNOWLEDGE

DEPLOY = ROOT / "deploy"


def clean_environ(**values: str | Path) -> dict[str, str]:
    """This process's environment without any disputebot setting, plus ``values``.

    Keys are setting names (``database_path``) or ``DISCORD_TOKEN``; the knowledge
    folder defaults to the shipped one so tests do not depend on the working directory.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(ENV_PREFIX) and key not in (TOKEN_ENV, CONFIG_ENV)
    }
    env[ENV_PREFIX + "KNOWLEDGE_DIR"] = str(SHIPPED_KNOWLEDGE)
    for name, value in values.items():
        key = TOKEN_ENV if name == TOKEN_ENV else ENV_PREFIX + name.upper()
        env[key] = str(value)
    return env


def disputebot_command() -> list[str]:
    """The installed console script beside this Python, as an operator runs it."""
    script = Path(sys.executable).with_name("disputebot")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "bot"]
