"""Match a question to knowledge entries, with a confidence the bot can act on.

How a question is scored:
1. It is normalised (normalise.py); words the knowledge has never seen are
   corrected to the closest vocabulary word with rapidfuzz, so "cancellaton"
   and "revison" still count.
2. Its TF-IDF vector over stems and stem pairs is compared with every topic's
   centroid and with the off-topic centroid (index.py). The topic ranking comes
   from these similarities: a long forum post is judged on everything it says.
3. Within a topic, the entry whose own centroid and phrasings fit best is
   chosen. Phrasings are scored per window of the question as the weighted
   share of their stems present, which also tells which words mattered.
4. Confidence grows with the topic similarity and shrinks as the question
   looks more like the off-topic examples than like a dispute; an entry whose
   not_examples fit better than its phrasings is pushed down.
5. The main topic is answered together with up to two more that the question
   raises on their own evidence; risk rules add the off-platform entries
   whenever contact, payment or delivery outside the platform is mentioned.
6. When the two best topics score about the same on the same words, the
   question is ambiguous, and the bot asks "did you mean" instead of guessing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace

from bot.engine.index import Cue, MatchIndex
from bot.engine.models import Entry, KnowledgeBase
from bot.engine.normalise import NormalText, normalise
from bot.engine.risk import RiskDetector, RiskHit
from bot.engine.vectors import Vector, dot, features, weigh


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """The knobs of matching; defaults are tuned on the evaluation set's tuning split."""

    threshold: float = 0.5
    similarity_scale: float = 0.12
    silence_weight: float = 1.0
    silence_floor: float = 0.02
    phrase_weight: float = 0.5
    ambiguity_margin: float = 0.05
    ambiguity_overlap: float = 0.6
    extra_ratio: float = 0.7
    extra_floor: float = 0.4
    max_topics: int = 3
    window: int = 16
    stride: int = 8
    negative_penalty: float = 0.5
    negative_margin: float = 0.05
    candidates: int = 6


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry the question might be about, and why."""

    entry: Entry
    score: float
    similarity: float
    cue: str
    evidence: tuple[str, ...]
    positions: frozenset[int]
    suppressed_by: str | None = None


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Everything the answer composer and /kb test need to know about one question."""

    text: str
    normal: NormalText
    candidates: tuple[Candidate, ...]
    covered: tuple[Candidate, ...]
    risks: tuple[RiskHit, ...]
    confidence: float
    answer: bool
    ambiguous: bool
    threshold: float
    silence: float = 0.0

    @property
    def main(self) -> Candidate | None:
        return self.covered[0] if self.covered else None

    def topics(self) -> list[dict[str, object]]:
        """The covered topics, main first, in the evaluation output format."""
        return [
            {"topic": c.entry.topic, "entry": c.entry.id, "score": round(c.score, 4)}
            for c in self.covered
        ]


@dataclass
class _Best:
    score: float = 0.0
    cue: Cue | None = None
    positions: frozenset[int] = frozenset()


