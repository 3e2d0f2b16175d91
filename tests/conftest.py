"""Shared fixtures: copies of the small demo knowledge pack and the shipped pack."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.loader import load_pack
from tests.emulator.server import DiscordEmulator, record_started

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHIPPED_KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session", autouse=True)
def private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep index caches written by the CLI and bot under test out of the user's home."""
    cache_home = tmp_path_factory.mktemp("cache-home")
    saved = {key: os.environ.get(key) for key in ("XDG_CACHE_HOME", "DISPUTEBOT_INDEX_CACHE_DIR")}
    os.environ["XDG_CACHE_HOME"] = str(cache_home)
    os.environ["DISPUTEBOT_INDEX_CACHE_DIR"] = str(cache_home / "disputebot")
    yield cache_home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def demo_knowledge(tmp_path: Path) -> Path:
    """A writable copy of the three-entry demo pack (platform 'demo')."""
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURES / "knowledge_min", target)
    return target


@pytest.fixture(scope="session")
def shipped_synonyms() -> tuple[tuple[str, str], ...]:
    """What the shipped Fiverr pack normalises with: knowledge/shorthand.yaml, then its own."""
    kb = load_pack(SHIPPED_KNOWLEDGE, "fiverr").kb
    assert kb is not None, "the shipped knowledge does not load"
    assert kb.pack.synonyms
    return kb.pack.synonyms


@pytest.fixture(scope="session")
def shipped_engine() -> AnswerEngine:
    """The shipped Fiverr pack, loaded once for the whole run."""
    return AnswerEngine.load(SHIPPED_KNOWLEDGE, "fiverr")


def mention_problem(body: dict[str, Any]) -> str | None:
    """Why a message body could ping someone, or None when it parses no mentions.

    The one allowed exception is "Ask a moderator": exactly one role, the one its
    text mentions, and nothing else.
    """
    allowed = body.get("allowed_mentions")
    if not isinstance(allowed, dict):
        return "no allowed_mentions"
    if allowed.get("parse") != [] or allowed.get("users") or allowed.get("replied_user"):
        return f"allowed_mentions {allowed}"
    roles = allowed.get("roles") or []
    mentioned = re.findall(r"<@&(\d+)>", body.get("content") or "")
    if roles and (len(roles) != 1 or mentioned != [str(roles[0])]):
        return f"allowed_mentions {allowed} for a message mentioning roles {mentioned}"
    return None


def mention_problems(emu: DiscordEmulator) -> list[str]:
    """Every message body the bot sent to this emulator that could ping someone."""
    problems = []
    for request, body in emu.sent_message_bodies():
        problem = mention_problem(body)
        if problem is not None:
            problems.append(f"{request.method} {request.path}: {problem}")
    return problems


@pytest.fixture(autouse=True)
def sends_never_ping() -> Iterator[None]:
    """In every end-to-end test, every message the bot sent parses no mentions.

    Checked here, once for the whole suite, over every emulator the test started, so a
    new send path without allowed_mentions fails whichever test reaches it first.
    """
    with record_started() as emulators:
        yield
    problems = [problem for emu in emulators for problem in mention_problems(emu)]
    assert problems == [], problems
