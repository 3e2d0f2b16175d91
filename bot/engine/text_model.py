"""A supervised text classifier: which topic (or none) a question reads like.

Trained by `disputebot kb train` (training.py, scikit-learn) on the knowledge
phrasings, the pack's off_topic examples and the labelled questions in eval/;
run here with numpy alone, so answering never imports scikit-learn. Features
are the normaliser's stems and stem pairs plus character 3-5-grams of each
normalised word: the stems carry meaning, the character grams carry typos,
shorthand and inflections that the stems miss.

Weighting is TF-IDF with sublinear term frequency and l2 normalisation, the
same arithmetic on both sides: featurize() is the one analyzer that training
and answering share.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from bot.engine.normalise import NormalText

NONE_CLASS = "none"
CHAR_GRAMS = (3, 4, 5)


def featurize(normal: NormalText) -> list[str]:
    """Every feature of a normalised text, repeated as often as it occurs.

    Prefixes keep the three kinds apart: "w:" stems, "b:" stem pairs, "c:" character
    grams of a word padded with spaces (so a gram can tell a word's start and end).
    """
    stems = [s for s in normal.stems if s]
    found = [f"w:{s}" for s in stems]
    found += [f"b:{a} {b}" for a, b in itertools.pairwise(stems)]
    for word in normal.text.split():
        padded = f" {word} "
        size = len(padded)
        for n in CHAR_GRAMS:
            if n > size:
                break
            found += [f"c:{padded[i : i + n]}" for i in range(size - n + 1)]
    return found


def tf_idf(
    features: Sequence[str], vocabulary: dict[str, int], idf: np.ndarray
) -> dict[int, float]:
    """Column -> weight of one text: (1 + ln tf) * idf, l2-normalised; unknown features dropped."""
    counts = Counter(features)
    weights: dict[int, float] = {}
    for feature, count in counts.items():
        column = vocabulary.get(feature)
        if column is not None:
            weights[column] = (1.0 + math.log(count)) * float(idf[column])
    norm = math.sqrt(sum(w * w for w in weights.values()))
    if norm > 0:
        weights = {c: w / norm for c, w in weights.items()}
    return weights


class TextModel:
    """A linear classifier over TF-IDF features: probabilities for every topic and none."""

    def __init__(
        self,
        features: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        classes: Sequence[str],
    ) -> None:
        """coef has one row per feature and one column per class (transposed from sklearn)."""
        if coef.shape != (len(features), len(classes)) or idf.shape != (len(features),):
            raise ValueError(
                f"text model shapes disagree: {len(features)} features, {len(classes)} classes, "
                f"coef {coef.shape}, idf {idf.shape}"
            )
        self.vocabulary = {feature: i for i, feature in enumerate(features)}
        self.idf = idf
        self.coef = coef
        self.intercept = intercept
        self.classes = tuple(classes)

    def probabilities(self, normal: NormalText) -> dict[str, float]:
        """Softmax over the classes for one normalised text."""
        weights = tf_idf(featurize(normal), self.vocabulary, self.idf)
        logits = self.intercept.astype(np.float64)
        if weights:
            columns = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
            values = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
            logits = logits + values @ self.coef[columns]
        logits = logits - logits.max()
        exp = np.exp(logits)
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))
