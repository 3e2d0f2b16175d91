"""Shared fixtures: copies of the small demo knowledge pack and the shipped pack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine.engine import AnswerEngine

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHIPPED_KNOWLEDGE = ROOT / "knowledge"


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
