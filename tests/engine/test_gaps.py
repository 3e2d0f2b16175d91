"""Grouping unanswered questions: same need together, biggest gap first, stable examples."""

from __future__ import annotations

import pytest

from bot.engine.tooling.gaps import GapQuestion, comparable, group_questions


def q(id_: int, text: str, entry: str | None = None, confidence: float = 0.3) -> GapQuestion:
    return GapQuestion(id_, text, entry, confidence, created_at=1000.0 + id_)


def test_rephrasings_of_one_need_form_one_group() -> None:
    groups = group_questions(
        [
            q(1, "buyer wants a refund after 3 revisions", "revisions-limit"),
            q(2, "good morning everyone"),
            q(3, "Buyer wants refund after three revisions!!", "revisions-limit"),
            q(4, "the buyer wants refunds after revisions", "refund-basics"),
        ]
    )
    assert [g.count for g in groups] == [3, 1]
    biggest = groups[0]
    assert biggest.example.id == 1
    assert [m.id for m in biggest.questions] == [1, 3, 4]
    assert biggest.best_entry_id == "revisions-limit"
    assert groups[1].example.text == "good morning everyone"
    assert groups[1].best_entry_id is None


def test_unrelated_questions_stay_apart_and_ties_favour_recent_groups() -> None:
    groups = group_questions(
        [
            q(1, "how do I withdraw my earnings to paypal"),
            q(2, "buyer left a one star review after I refused extra work"),
        ]
    )
    assert [g.example.id for g in groups] == [2, 1]


def test_grouping_does_not_depend_on_input_order() -> None:
    items = [
        q(1, "client asks for my whatsapp"),
        q(2, "client wants my whatsapp number"),
        q(3, "order got cancelled by support"),
    ]
    forward = group_questions(items)
    backward = group_questions(list(reversed(items)))
    assert [[m.id for m in g.questions] for g in forward] == [
        [m.id for m in g.questions] for g in backward
    ]


def test_best_entry_ties_go_to_the_more_confident_guess() -> None:
    groups = group_questions(
        [
            q(1, "buyer wants my email address", "contact-a", 0.2),
            q(2, "buyer wants my email address please", "contact-b", 0.4),
        ]
    )
    assert len(groups) == 1
    assert groups[0].best_entry_id == "contact-b"
    assert groups[0].mean_confidence == pytest.approx(0.3)


def test_comparable_uses_the_matchers_stems() -> None:
    assert comparable("The buyers REFUNDS") == comparable("buyer refund")
    assert comparable("   ") == ""
    assert group_questions([]) == []


def test_grouping_reads_shorthand_with_the_packs_synonyms() -> None:
    items = [q(1, "buyer wants to cx the order"), q(2, "buyer wants to cancel the order")]
    assert [g.count for g in group_questions(items, synonyms=(("cx", "cancel"),))] == [2]
    assert comparable("my fivver gig", (("fivver", "fiverr"),)) == comparable("my fiverr gig")
