"""`disputebot gaps export` and `disputebot feedback export`: JSON lines `eval` can read."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.models import AnswerRecord
from bot.storage.store import Store

DAY = 86_400.0


@pytest.fixture
def demo(demo_knowledge: Path) -> list[str]:
    return ["--knowledge", str(demo_knowledge), "--platform", "demo"]


def fill(path: Path) -> None:
    """Unanswered questions and corrected answers, as the bot would have stored them."""

    async def run() -> None:
        now = time.time()
        async with await Store.open(path) as store:
            for number, (text, entry, age) in enumerate(
                [
                    ("is my late order lost", "late-basics", 2 * DAY),
                    ("is my late order lost now?", "late-basics", DAY),
                    ("what colour should my banner be", None, DAY),
                    ("asked long ago about a late order", "late-basics", 60 * DAY),
                ]
            ):
                await store.record_unanswered(1, 10, number, text, entry, 0.3, now - age)
            for question, verdict in [
                ("my order is late, can the buyer cancel?", "late-basics"),
                ("good morning, refund lovers", None),
            ]:
                answer = await store.record_answer(
                    AnswerRecord(1, 10, 100, question, ["refund-taste"], ["refunds"], 0.6, "auto")
                )
                await store.record_correction(answer, 7, verdict, verdict is None)

    asyncio.run(run())


def test_gaps_export_groups_and_leaves_topics_for_a_moderator(
    demo: list[str], tmp_path: Path, capsys
) -> None:
    db = tmp_path / "bot.sqlite3"
    fill(db)
    out = tmp_path / "gaps.jsonl"
    code = main(["gaps", "export", "--db", str(db), "-o", str(out), "--days", "30", *demo])
    err = capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 0
    assert [(r["text"], r["topics"], r["suggested"], r["count"]) for r in rows] == [
        ("is my late order lost", [], "late", 2),
        ("what colour should my banner be", [], None, 1),
    ]
    assert all(r["id"].startswith("gap-") for r in rows)
    assert "wrote 2 group(s) of 3 question(s) from the last 30 day(s)" in err


def test_feedback_export_is_labelled_and_evaluates(demo: list[str], tmp_path: Path, capsys) -> None:
    db = tmp_path / "bot.sqlite3"
    fill(db)
    out = tmp_path / "regressions.jsonl"
    code = main(["feedback", "export", "--db", str(db), "-o", str(out), *demo])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 0
    assert [(r["text"], r["topics"]) for r in rows] == [
        ("my order is late, can the buyer cancel?", ["late"]),
        ("good morning, refund lovers", []),
    ]
    assert "wrote 2 labelled question(s) from 2 correction(s)" in capsys.readouterr().err
    code = main(["eval", str(out), "--json", *demo])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["counts"] == {
        "questions": 2,
        "dispute": 1,
        "none": 1,
        "answered": report["counts"]["answered"],
    }


def test_exports_write_to_standard_output(demo: list[str], tmp_path: Path, capsys) -> None:
    db = tmp_path / "bot.sqlite3"
    fill(db)
    assert main(["feedback", "export", "--db", str(db), *demo]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["id"].startswith("correction-")


def test_a_missing_database_is_one_clear_error(demo: list[str], tmp_path: Path, capsys) -> None:
    code = main(["gaps", "export", "--db", str(tmp_path / "none.sqlite3"), *demo])
    assert code == 1
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()
