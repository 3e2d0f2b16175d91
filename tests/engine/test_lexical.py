"""BM25 over the phrasings (lexical.py): the textbook arithmetic, and what the ranker gets."""

from __future__ import annotations

import io
import math
import pickle

import pytest

from bot.engine.engine import AnswerEngine
from bot.engine.matching.index_cache import _PlainUnpickler
from bot.engine.matching.lexical import K1, OFF_TOPIC, B, Bm25Index

DOCS = [
    ("refunds", ["buyer", "want", "refund"]),
    ("refunds", ["refund", "after", "deliveri", "logo", "colour", "font"]),
    ("contact", ["buyer", "want", "whatsapp"]),
    (OFF_TOPIC, ["good", "morn", "everyon"]),
]


def _textbook(query: list[str], doc: list[str], docs: list[list[str]]) -> float:
    """Lucene BM25 written out term by term, independently of the index's precomputation."""
    average = sum(map(len, docs)) / len(docs)
    total = 0.0
    for word in dict.fromkeys(query):
        df = sum(word in d for d in docs)
        tf = doc.count(word)
        if not df or not tf:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        total += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(doc) / average))
    return total


def test_a_topic_scores_as_its_best_phrasing_by_the_textbook_formula() -> None:
    index = Bm25Index.build(DOCS)
    docs = [d for _, d in DOCS]
    query = ["buyer", "want", "refund", "refund", "unknown"]
    scores = index.scores(query)
    assert set(scores) == {"refunds", "contact", OFF_TOPIC}
    assert scores["refunds"] == pytest.approx(
        max(_textbook(query, docs[0], docs), _textbook(query, docs[1], docs))
    )
    assert scores["contact"] == pytest.approx(_textbook(query, docs[2], docs))
    assert scores[OFF_TOPIC] == 0.0
    assert scores["refunds"] > scores["contact"] > 0.0


def test_a_repeated_word_saturates_and_a_long_phrasing_is_discounted() -> None:
    short = Bm25Index.build([("a", ["late"]), ("b", ["late", "late"]), ("c", ["other"])])
    once, twice = short.scores(["late"])["a"], short.scores(["late"])["b"]
    assert once < twice < 2 * once
    long = Bm25Index.build([("a", ["late"]), ("b", ["late", "x", "y", "z"]), ("c", ["other"])])
    assert long.scores(["late"])["b"] < long.scores(["late"])["a"]


def test_no_known_word_and_an_empty_index_score_nothing() -> None:
    assert Bm25Index.build(DOCS).scores(["zebra", ""]) == {}
    assert Bm25Index.build([("a", []), ("b", [""])]).scores(["late"]) == {}


def test_the_cached_state_scores_the_same_and_holds_only_plain_containers() -> None:
    index = Bm25Index.build(DOCS)
    # The index cache's unpickler refuses anything that names a class or function.
    state = _PlainUnpickler(io.BytesIO(pickle.dumps(index.state()))).load()
    restored = Bm25Index.from_state(state)
    query = ["buyer", "want", "whatsapp", "morn"]
    assert restored.scores(query) == index.scores(query)


def test_the_ranker_sees_bm25_over_the_shipped_phrasings(shipped_engine: AnswerEngine) -> None:
    """A question worded like the pack's contact phrasings leads on BM25 for that topic,
    and chatter leads on the off_topic examples."""
    matcher = shipped_engine.matcher
    _, contact = matcher.stage1("buyer keeps asking for my whatsapp number, can i give it")
    lexical = dict(contact.lexical)
    assert max(lexical, key=lexical.__getitem__) == "off-platform-contact"
    _, chatter = matcher.stage1("good morning everyone, happy friday")
    chat = dict(chatter.lexical)
    assert max(chat, key=chat.__getitem__) == OFF_TOPIC
