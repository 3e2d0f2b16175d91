"""Reloads swap in new knowledge only when it validates, and say what changed."""

from __future__ import annotations

from pathlib import Path

from bot.engine.engine import AnswerEngine


def test_first_load_reports_every_entry_added(demo_knowledge: Path) -> None:
    engine = AnswerEngine(demo_knowledge, "demo")
    outcome = engine.reload()
    assert outcome.ok
    assert set(outcome.added) == {"refund-taste", "late-basics", "contact-basics"}
    assert outcome.entries == 3


def test_reload_summarises_added_changed_and_removed(demo_knowledge: Path) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    entries = demo_knowledge / "demo" / "entries.yaml"
    text = entries.read_text()
    text = text.replace("title: The order is late", "title: The order is running late")
    entries.write_text(text.replace("contact-basics", "contact-outside"))
    pack = demo_knowledge / "demo" / "pack.yaml"
    pack.write_text(pack.read_text().replace("entry: contact-basics", "entry: contact-outside"))
    outcome = engine.reload()
    assert outcome.ok, [str(p) for p in outcome.problems]
    assert outcome.added == ("contact-outside",)
    assert outcome.changed == ("late-basics",)
    assert outcome.removed == ("contact-basics",)
    assert "1 added, 1 changed, 1 removed" in outcome.summary()
    assert engine.kb.entry("contact-outside") is not None


def test_failed_reload_keeps_answering_from_the_old_knowledge(demo_knowledge: Path) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    (demo_knowledge / "demo" / "entries.yaml").write_text("entries: [\n")
    outcome = engine.reload()
    assert not outcome.ok
    assert "unchanged" in outcome.summary()
    assert engine.match("my order is late").main.entry.id == "late-basics"
