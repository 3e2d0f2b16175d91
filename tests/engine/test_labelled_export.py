"""Exports in the evaluation format: unlabelled gaps, labelled corrections."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.engine.engine import AnswerEngine
from bot.engine.tooling.evaluate import read_labelled
from bot.engine.tooling.gaps import GapQuestion, group_questions
from bot.engine.tooling.labelled_export import (
    CorrectedQuestion,
    correction_rows,
    gap_rows,
    write_jsonl,
)


def correction(id_: int, answer: int, text: str | None, entry: str | None) -> CorrectedQuestion:
    return CorrectedQuestion(id_, answer, text, entry, entry is None, created_at=float(id_))


def test_gap_rows_are_unlabelled_with_a_suggested_topic(demo_knowledge: Path) -> None:
    kb = AnswerEngine.load(demo_knowledge, "demo").kb
    groups = group_questions(
        [
            GapQuestion(7, "is my late order lost", "late-basics", 0.3, 1.0),
            GapQuestion(8, "is my late order lost now", "late-basics", 0.3, 2.0),
            GapQuestion(9, "what a nice day", "no-such-entry", 0.1, 3.0),
        ]
    )
    rows = gap_rows(groups, kb)
    assert rows == [
        {
            "id": "gap-7",
            "text": "is my late order lost",
            "topics": [],
            "suggested": "late",
            "count": 2,
        },
        {"id": "gap-9", "text": "what a nice day", "topics": [], "suggested": None, "count": 1},
    ]
    assert gap_rows(groups, None)[0]["suggested"] is None


def test_correction_rows_label_latest_verdicts_and_report_skips(demo_knowledge: Path) -> None:
    kb = AnswerEngine.load(demo_knowledge, "demo").kb
    rows, skipped = correction_rows(
        [
            correction(1, 10, "my order is late, refund?", "refund-taste"),
            correction(2, 10, "my order is late, refund?", "late-basics"),
            correction(3, 11, "good morning all", None),
            correction(4, 12, None, "late-basics"),
            correction(5, 13, "where is my order", "removed-entry"),
        ],
        kb,
    )
    assert rows == [
        {"id": "correction-2", "text": "my order is late, refund?", "topics": ["late"]},
        {"id": "correction-3", "text": "good morning all", "topics": []},
    ]
    assert len(skipped) == 2
    assert "retention" in skipped[0] and "removed-entry" in skipped[1]


def test_written_lines_read_back_as_evaluation_items(tmp_path: Path) -> None:
    out = io.StringIO()
    written = write_jsonl(
        [
            {"id": "correction-1", "text": "late “order”", "topics": ["late"]},
            {"id": "gap-2", "text": "hm", "topics": [], "suggested": None, "count": 3},
        ],
        out,
    )
    path = tmp_path / "labelled.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    items = read_labelled(path)
    assert written == 2
    assert [(i.id, i.text, i.topics) for i in items] == [
        ("correction-1", "late “order”", ("late",)),
        ("gap-2", "hm", ()),
    ]
    assert json.loads(out.getvalue().splitlines()[1])["count"] == 3
