"""Evaluation figures: per file as well as overall, because written questions are easier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.engine.matching.ranker import labelled_fingerprint
from bot.engine.tooling.evaluate import (
    EvalFileError,
    LabelledQuestion,
    Outcome,
    read_labelled,
    summarise,
    wilson_interval,
)


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


def test_a_topic_the_question_also_raises_is_a_right_answer_and_a_label_to_cover(
    tmp_path: Path,
) -> None:
    """`also` names topics a post raises in passing: answering with one is right, and
    coverage counts them as labels, but they are not what the post is mainly about."""
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        '{"id": "a", "text": "buyer cancelled and now threatens 1 star", "topics": ["cancel"],'
        ' "also": ["review"]}\n'
        '{"id": "b", "text": "hello all", "topics": []}\n',
        encoding="utf-8",
    )
    first, silent = read_labelled(path)
    assert (first.topics, first.also, first.raised) == (
        ("cancel",),
        ("review",),
        ("cancel", "review"),
    )
    assert silent.also == () and not silent.is_dispute
    report = summarise(
        [
            Outcome(first, ("review", "late"), True, 0.9, False),
            Outcome(silent, (), False, 0.0, False),
        ]
    )
    assert report.tallies["auto_precision"] == (1, 1)
    assert report.tallies["forced_top1"] == (1, 1)
    assert report.tallies["coverage"] == (1, 2)
    assert report.per_topic["review"].support == 1
    assert summarise([Outcome(first, ("late",), True, 0.9, False)]).tallies["auto_precision"] == (
        0,
        1,
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "t", "topics": ["a"], "also": "b"}', "'also' must be a list of topic ids"),
        ('{"text": "t", "topics": [], "also": ["b"]}', "'also' needs a main topic"),
        ('{"text": "t", "topics": ["none"], "also": ["b"]}', "'also' needs a main topic"),
        (
            '{"text": "t", "topics": ["a"], "also": ["a"]}',
            "'also' must name topics not already in 'topics', once each",
        ),
        (
            '{"text": "t", "topics": ["a"], "also": ["b", "b"]}',
            "'also' must name topics not already in 'topics', once each",
        ),
        (
            '{"text": "t", "topics": ["a"], "also": ["none"]}',
            "'also' must name topics not already in 'topics', once each",
        ),
    ],
)
def test_a_bad_also_list_is_refused_with_its_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text('{"text": "fine", "topics": ["a"]}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match=rf"labelled.jsonl:2: {re.escape(message)}"):
        read_labelled(path)


def test_also_topics_change_the_fingerprint_a_trained_model_is_checked_against() -> None:
    plain = LabelledQuestion("a", "text", ("cancel",))
    richer = LabelledQuestion("a", "text", ("cancel",), also=("review",))
    assert labelled_fingerprint([plain.fingerprint_row]) != labelled_fingerprint(
        [richer.fingerprint_row]
    )
