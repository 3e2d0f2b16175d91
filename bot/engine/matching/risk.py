"""Spot business moving outside the platform, whatever the question was about.

A seller asking about a refund who mentions sending files by WhatsApp needs to
hear about that risk too, so risk rules run on every question independently of
topic matching. Rules are plain phrases from the pack (no regular expressions,
so a moderator's file cannot make matching slow) plus a few built-in detectors
for e-mail addresses, phone numbers and file links.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.knowledge.models import RiskRule
from bot.engine.matching.normalise import NormalText, normalise_known


@dataclass(frozen=True, slots=True)
class RiskHit:
    """A risk rule that fired, and the words that fired it."""

    rule: RiskRule
    matched: str


class RiskDetector:
    """Checks a normalised message against the pack's risk rules."""

    def __init__(
        self, rules: tuple[RiskRule, ...], synonyms: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.rules = rules
        self._terms = [(rule, _needles(rule, synonyms)) for rule in rules]

    def detect(self, text: NormalText) -> tuple[RiskHit, ...]:
        padded = f" {text.text} "
        hits: list[RiskHit] = []
        for rule, terms in self._terms:
            found = next((term for term, needle in terms if needle in padded), None)
            if found is None:
                found = next((d for d in rule.detectors if d in text.signals), None)
            if found is not None:
                hits.append(RiskHit(rule, found))
        return tuple(hits)


def _needles(rule: RiskRule, synonyms: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Each term as it reads after normalisation, padded so it only matches whole words;
    a term that normalises to nothing (punctuation only) is left out."""
    found = ((term, normalise_known(term, synonyms).text) for term in rule.terms)
    return [(term, f" {text} ") for term, text in found if text.strip()]
