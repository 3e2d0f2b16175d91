"""disputebot's own matcher behind the same protocol as the baselines.

It sees everything the pack gives it: phrasings, not_examples, off_topic
examples, synonyms and risk rules, through the public engine API only. Its
coverage knob for the shared tuning procedure is MatchSettings.extra_ratio
(the closest thing to the baselines' relative cutoff); every other setting
stays at the shipped value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.engine.engine import AnswerEngine
from bot.engine.matching.matcher import Matcher, MatchResult, MatchSettings
from bot.ops.gc_pause import gc_paused
from bot.settings import Settings
from methods.base import RATIOS, Decision, Ranking, Scored


def shipped_settings() -> MatchSettings:
    """The settings the bot runs with when nothing is configured."""
    return MatchSettings(threshold=Settings().answer_threshold)


class DisputebotMethod:
    """AnswerEngine.load for start-up, engine.match for each question."""

    def __init__(self, settings: MatchSettings | None = None, name: str = "disputebot") -> None:
        self.settings = settings or shipped_settings()
        self.name = name
        self._matchers: dict[float, Matcher] = {}

    def load(self, root: Path, platform: str) -> None:
        """As the bot and CLI load: with the index cache the settings name (see bench/speed.py),
        the collector paused while indexing."""
        cache = Settings.load().index_cache_dir
        self.engine = AnswerEngine.load(
            root, platform, settings=self.settings, index_cache_dir=cache, build_context=gc_paused
        )
        self._matchers = {self.settings.extra_ratio: self.engine.matcher}

    def settle(self) -> None:
        """Wait for the index cache write a first start leaves running, so it cannot
        slow the latency measurement that follows (the bot overlaps it with connecting)."""
        if self.engine.index_cache is not None:
            self.engine.index_cache.wait()

    def rank(self, text: str) -> Ranking:
        return [(c.entry.topic, c.score) for c in self.engine.match(text).candidates]

    def score(self, text: str, ratios: Sequence[float] = RATIOS) -> Scored:
        """At threshold 0 every match is 'confident', so `ambiguous` is the raw ambiguity."""
        results = {r: self._matcher(r).match(text, threshold=0.0) for r in ratios}
        first = next(iter(results.values()))
        covered = {r: _topics(result) for r, result in results.items()}
        return Scored(first.confidence, first.ambiguous, covered)

    def decide(self, text: str, threshold: float, ratio: float) -> Decision:
        result = self._matcher(ratio).match(text, threshold=threshold)
        return Decision(_topics(result), result.answer, result.confidence, result.ambiguous)

    def _matcher(self, ratio: float) -> Matcher:
        """One matcher per coverage ratio, built lazily over the loaded knowledge, with the
        same second stage as the one loaded (the shipped ranker, or none for stage 1 alone):
        a ratio must not switch the method being measured."""
        if ratio not in self._matchers:
            settings = replace(self.settings, extra_ratio=ratio)
            ranker = self._matchers[self.settings.extra_ratio].ranker
            self._matchers[ratio] = Matcher(self.engine.kb, settings).with_ranker(ranker)
        return self._matchers[ratio]


def _topics(result: MatchResult) -> tuple[str, ...]:
    return tuple(str(t["topic"]) for t in result.topics())
