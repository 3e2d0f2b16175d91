"""Matching on the small demo pack: ranking, confidence, silence, risks, ambiguity."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine.engine import AnswerEngine
from bot.engine.matching.matcher import Matcher, MatchSettings


@pytest.fixture
def engine(demo_knowledge: Path) -> AnswerEngine:
    return AnswerEngine.load(demo_knowledge, "demo")


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("the buyer doesnt like my logo and wants his money back", "refund-taste"),
        ("I missed the deadline, will the buyer cancel?", "late-basics"),
        ("client wants my whatsapp number", "contact-basics"),
        ("buyer demands refnd because he dislikes the desing", "refund-taste"),
    ],
)
def test_questions_rank_their_entry_first(engine: AnswerEngine, question: str, entry: str) -> None:
    result = engine.match(question)
    assert result.main is not None
    assert result.main.entry.id == entry
    assert result.answer


def test_confidence_is_between_zero_and_one(engine: AnswerEngine) -> None:
    for text in ["", "refund", "late late late late", "x" * 5000, "good morning everyone"]:
        result = engine.match(text)
        assert 0.0 <= result.confidence <= 1.0
        assert all(0.0 <= c.score <= 1.0 for c in result.candidates)


@pytest.mark.parametrize("chatter", ["good morning everyone, have a nice day", "", "👍👍", "lol"])
def test_chatter_is_not_answered(engine: AnswerEngine, chatter: str) -> None:
    assert not engine.match(chatter).answer


def test_threshold_decides_the_answer_flag(engine: AnswerEngine) -> None:
    question = "buyer dislikes the work and wants a refund"
    confidence = engine.match(question).confidence
    assert engine.match(question, threshold=confidence).answer
    assert not engine.match(question, threshold=min(1.0, confidence + 0.01)).answer


def test_risk_rule_adds_its_entry_and_warning(engine: AnswerEngine) -> None:
    result = engine.match("the buyer dislikes my logo and wants a refund, and asked my whatsapp")
    assert result.main.entry.id == "refund-taste"
    assert [c.entry.id for c in result.covered][:2] == ["refund-taste", "contact-basics"]
    assert [hit.rule.id for hit in result.risks] == ["contact"]


def test_risk_detector_catches_email_addresses(engine: AnswerEngine) -> None:
    result = engine.match("I'm late on the order, the buyer says mail me at jo@example.com")
    assert [hit.rule.id for hit in result.risks] == ["contact"]


def test_evidence_names_the_words_that_mattered(engine: AnswerEngine) -> None:
    result = engine.match("so the client dislikes my design and demands a refund now")
    assert {"refund", "dislikes", "demands"} <= set(result.main.evidence)


def test_not_example_pushes_its_entry_down(engine: AnswerEngine) -> None:
    question = "how long does a refund take to reach the card of the buyer"
    without = engine.matcher.match(question, use_not_examples=False)
    with_them = engine.matcher.match(question)
    assert without.main is not None and without.main.entry.id == "refund-taste"
    with_them = next(c for c in with_them.candidates if c.entry.id == "refund-taste")
    assert with_them.score < without.main.score
    assert with_them.suppressed_by == "how long does a refund take to reach the buyer card"


def test_close_topics_are_ambiguous_and_not_answered(engine: AnswerEngine) -> None:
    matcher = Matcher(engine.kb, MatchSettings(ambiguity_margin=1.0, threshold=0.0))
    result = matcher.match("late refund")
    assert result.ambiguous
    assert not result.answer


def test_clear_winner_is_not_ambiguous(engine: AnswerEngine) -> None:
    result = engine.match("buyer dislikes the logo and wants a refund. also I missed the deadline")
    assert not result.ambiguous
    assert result.candidates[0].similarity > result.candidates[1].similarity


def test_covered_topics_are_distinct_and_at_most_three(engine: AnswerEngine) -> None:
    result = engine.match(
        "buyer dislikes the logo, wants refund, I was late, and he wants my whatsapp number"
    )
    topics = [c.entry.topic for c in result.covered]
    assert len(topics) == len(set(topics)) <= 3
    assert result.topics()[0]["topic"] == topics[0]


@pytest.mark.parametrize(
    "question",
    [
        "buyer opened a cancellation because he does not like the style, I delivered what the gig"
        " says and he also wants my whatsapp",
        "my order is late and the client keeps asking for more revisions and threatens a review",
        "cx wants refund",
    ],
)
def test_entry_postings_give_each_entrys_centroid_cosine(
    shipped_engine: AnswerEngine, question: str
) -> None:
    """Within a topic the entry nearest the question is chosen; its posting lists must give
    every entry exactly the dot product of the question with that entry's centroid."""
    index = shipped_engine.matcher.index
    read = shipped_engine.matcher._read(question)
    query, fit = read.vector, read.entry_fit
    for entry, centroid in index.entry_centroids.items():
        expected = sum(weight * centroid.get(term, 0.0) for term, weight in query.items())
        assert fit.get(entry, 0.0) == pytest.approx(expected, abs=1e-12)
    assert any(value > 0 for value in fit.values())


def test_evidence_keeps_the_earlier_of_equally_weighted_words(
    shipped_engine: AnswerEngine,
) -> None:
    """ "western" and "union" always come together, so they weigh the same; with room for
    one of them, the earlier one is kept in every run (a set once made it the hash seed's
    choice, and /kb test showed different evidence from one start to the next)."""
    matcher = copy.copy(shipped_engine.matcher)
    matcher.settings = replace(matcher.settings, evidence_words=7)
    result = matcher.match(
        "A buyer wants to send the payment outside fiverr by bank transfer or western union,"
        " he says fiverr fees are too high. Should I accept?"
    )
    main = next(c for c in result.candidates if c.entry.topic == "off-platform-payment")
    assert "western" in main.evidence
    assert "union" not in main.evidence
    assert len(main.evidence) == 7
