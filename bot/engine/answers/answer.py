"""Compose a structured answer from a match: what the policy says, advice, caveats.

The structure is shared by every surface (command line, Discord embed), so each
renders the same content and the always-present disclaimer cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.knowledge.models import Entry, KnowledgeBase, PolicyQuote
from bot.engine.knowledge.quotes import MAX_QUOTES, shown_quotes
from bot.engine.matching.matcher import MatchResult


@dataclass(frozen=True, slots=True)
class RiskWarning:
    """An off-platform warning raised by words in the question."""

    rule: str
    text: str
    entry: str
    matched: str


@dataclass(frozen=True, slots=True)
class Answer:
    """Everything the bot would post for one question."""

    question: str
    main: Entry
    extras: tuple[Entry, ...]
    quotes: tuple[PolicyQuote, ...]
    advice: tuple[str, ...]
    caveats: tuple[str, ...]
    related: tuple[Entry, ...]
    risks: tuple[RiskWarning, ...]
    confidence: float
    platform: str
    disclaimer: str
    support_url: str
    main_url: str | None
    extra_urls: tuple[str | None, ...]

    @property
    def entry_ids(self) -> tuple[str, ...]:
        return (self.main.id, *(e.id for e in self.extras))

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.main.topic, *(e.topic for e in self.extras))


def ordered_quotes(entry: Entry, limit: int = MAX_QUOTES) -> tuple[PolicyQuote, ...]:
    """Current wording first, earlier wording after, in file order within each; a quote
    a caveat depends on is always among them (bot.engine.knowledge.quotes)."""
    return shown_quotes(entry, limit)


def compose(result: MatchResult, kb: KnowledgeBase) -> Answer | None:
    """The answer for a match, or None when nothing was matched at all."""
    if not result.covered:
        return None
    main = result.covered[0].entry
    extras = tuple(c.entry for c in result.covered[1:])
    risks = tuple(
        RiskWarning(hit.rule.id, hit.rule.warning, hit.rule.entry, hit.matched)
        for hit in result.risks
    )
    return _answer(result.text, main, extras, risks, result.confidence, kb)


def compose_entry(entry: Entry, kb: KnowledgeBase, question: str = "") -> Answer:
    """The answer for one chosen entry (/policy, "did you mean", corrections)."""
    return _answer(question, entry, (), (), 1.0, kb)


def _answer(
    question: str,
    main: Entry,
    extras: tuple[Entry, ...],
    risks: tuple[RiskWarning, ...],
    confidence: float,
    kb: KnowledgeBase,
) -> Answer:
    covered = {main.id, *(e.id for e in extras)}
    related = tuple(
        entry for rid in main.related if rid not in covered and (entry := kb.entry(rid)) is not None
    )
    return Answer(
        question=question,
        main=main,
        extras=extras,
        quotes=ordered_quotes(main),
        advice=main.advice,
        caveats=main.caveats,
        related=related,
        risks=risks,
        confidence=confidence,
        platform=kb.pack.name,
        disclaimer=kb.pack.disclaimer,
        support_url=kb.pack.support_url,
        main_url=kb.entry_url(main),
        extra_urls=tuple(kb.entry_url(e) for e in extras),
    )
