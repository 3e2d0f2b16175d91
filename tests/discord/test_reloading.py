"""The reload service: serialised, recorded, and never swapping in broken knowledge."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.discord_app.reloading import KnowledgeReloader, record_summary
from bot.engine.engine import AnswerEngine, ReloadOutcome
from bot.engine.knowledge.problems import Problem, Severity
from bot.storage.store import Store


async def test_reloads_are_recorded_with_their_actor(demo_knowledge: Path, tmp_path: Path) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    async with await Store.open(tmp_path / "db.sqlite3") as store:
        reloader = KnowledgeReloader(engine, store)
        entries = demo_knowledge / "demo" / "entries.yaml"
        entries.write_text(entries.read_text().replace("The order is late", "The order is overdue"))
        first = await reloader.reload(actor_id=42, guild_id=7)
        (demo_knowledge / "demo" / "entries.yaml").write_text("entries: [\n")
        second = await reloader.reload(actor_id=None, guild_id=None)
        history = await store.list_reloads()
    assert first.ok and first.changed == ("late-basics",)
    assert not second.ok
    assert engine.kb.entry("late-basics").title == "The order is overdue"
    assert engine.match("my order is late").main.entry.id == "late-basics"
    newest, oldest = history
    assert (oldest.actor_id, oldest.guild_id, oldest.ok) == (42, 7, True)
    assert oldest.summary == "reloaded 3 entries: 0 added, 1 changed, 0 removed"
    assert (newest.actor_id, newest.guild_id, newest.ok) == (None, None, False)
    assert newest.summary.startswith("reload failed with 2 error(s)")
    assert "; first: knowledge/demo/entries.yaml" in newest.summary


async def test_concurrent_reloads_run_one_after_the_other(demo_knowledge: Path) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    reloader = KnowledgeReloader(engine, None)
    entries = demo_knowledge / "demo" / "entries.yaml"
    entries.write_text(entries.read_text().replace("contact-basics", "contact-outside"))
    pack = demo_knowledge / "demo" / "pack.yaml"
    pack.write_text(pack.read_text().replace("entry: contact-basics", "entry: contact-outside"))
    outcomes = await asyncio.gather(
        reloader.reload(actor_id=1, guild_id=None), reloader.reload(actor_id=2, guild_id=None)
    )
    # Serialised: exactly one of them saw the rename; the other compared with it.
    assert sorted(o.added for o in outcomes) == [(), ("contact-outside",)]


def test_record_summary_is_bounded() -> None:
    problem = Problem(Severity.ERROR, "fiverr/x.yaml", 3, "x", "title", "y" * 2000)
    text = record_summary(ReloadOutcome(ok=False, problems=(problem,)))
    assert len(text) == 500 and text.endswith("…")
    assert text.startswith(
        "reload failed with 1 error(s); the running knowledge is unchanged; "
        "first: fiverr/x.yaml:3: error: entry 'x'"
    )
