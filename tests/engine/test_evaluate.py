"""Evaluation figures: per file as well as overall, because written questions are easier."""

from __future__ import annotations

from bot.engine.tooling.evaluate import LabelledQuestion, Outcome, summarise


def _outcome(source: str, topics: tuple[str, ...], got: tuple[str, ...], answer: bool) -> Outcome:
    item = LabelledQuestion(f"{source}:{topics}:{got}", "text", topics, source=source)
    return Outcome(item, got, answer, 0.9 if answer else 0.1, False)


def test_figures_are_given_per_file_when_there_are_several() -> None:
    outcomes = [
        _outcome("real.jsonl", ("refunds",), ("refunds",), True),
        _outcome("real.jsonl", ("late",), ("refunds",), False),
        _outcome("written.jsonl", ("late",), ("late",), True),
        _outcome("written.jsonl", (), ("late",), True),
    ]
    report = summarise(outcomes)
    assert set(report.by_source) == {"real.jsonl", "written.jsonl"}
    assert report.by_source["real.jsonl"]["forced_top1"] == 0.5
    assert report.by_source["real.jsonl"]["false_answer_rate"] == 0.0
    assert report.by_source["written.jsonl"]["auto_precision"] == 0.5
    assert report.by_source["written.jsonl"]["false_answer_rate"] == 1.0
    assert summarise(outcomes[:2]).by_source == {}
