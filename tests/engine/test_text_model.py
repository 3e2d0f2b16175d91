"""The text model's answering path counts exactly the features training counts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from bot.engine.engine import AnswerEngine
from bot.engine.matching import text_model
from bot.engine.matching.normalise import normalise
from bot.engine.matching.text_model import TextModel, featurize, tf_idf

TEXTS = [
    "cx wants refund",
    "he is asking for my number",
    "Buyer didnt like the logo and opened a cancelation, my gig says 2 revisions only!!",
    "plz help,, client want my whatsap and say he give 5 star if i do extra work free",
    "Le client veut un remboursement après la livraison, c'est normal ?",
    "a" * 300,
    "refund " * 200,
    "",
]


@pytest.fixture
def model(shipped_engine: AnswerEngine) -> TextModel:
    """A fresh copy of the shipped model, so each test starts with nothing remembered."""
    ranker = shipped_engine.matcher.ranker
    assert ranker is not None
    shipped = ranker.text_model
    features = sorted(shipped.vocabulary, key=shipped.vocabulary.__getitem__)
    return TextModel(features, shipped.idf, shipped.coef, shipped.intercept, shipped.classes)


def training_columns(model: TextModel, text: str) -> Counter[int]:
    """What training's analyzer (featurize) gives, as column numbers."""
    known = (model.vocabulary.get(f) for f in featurize(normalise(text)))
    return Counter(c for c in known if c is not None)


@pytest.mark.parametrize("text", TEXTS)
def test_columns_are_the_known_features_training_counts_cold_and_warm(
    model: TextModel, text: str
) -> None:
    expected = training_columns(model, text)
    assert Counter(model.columns(normalise(text))) == expected
    assert Counter(model.columns(normalise(text))) == expected  # words now remembered


@pytest.mark.parametrize("text", TEXTS)
def test_probabilities_are_those_of_training_s_tf_idf(model: TextModel, text: str) -> None:
    normal = normalise(text)
    columns, weights = tf_idf(featurize(normal), model.vocabulary, model.idf)
    logits = model.intercept.astype(np.float64)
    if len(columns):
        logits = logits + weights @ model.coef[columns]
    expected = np.exp(logits - logits.max())
    expected /= expected.sum()
    found = model.probabilities(normal)
    assert list(found) == list(model.classes)
    assert list(found.values()) == pytest.approx(expected.tolist(), abs=1e-12)


def test_remembered_words_are_bounded_in_number_and_length(
    model: TextModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = "x" * 500
    assert Counter(model.columns(normalise(f"refund {blob}"))) == training_columns(
        model, f"refund {blob}"
    )
    assert list(model._word_columns) == ["refund"]  # a pasted blob is not remembered
    monkeypatch.setattr(text_model, "WORD_CACHE", 5)
    text = " ".join(f"word{i}" for i in range(20))
    before = training_columns(model, text)
    assert Counter(model.columns(normalise(text))) == before
    assert len(model._word_columns) == 5
    assert Counter(model.columns(normalise(text))) == before
