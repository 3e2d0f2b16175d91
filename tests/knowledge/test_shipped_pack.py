"""The shipped Fiverr pack: complete, verbatim, and loadable by `kb validate`."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.cli import main
from bot.engine.engine import AnswerEngine
from bot.engine.knowledge.validation import validate_pack
from tests.conftest import SHIPPED_KNOWLEDGE

# The newer wording the reference records for subjects whose wording changed.
NEWER_WORDING = {
    "quality-cancellation": "we will not cancel an order based only on personal taste",
    "cancellation-request": "You cannot force-cancel orders",
    "late-delivery": "can cancel without",
    "off-platform-contact": (
        "Communication through third-party tools is permitted only after an order"
    ),
    "refund-chargeback": "45 days",
    "negative-review": "final once published",
}


def test_kb_validate_passes_on_the_shipped_knowledge(capsys) -> None:
    assert main(["kb", "validate", str(SHIPPED_KNOWLEDGE)]) == 0
    assert "fiverr: ok:" in capsys.readouterr().out


def test_every_taxonomy_topic_has_an_entry(shipped_engine: AnswerEngine) -> None:
    topics = yaml.safe_load((SHIPPED_KNOWLEDGE / "topics.yaml").read_text())["topics"]
    assert len(topics) == 18
    covered = {entry.topic for entry in shipped_engine.kb.entries}
    assert covered == set(topics)


def test_every_entry_is_complete(shipped_engine: AnswerEngine) -> None:
    ids = set(shipped_engine.kb.by_id)
    for entry in shipped_engine.kb.entries:
        assert len(entry.questions) >= 10, entry.id
        assert len(entry.not_examples) >= 3, entry.id
        assert len(entry.advice) >= 3, entry.id
        assert entry.caveats, entry.id
        assert entry.policy, entry.id
        assert entry.related and set(entry.related) <= ids, entry.id


def test_every_quote_is_verbatim_in_a_stored_source(shipped_engine: AnswerEngine) -> None:
    stored = yaml.safe_load((SHIPPED_KNOWLEDGE / "sources" / "fiverr-policy.yaml").read_text())
    by_url: dict[str, list[str]] = {}
    for topic in stored["topics"].values():
        for source in topic["sources"]:
            by_url.setdefault(source["url"], []).extend(source["quotes"])
    for entry in shipped_engine.kb.entries:
        for quote in entry.policy:
            assert any(quote.text in q for q in by_url.get(quote.source, [])), (
                entry.id,
                quote.text,
            )
            assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", quote.as_of), (entry.id, quote.as_of)


@pytest.mark.parametrize("topic", sorted(NEWER_WORDING))
def test_newer_wording_is_quoted_where_the_reference_records_a_change(
    shipped_engine: AnswerEngine, topic: str
) -> None:
    quotes = [
        q
        for e in shipped_engine.kb.entries_for_topic(topic)
        for q in e.policy
        if q.wording == "current"
    ]
    assert any(NEWER_WORDING[topic] in q.text for q in quotes)


def test_no_dev_question_is_pasted_into_the_knowledge(shipped_engine: AnswerEngine) -> None:
    from rapidfuzz import fuzz

    from bot.engine.matching.normalise import normalise
    from bot.engine.tooling.evaluate import read_labelled
    from tests.conftest import ROOT

    kb = shipped_engine.kb
    synonyms = kb.pack.synonyms
    dev = [
        normalise(item.text, synonyms).text
        for item in read_labelled(ROOT / "eval" / "questions.jsonl")
    ]
    written = [p for e in kb.entries for p in (*e.questions, *e.not_examples, *e.keywords)]
    for phrasing in (*written, *kb.pack.off_topic):
        text = normalise(phrasing, synonyms).text
        for question in dev:
            assert fuzz.ratio(text, question) < 75, phrasing


def test_every_labelled_topic_is_a_topic_of_the_shipped_pack(shipped_engine: AnswerEngine) -> None:
    """A misspelt label (in topics or also) would silently count every answer as wrong."""
    from bot.cli.labelled import default_calibration_files, default_labelled_files
    from bot.engine.tooling.evaluate import read_labelled

    known = {entry.topic for entry in shipped_engine.kb.entries}
    files = default_labelled_files(SHIPPED_KNOWLEDGE) + default_calibration_files(SHIPPED_KNOWLEDGE)
    items = [item for path in files for item in read_labelled(path)]
    assert any(item.also for item in items)
    unknown = {(item.id, topic) for item in items for topic in item.raised if topic not in known}
    assert not unknown


def test_seed_question_covers_its_three_topics(shipped_engine: AnswerEngine) -> None:
    from bot.engine.tooling.evaluate import read_labelled
    from tests.conftest import ROOT

    seed = next(i for i in read_labelled(ROOT / "eval" / "questions.jsonl") if i.id == "seed")
    result = shipped_engine.match(seed.text)
    topics = [c.entry.topic for c in result.covered]
    assert topics[0] == "quality-cancellation"
    assert set(topics) == {"quality-cancellation", "off-platform-contact", "samples-free-work"}
    assert result.answer


def test_risk_warning_fires_even_when_the_question_is_about_something_else(
    shipped_engine: AnswerEngine,
) -> None:
    result = shipped_engine.match(
        "My order is 2 days late because the buyer only sent the requirements on WhatsApp"
    )
    assert "off-platform-contact" in [hit.rule.id for hit in result.risks]
    assert "off-platform-contact" in [c.entry.topic for c in result.covered]


def test_shipped_pack_loads_without_warnings() -> None:
    result = validate_pack(SHIPPED_KNOWLEDGE, "fiverr")
    assert result.ok
    assert len(result.kb.entries) >= 18
    assert not result.warnings, [str(p) for p in result.warnings]
