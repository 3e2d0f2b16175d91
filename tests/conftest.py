"""Shared fixtures: copies of the small demo knowledge pack and the shipped pack."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine.engine import AnswerEngine

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
def shipped_engine() -> AnswerEngine:
    """The shipped Fiverr pack, loaded once for the whole run."""
    return AnswerEngine.load(SHIPPED_KNOWLEDGE, "fiverr")
