"""Stale entries for review, and the ranked choices for correcting an answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.review import ranked_entries, stale_entries


def test_stale_entries_are_those_reviewed_before_the_limit(demo_knowledge: Path) -> None:
    entries = demo_knowledge / "demo" / "entries.yaml"
    text = entries.read_text()
    first = text.index("reviewed: 2026-01-15")
    entries.write_text(text[:first] + "reviewed: 2024-02-01" + text[first + 20 :])
    kb = AnswerEngine.load(demo_knowledge, "demo").kb
    assert [e.id for e in stale_entries(kb.entries, date(2026, 3, 1), 365)] == ["refund-taste"]
    assert [e.id for e in stale_entries(kb.entries, date(2026, 3, 1), 10)] == [
        "refund-taste",
        "contact-basics",
        "late-basics",
    ]
    assert stale_entries(kb.entries, date(2025, 1, 31), 365) == []  # exactly 365 days: not yet
    assert [e.id for e in stale_entries(kb.entries, date(2025, 2, 1), 365)] == ["refund-taste"]


def test_ranked_entries_put_the_matchers_choice_first_and_list_every_entry(
    shipped_engine: AnswerEngine,
) -> None:
    question = "buyer wants my whatsapp number to send files"
    ranked = ranked_entries(shipped_engine.matcher, question, limit=100)
    main = shipped_engine.match(question).candidates[0].entry
    assert ranked[0] == main
    assert len(ranked) == len(shipped_engine.kb.entries)
    assert len({e.id for e in ranked}) == len(ranked)
    assert len(ranked_entries(shipped_engine.matcher, question, limit=24)) == 24
