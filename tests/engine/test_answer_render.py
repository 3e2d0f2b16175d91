"""Answers carry verbatim quotes with links and dates, advice, caveats and the disclaimer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.answers.answer import compose, compose_entry
from bot.engine.answers.render import render_markdown, render_no_answer
from bot.engine.engine import AnswerEngine


@pytest.fixture
def engine(demo_knowledge: Path) -> AnswerEngine:
    return AnswerEngine.load(demo_knowledge, "demo")


def test_answer_structure(engine: AnswerEngine) -> None:
    result, answer = engine.answer("buyer dislikes my logo and wants a refund, asked my whatsapp")
    assert answer is not None
    assert answer.main.id == "refund-taste"
    assert [e.id for e in answer.extras] == ["contact-basics"]
    assert answer.entry_ids == ("refund-taste", "contact-basics")
    assert answer.topics == ("refunds", "contact")
    assert answer.confidence == result.confidence
    assert [r.rule for r in answer.risks] == ["contact"]
    assert [e.id for e in answer.related] == ["late-basics"]


def test_current_wording_comes_before_earlier_wording(engine: AnswerEngine) -> None:
    answer = compose_entry(engine.kb.entry("refund-taste"), engine.kb)
    assert [q.wording for q in answer.quotes] == ["current", "earlier"]


def test_markdown_quotes_verbatim_with_link_and_date(engine: AnswerEngine) -> None:
    text = render_markdown(compose_entry(engine.kb.entry("refund-taste"), engine.kb))
    assert "> A buyer not liking an order is not enough grounds for a refund." in text
    assert "[Refund rules](https://example.test/refunds), as of 2025-03-01" in text
    assert "ToS as quoted on the forum, may be outdated" in text
    assert "**Community advice (from sellers, not official)**" in text
    assert "• Offer a revision within the agreed scope." in text
    assert "**Watch out**" in text


def test_disclaimer_is_always_the_last_line(engine: AnswerEngine) -> None:
    for question in ["buyer wants refund", "my order is late", "whatsapp?"]:
        _, answer = engine.answer(question)
        assert answer is not None
        assert (
            render_markdown(answer)
            .rstrip()
            .endswith("_Community guidance, not DemoMarket support._")
        )


def test_also_relevant_and_risk_sections(engine: AnswerEngine) -> None:
    _, answer = engine.answer("buyer dislikes my logo and wants a refund, asked my whatsapp")
    text = render_markdown(answer)
    assert "**⚠️ Off-platform risk**\n• Keep contact on the platform." in text
    assert "**Also relevant**\n• **Buyer asks for contact outside the platform**" in text


def test_no_answer_lists_closest_entries_and_disclaimer(engine: AnswerEngine) -> None:
    result = engine.match("refund", threshold=1.0)
    text = render_no_answer(result, engine.kb.pack.disclaimer)
    assert text.startswith("No confident answer")
    assert "refund-taste" in text
    assert "Community guidance, not DemoMarket support." in text


def test_compose_returns_none_without_candidates(engine: AnswerEngine) -> None:
    assert compose(engine.match(""), engine.kb) is None
