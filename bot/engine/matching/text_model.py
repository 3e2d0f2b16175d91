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
from collections.abc import Iterable, Sequence

import numpy as np

from bot.engine.matching.normalise import NormalText

NONE_CLASS = "none"
CHAR_GRAMS = (3, 4, 5)
# Words whose character-gram columns are remembered, if no longer than CACHED_WORD_LENGTH
# (a real word, not a pasted blob): at most about 0.8 KB each, so 16 MB at worst.
WORD_CACHE = 20_000
CACHED_WORD_LENGTH = 24


def featurize(normal: NormalText) -> list[str]:
    """Every feature of a normalised text, repeated as often as it occurs.

    Prefixes keep the three kinds apart: "w:" stems, "b:" stem pairs, "c:" character
    grams of a word padded with spaces (so a gram can tell a word's start and end).
    """
    stems = [s for s in normal.stems if s]
    found = stem_features(stems)
    for word in normal.text.split():
        found += char_grams(word)
    return found


def stem_features(stems: Sequence[str]) -> list[str]:
    """The "w:" stems and "b:" stem pairs of a text's content stems."""
    return [f"w:{s}" for s in stems] + [f"b:{a} {b}" for a, b in itertools.pairwise(stems)]


def char_grams(word: str) -> list[str]:
    """The "c:" character 3-5-grams of one word, padded with spaces."""
    padded = f" {word} "
    size = len(padded)
    found: list[str] = []
    for n in CHAR_GRAMS:
        if n > size:
            break
        found += [f"c:{padded[i : i + n]}" for i in range(size - n + 1)]
    return found


def tf_idf(
    features: Sequence[str], vocabulary: dict[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Columns and weights of one text: (1 + ln tf) * idf, l2-normalised; unknown features
    dropped."""
    return weigh_columns(known_columns(features, vocabulary), idf)


def known_columns(features: Iterable[str], vocabulary: dict[str, int]) -> list[int]:
    """The column number of each feature the vocabulary knows, in order."""
    return [c for c in map(vocabulary.get, features) if c is not None]


def weigh_columns(found: list[int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tf_idf() from the known features' column numbers, one per occurrence. Counting is
    done by numpy: a long post has thousands of character grams, and a Python dict loop
    over them was half the text model's time."""
    if not found:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    columns, counts = np.unique(np.array(found, dtype=np.int64), return_counts=True)
    weights = (1.0 + np.log(counts)) * idf[columns].astype(np.float64)
    norm = float(np.sqrt(weights @ weights))
    return columns, (weights / norm if norm > 0 else weights)


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
        self._word_columns: dict[str, tuple[int, ...]] = {}

    def probabilities(self, normal: NormalText) -> dict[str, float]:
        """Softmax over the classes for one normalised text."""
        columns, weights = weigh_columns(self.columns(normal), self.idf)
        logits = self.intercept.astype(np.float64)
        if len(columns):
            logits = logits + weights @ self.coef[columns]
        logits = logits - logits.max()
        exp = np.exp(logits)
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))

    def columns(self, normal: NormalText) -> list[int]:
        """The known features of featurize(normal) as column numbers, one per occurrence.

        A word's character grams are looked up once and remembered: words recur from
        question to question, and building and looking up a long post's thousands of
        grams was most of the model's time. The memory is bounded: at most WORD_CACHE words
        of at most CACHED_WORD_LENGTH characters.
        """
        vocabulary = self.vocabulary
        found = known_columns(stem_features([s for s in normal.stems if s]), vocabulary)
        remembered = self._word_columns
        for word in normal.text.split():
            known = remembered.get(word)
            if known is None:
                known = tuple(known_columns(char_grams(word), vocabulary))
                if len(word) <= CACHED_WORD_LENGTH and len(remembered) < WORD_CACHE:
                    remembered[word] = known
            found += known
        return found