class Matcher:
    """Matches questions against one knowledge base; rebuilt whenever the base reloads."""

    def __init__(self, kb: KnowledgeBase, settings: MatchSettings | None = None) -> None:
        self.kb = kb
        self.settings = settings or MatchSettings()
        self.index = MatchIndex(kb)
        self.risk = RiskDetector(kb.pack.risks, kb.pack.synonyms)
        self._order = {entry.id: i for i, entry in enumerate(kb.entries)}

    def match(
        self, text: str, *, threshold: float | None = None, use_not_examples: bool = True
    ) -> MatchResult:
        """Match one question; use_not_examples=False shows what the phrasings alone would do."""
        settings = (
            self.settings if threshold is None else replace(self.settings, threshold=threshold)
        )
        normal = normalise(text, self.index.synonyms)
        content = self._content(normal)
        query = weigh(features([s for _, s in content]), self.index.idf)
        similarities = self._topic_similarities(query)
        silence = dot(query, self.index.silence_centroid)
        positive, negative = self._phrase_evidence(content, settings)
        if not use_not_examples:
            negative = {}
        if not use_not_examples:
            negative = {}
        ranked = self._rank(query, similarities, silence, positive, negative, normal, settings)
        risks = self.risk.detect(normal)
        confidence = ranked[0].score if ranked else 0.0
        ambiguous = self._ambiguous(ranked, settings)
        confident = confidence >= settings.threshold
        return MatchResult(
            text=text,
            normal=normal,
            candidates=tuple(ranked[: settings.candidates]),
            covered=tuple(self._cover(ranked, risks, settings)),
            risks=risks,
            confidence=round(confidence, 4),
            answer=confident and not ambiguous,
            ambiguous=confident and ambiguous,
            threshold=settings.threshold,
            silence=round(silence, 4),
        )

    def _content(self, normal: NormalText) -> list[tuple[int, str]]:
        """(position, stem) of meaningful words, unknown ones corrected to the vocabulary."""
        content: list[tuple[int, str]] = []
        for position, token in enumerate(normal.tokens):
            s = normal.stems[position]
            if not s:
                continue
            if s not in self.index.idf:
                corrected = self.index.correct(token)
                s = corrected or s
            content.append((position, s))
        return content

    def _topic_similarities(self, query: Vector) -> dict[str, float]:
        similarities: dict[str, float] = defaultdict(float)
        for term, value in query.items():
            for topic, weight in self.index.topic_postings.get(term, ()):
                similarities[topic] += value * weight
        return similarities

    def _phrase_evidence(
        self, content: list[tuple[int, str]], settings: MatchSettings
    ) -> tuple[dict[int, _Best], dict[int, _Best]]:
        """Best phrasing (and not_example) per entry over overlapping windows of the question."""
        positive: dict[int, _Best] = defaultdict(_Best)
        negative: dict[int, _Best] = defaultdict(_Best)
        useful = [(p, s) for p, s in content if self.index.weight(s) > 0.0]
        size, stride = settings.window, settings.stride
        for start in range(0, max(1, len(useful) - size + stride), stride):
            where: dict[str, set[int]] = defaultdict(set)
            for position, s in useful[start : start + size]:
                where[s].add(position)
            if where:
                self._score_cues(where, self.index.cues, self.index.postings, positive)
                self._score_cues(
                    where, self.index.negatives, self.index.negative_postings, negative
                )
        return positive, negative

    def _score_cues(
        self,
        where: dict[str, set[int]],
        cues: list[Cue],
        postings: dict[str, list[int]],
        best: dict[int, _Best],
    ) -> None:
        found: dict[int, float] = defaultdict(float)
        for s in where:
            weight = self.index.weight(s)
            for cue_id in postings.get(s, ()):
                found[cue_id] += weight
        scale = self.settings.similarity_scale * 25
        for cue_id, weight in found.items():
            cue = cues[cue_id]
            score = (weight / cue.total) * (1.0 - math.exp(-weight / scale))
            current = best[cue.entry]
            if score > current.score:
                current.score = score
                current.cue = cue
                current.positions = frozenset(p for s in cue.stems for p in where.get(s, ()))

    def _rank(
        self,
        query: Vector,
        similarities: dict[str, float],
        silence: float,
        positive: dict[int, _Best],
        negative: dict[int, _Best],
        normal: NormalText,
        settings: MatchSettings,
    ) -> list[Candidate]:
        """The best entry of every topic with any similarity, most confident first."""
        best_of_topic: dict[str, tuple[float, int]] = {}
        for i, entry in enumerate(self.index.entries):
            if similarities.get(entry.topic, 0.0) <= 0.0:
                continue
            fit = dot(query, self.index.entry_centroids.get(i, {}))
            fit += settings.phrase_weight * positive[i].score if i in positive else 0.0
            if entry.topic not in best_of_topic or fit > best_of_topic[entry.topic][0]:
                best_of_topic[entry.topic] = (fit, i)
        ranked: list[Candidate] = []
        for topic, (_fit, i) in best_of_topic.items():
            similarity = similarities[topic]
            score = self._confidence(similarity, silence, settings)
            phrase = positive.get(i, _Best())
            suppressed = None
            miss = negative.get(i)
            if (
                miss is not None
                and miss.cue is not None
                and miss.score >= 0.5
                and miss.score >= phrase.score - settings.negative_margin
            ):
                score *= settings.negative_penalty
                suppressed = miss.cue.text
            words = tuple(dict.fromkeys(normal.tokens[p] for p in sorted(phrase.positions)))
            ranked.append(
                Candidate(
                    entry=self.index.entries[i],
                    score=round(score, 4),
                    similarity=round(similarity, 4),
                    cue=phrase.cue.text if phrase.cue else "",
                    evidence=words,
                    positions=phrase.positions,
                    suppressed_by=suppressed,
                )
            )
        ranked.sort(key=lambda c: (-c.score, -c.similarity, self._order[c.entry.id]))
        return ranked

    def _confidence(self, similarity: float, silence: float, settings: MatchSettings) -> float:
        """Strength of the topic match, discounted by how off-topic the question looks."""
        strength = 1.0 - math.exp(-similarity / settings.similarity_scale)
        rivalry = settings.silence_weight * max(0.0, silence - settings.silence_floor)
        share = similarity / (similarity + rivalry) if similarity > 0 else 0.0
        return max(0.0, min(1.0, strength * share))

    def _cover(
        self, ranked: list[Candidate], risks: tuple[RiskHit, ...], settings: MatchSettings
    ) -> list[Candidate]:
        """The main entry, then risk entries, then other topics the question raises."""
        if not ranked:
            return []
        main = ranked[0]
        covered = [main]
        topics = {main.entry.topic}
        for hit in risks:
            entry = self.kb.entry(hit.rule.entry)
            if entry is None or entry.topic in topics or len(covered) >= settings.max_topics:
                continue
            known = next((c for c in ranked if c.entry.topic == entry.topic), None)
            covered.append(known or Candidate(entry, 0.0, 0.0, "", (hit.matched,), frozenset()))
            topics.add(entry.topic)
        floor = max(settings.extra_floor * main.score, settings.extra_ratio * main.similarity)
        for candidate in ranked[1:]:
            if len(covered) >= settings.max_topics:
                break
            if candidate.entry.topic in topics or candidate.similarity < floor:
                continue
            covered.append(candidate)
            topics.add(candidate.entry.topic)
        return covered

    def _ambiguous(self, ranked: list[Candidate], settings: MatchSettings) -> bool:
        """Close scores resting on the same words mean two readings of one question."""
        if len(ranked) < 2 or ranked[0].score <= 0.0:
            return False
        first, second = ranked[0], ranked[1]
        if (first.score - second.score) / first.score > settings.ambiguity_margin:
            return False
        if not first.positions or not second.positions:
            return False
        shared = len(first.positions & second.positions)
        return (
            shared / min(len(first.positions), len(second.positions)) >= settings.ambiguity_overlap
        )
