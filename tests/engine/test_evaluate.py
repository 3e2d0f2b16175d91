"""Evaluation figures: per file as well as overall, because written questions are easier."""

from __future__ import annotations

import pytest

from bot.engine.tooling.evaluate import LabelledQuestion, Outcome, summarise, wilson_interval


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


def test_every_figure_keeps_the_tally_it_is_a_share_of() -> None:
    outcomes = [
        _outcome("real.jsonl", ("refunds",), ("refunds",), True),
        _outcome("real.jsonl", ("late",), ("refunds",), False),
        _outcome("real.jsonl", ("late", "refunds"), ("late",), False),
        _outcome("written.jsonl", (), ("late",), True),
    ]
    report = summarise(outcomes)
    assert report.tallies["auto_recall"] == (1, 3)
    assert report.tallies["auto_precision"] == (1, 2)
    assert report.tallies["false_answer_rate"] == (1, 1)
    assert report.tallies["coverage"] == (2, 4)
    for name, (hits, total) in report.tallies.items():
        assert report.metrics[name] == pytest.approx(hits / total)
    assert report.source_tallies["real.jsonl"]["forced_top1"] == (2, 3)
    assert report.source_tallies["written.jsonl"]["auto_recall"] == (0, 0)


def test_the_wilson_interval_holds_the_share_and_narrows_with_more_questions() -> None:
    low, high = wilson_interval(60, 86)
    assert (round(low, 3), round(high, 3)) == (0.594, 0.785)  # the textbook formula
    assert low < 60 / 86 < high
    wide, narrow = wilson_interval(7, 10), wilson_interval(700, 1000)
    assert wide[1] - wide[0] > narrow[1] - narrow[0]
    assert wilson_interval(0, 26)[0] == 0.0 and wilson_interval(0, 26)[1] > 0.0
    assert wilson_interval(26, 26)[1] == 1.0 and wilson_interval(26, 26)[0] < 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)
