"""Match a question to knowledge entries, with a confidence the bot can act on.

How a question is scored:
1. It is normalised (normalise.py); words the knowledge has never seen are
   corrected to the closest vocabulary word with rapidfuzz, so "cancellaton"
   and "revison" still count.
2. Its TF-IDF vector over stems and stem pairs is compared with every topic's
   centroid (index.py). Topics are ranked by that similarity: a long forum post
   is judged on everything it says, a short one on its few telling words. For
   short questions rapidfuzz also compares the whole question with every
   phrasing, which catches near-verbatim questions with typos.
3. Confidence grows with the main topic's similarity. It is halved when the
   question sits nearer to a known near miss (the topic's not_examples or the
   pack's off_topic examples) than to any real phrasing of the topic.
4. When the two best topics are about equally similar, the question is
   ambiguous and the bot asks "did you mean" instead of guessing.
5. The main topic is answered with up to two more that the question raises on
   its own evidence; risk rules add the off-platform entries whenever contact,
   payment or delivery outside the platform is mentioned.
6. Within a topic, the entry whose own centroid is nearest is chosen, and the
   words that contributed most to the match are reported as evidence.
"""

from __future__ import annotations

import bisect
import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from bot.engine.knowledge.models import Entry, KnowledgeBase
from bot.engine.matching.index import MatchIndex
from bot.engine.matching.index_cache import IndexCache
from bot.engine.matching.normalise import NormalText, normalise, normalise_known
from bot.engine.matching.ranker import Ranker, Ranking, Stage1, knowledge_fingerprint
from bot.engine.matching.risk import RiskDetector, RiskHit
from bot.engine.matching.text_model import NONE_CLASS
from bot.engine.matching.vectors import Vector, best_row, features, scores_by_key, weigh


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """The knobs of stage 1 (hand-set, kept from before the ranker), and the answer threshold.

    threshold None means: the trained ranker's threshold, or STAGE1_THRESHOLD without one.
    """

    threshold: float | None = None
    similarity_scale: float = 0.23
    near_miss_tolerance: float = 0.03
    near_miss_penalty: float = 0.5
    ambiguity_margin: float = 0.02
    extra_ratio: float = 0.7
    max_topics: int = 3
    short_question_words: int = 12
    phrase_weight: float = 0.2
    evidence_words: int = 8
    candidates: int = 6
    passage_sentences: int = 2
    passage_floor: float = 0.2


STAGE1_THRESHOLD = 0.5
# Without a ranker: a candidate scoring below this is not plausibly what the question is
# about (a pizza question would otherwise be offered three unrelated dispute entries).
STAGE1_PLAUSIBLE = 0.25


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry the question might be about, and why."""

    entry: Entry
    score: float
    similarity: float
    cue: str
    evidence: tuple[str, ...]
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
    ranked: bool = False
    # With the ranker: the text model's probability that this is a dispute question at all.
    dispute_probability: float | None = None

    @property
    def plausible(self) -> bool:
        """Whether the question is plausibly about the knowledge at all (closest entries
        are worth offering, and an unanswered one is a gap, not chatter). With the ranker
        this is the text model's own verdict (dispute more likely than none)."""
        if self.dispute_probability is not None:
            return self.dispute_probability >= 0.5
        return bool(self.candidates) and self.candidates[0].score >= STAGE1_PLAUSIBLE

    def plausible_candidates(self) -> list[Candidate]:
        """The candidates worth offering as "closest" when there is no confident answer."""
        if not self.plausible:
            return []
        if self.ranked:
            return list(self.candidates)
        return [c for c in self.candidates if c.score >= STAGE1_PLAUSIBLE]

    @property
    def main(self) -> Candidate | None:
        return self.covered[0] if self.covered else None

    def topics(self) -> list[dict[str, object]]:
        """The covered topics, main first, in the evaluation output format."""
        return [
            {"topic": c.entry.topic, "entry": c.entry.id, "score": round(c.score, 4)}
            for c in self.covered
        ]


@dataclass(frozen=True, slots=True)
class _Question:
    """One question as every step of matching reads it, with the scores several steps
    share computed once: the entry fits, and each topic's phrasing scores on first use."""

    text: str
    normal: NormalText
    stems: list[tuple[int, str]]  # (position, stem) of the meaningful words
    vector: Vector
    entry_fit: dict[int, float]  # dot product with each entry's centroid
    example_scores: dict[str, dict[int, float]] = field(default_factory=dict)


class Matcher:
    """Matches questions against one knowledge base; rebuilt whenever the base reloads."""

    def __init__(
        self,
        kb: KnowledgeBase,
        settings: MatchSettings | None = None,
        *,
        cache: IndexCache | None = None,
        ranker: Ranker | None = None,
    ) -> None:
        """Build the index, or restore it from cache when the same texts were built before.

        A fresh build is queued on the cache; whoever loads calls cache.write_pending()
        when loading is over (validate_pack does). Without a ranker, stage 1 alone
        ranks and decides (its hand-set confidence against STAGE1_THRESHOLD).
        """
        self.kb = kb
        self.settings = settings or MatchSettings()
        self.ranker = ranker
        key = cache.key(kb) if cache else ""
        stored = cache.load(key) if cache else None
        if stored is not None:
            self.index = MatchIndex(kb, stored["index"])
            self._examples: list[tuple[str, str]] = stored["examples"]
        else:
            self.index = MatchIndex(kb)
            self._examples = [
                (entry.topic, _sorted_stems(normalise_known(text, kb.pack.synonyms).stems))
                for entry in kb.entries
                for text in (entry.title, *entry.questions)
            ]
            if cache:
                cache.store_later(key, {"index": self.index.state(), "examples": self._examples})
        self.risk = RiskDetector(kb.pack.risks, kb.pack.synonyms)
        self._position = {entry.id: i for i, entry in enumerate(kb.entries)}
        self._topic_entries: dict[str, list[tuple[int, Entry]]] = {}
        for i, entry in enumerate(kb.entries):
            self._topic_entries.setdefault(entry.topic, []).append((i, entry))
        self._example_texts = [text for _, text in self._examples]
        # At load time (2 ms), not in the first question's answer; a matcher built without a
        # ranker computes it on the first ranked question (with_ranker copies share it).
        self._knowledge_fingerprint = knowledge_fingerprint(kb) if ranker is not None else None

    def match(
        self,
        text: str,
        *,
        threshold: float | None = None,
        use_not_examples: bool = True,
        details: bool = True,
    ) -> MatchResult:
        """Match one question.

        use_not_examples=False shows what the phrasings alone would do; details=False
        skips the closest phrasing and evidence words, which only /kb test shows.
        """
        settings = (
            self.settings if threshold is None else replace(self.settings, threshold=threshold)
        )
        bar = self._threshold(settings)
        ranking = self.ranker is not None
        question = self._read(text)
        similarities = self._similarities(question.vector, question.stems, settings)
        ranked = sorted(similarities.items(), key=lambda item: (-item[1], item[0]))
        shown = settings.candidates if details or ranking else settings.max_topics
        candidates = [
            self._candidate(
                question,
                topic,
                similarity,
                settings,
                details and not ranking and n < settings.max_topics,
            )
            for n, (topic, similarity) in enumerate(ranked[:shown])
        ]
        if candidates and use_not_examples:
            candidates[0] = self._near_miss_check(candidates[0], question, settings)
        risks = self.risk.detect(question.normal)
        confidence = candidates[0].score if candidates else 0.0
        wanted = details or ranking or confidence >= bar
        raised = self._raised_topics(question, settings) if candidates and wanted else {}
        covered = self._cover(candidates, risks, raised, settings)
        if self.ranker is not None and candidates:
            stage1 = self._stage1_view(candidates, covered, risks, confidence, question.stems)
            verdict = self.ranker.rank(question.normal, stage1)
            return self._ranked_result(
                question,
                similarities,
                candidates,
                risks,
                verdict,
                settings,
                details,
                bar,
                use_not_examples,
            )
        ambiguous = self._ambiguous(candidates, settings)
        confident = confidence >= bar
        return MatchResult(
            text=text,
            normal=question.normal,
            candidates=tuple(candidates),
            covered=tuple(covered),
            risks=risks,
            confidence=round(confidence, 4),
            answer=confident and not ambiguous,
            ambiguous=confident and ambiguous,
            threshold=bar,
        )

    def stage1(self, text: str) -> tuple[NormalText, Stage1]:
        """What the ranker sees of a question; training computes it exactly as match() does."""
        result = self.with_ranker(None).match(text, details=False, threshold=0.0)
        return result.normal, self._stage1_view(
            list(result.candidates),
            list(result.covered),
            result.risks,
            result.candidates[0].score if result.candidates else 0.0,
            self._stems(result.normal),
        )

    def with_ranker(self, ranker: Ranker | None) -> Matcher:
        """The same index with another second stage (cross-validation swaps one in per fold)."""
        other = copy.copy(self)
        other.ranker = ranker
        return other

    def _threshold(self, settings: MatchSettings) -> float:
        if settings.threshold is not None:
            return settings.threshold
        return self.ranker.threshold if self.ranker is not None else STAGE1_THRESHOLD

    def _read(self, text: str) -> _Question:
        normal = normalise(text, self.index.synonyms)
        stems = self._stems(normal)
        vector = weigh(features([s for _, s in stems]), self.index.idf)
        entry_fit = scores_by_key(vector, self.index.entry_postings)
        return _Question(text, normal, stems, vector, entry_fit)

    def _stage1_view(
        self,
        candidates: list[Candidate],
        covered: list[Candidate],
        risks: tuple[RiskHit, ...],
        confidence: float,
        stems: list[tuple[int, str]],
    ) -> Stage1:
        risk_topics = (self.kb.entry(hit.rule.entry) for hit in risks)
        return Stage1(
            similarities=tuple((c.entry.topic, c.similarity) for c in candidates),
            covered=frozenset(c.entry.topic for c in covered),
            risk_topics=frozenset(e.topic for e in risk_topics if e is not None),
            confidence=confidence,
            words=len(stems),
            lexical=tuple(self.index.lexical.scores(s for _, s in stems).items()),
        )

    def _ranked_result(
        self,
        question: _Question,
        similarities: dict[str, float],
        stage1: list[Candidate],
        risks: tuple[RiskHit, ...],
        verdict: Ranking,
        settings: MatchSettings,
        details: bool,
        bar: float,
        use_not_examples: bool,
    ) -> MatchResult:
        """Stage 1's candidates in the ranker's order, scored with its probabilities;
        the confidence is the gate's calibrated probability that the main topic is right.

        A main entry that one of its own not_examples fits better than any of its
        phrasings is not answered unprompted: a moderator wrote that text down as "not
        this entry", and the ranker has no feature for it. The pack's off_topic examples
        are left to what was learnt from them: they train the text model's "none" class,
        and stage 1's near-miss halving reaches the gate through stage 1's confidence.
        Checking them here as well held back 9 or 10 right answers per fold draw for one
        silent line in three draws (docs/benchmarks.md). Until the model is retrained on
        the current knowledge (say a moderator just added an off_topic example), they veto
        as in stage 1: the model has not learnt the new ones yet.
        """
        known = {c.entry.topic: c for c in stage1}
        shown = settings.candidates if details else settings.max_topics
        candidates: list[Candidate] = []
        for n, (topic, probability) in enumerate(verdict.topics[:shown]):
            detailed = details and n < settings.max_topics
            base = known.get(topic)
            if base is None or detailed:
                similarity = similarities.get(topic, 0.0)
                base = self._candidate(question, topic, similarity, settings, detailed)
            candidates.append(replace(base, score=round(probability, 4), suppressed_by=None))
        if use_not_examples:
            candidates[0] = self._near_miss_check(
                candidates[0], question, settings, off_topic=not self.ranker_is_current()
            )
        cut = self.ranker.extra_cut if self.ranker is not None else 1.0
        probability_of = dict(verdict.topics)
        covered, topics = self._cover_risks(
            candidates,
            risks,
            settings,
            lambda topic: (
                round(probability_of.get(topic, 0.0), 4),
                round(similarities.get(topic, 0.0), 4),
            ),
        )
        for candidate in candidates[1:]:
            if len(covered) >= settings.max_topics or candidate.score < cut:
                break
            if candidate.entry.topic not in topics:
                covered.append(candidate)
                topics.add(candidate.entry.topic)
        confident = verdict.p_correct >= bar and candidates[0].suppressed_by is None
        ambiguous = self._ambiguous(candidates, settings, by_score=True)
        return MatchResult(
            text=question.text,
            normal=question.normal,
            candidates=tuple(candidates),
            covered=tuple(covered),
            risks=risks,
            confidence=round(verdict.p_correct, 4),
            answer=confident and not ambiguous,
            ambiguous=confident and ambiguous,
            threshold=bar,
            ranked=True,
            dispute_probability=round(1.0 - verdict.text.get(NONE_CLASS, 0.0), 4),
        )

    def ranker_is_current(self) -> bool:
        """Whether the ranker was trained on this knowledge (phrasings, pack, off_topic):
        the loader warns when not, and until then the off_topic examples veto as in stage 1."""
        if self.ranker is None:
            return False
        if self._knowledge_fingerprint is None:
            self._knowledge_fingerprint = knowledge_fingerprint(self.kb)
        return self.ranker.meta.get("knowledge") == self._knowledge_fingerprint

    def assess(self, text: str) -> tuple[Entry | None, float, bool]:
        """The main entry, its confidence and whether it would be answered, without the
        details match() adds (cheap enough to run over every not_example on reload)."""
        if self.ranker is not None:
            result = self.match(text, details=False)
            main = result.main
            return (main.entry if main else None), result.confidence, result.answer
        settings = self.settings
        question = self._read(text)
        similarities = self._similarities(question.vector, question.stems, settings)
        ranked = sorted(similarities.items(), key=lambda item: (-item[1], item[0]))
        candidates = [
            self._candidate(question, topic, similarity, settings, False)
            for topic, similarity in ranked[:2]
        ]
        if not candidates:
            return None, 0.0, False
        main = self._near_miss_check(candidates[0], question, settings)
        bar = self._threshold(settings)
        answered = main.score >= bar and not self._ambiguous(candidates, settings)
        return main.entry, main.score, answered

    def _stems(self, normal: NormalText) -> list[tuple[int, str]]:
        """(position, stem) of meaningful words, unknown ones corrected to the vocabulary."""
        found: list[tuple[int, str]] = []
        for position, token in enumerate(normal.tokens):
            s = normal.stems[position]
            if not s:
                continue
            if s not in self.index.idf:
                s = self.index.correct(token) or s
            found.append((position, s))
        return found

    def _similarities(
        self, query: Vector, stems: list[tuple[int, str]], settings: MatchSettings
    ) -> dict[str, float]:
        """Topic similarity: centroid cosine, and for short questions the best phrasing too."""
        similarities: dict[str, float] = scores_by_key(query, self.index.topic_postings)
        if 0 < len(stems) <= settings.short_question_words and settings.phrase_weight > 0:
            text = _sorted_stems(s for _, s in stems)
            cutoff = 100.0 * max(similarities.values(), default=0.0) / settings.phrase_weight
            best = process.extractOne(
                text, self._example_texts, scorer=fuzz.ratio, score_cutoff=min(100.0, cutoff)
            )
            if best is not None:
                topic = self._examples[best[2]][0]
                phrase = settings.phrase_weight * best[1] / 100.0
                similarities[topic] = max(similarities.get(topic, 0.0), phrase)
        return similarities

    def _candidate(
        self,
        question: _Question,
        topic: str,
        similarity: float,
        settings: MatchSettings,
        detailed: bool,
    ) -> Candidate:
        """The topic's best-fitting entry (its centroid nearest the question), with its
        confidence and, for the leading candidates, the words that mattered and the
        closest phrasing."""
        entries = self._topic_entries[topic]
        if len(entries) == 1:
            index, entry = entries[0]
        else:
            fit = question.entry_fit
            index, entry = max(entries, key=lambda pair: fit.get(pair[0], 0.0))
        score = round(self._confidence(similarity, settings), 4)
        if not detailed:
            return Candidate(entry, score, round(similarity, 4), "", ())
        centroid = self.index.topic_centroids[topic]
        stems, query = question.stems, question.vector
        weight_of = {s: query.get(s, 0.0) * centroid.get(s, 0.0) for _, s in stems}
        # Stems in question order, so equal weights ("western union") keep the earlier word
        # whatever the process's hash seed (a set here made /kb test differ between runs).
        positive = [s for s, w in weight_of.items() if w > 0]
        strongest = sorted(positive, key=lambda s: -weight_of[s])[: settings.evidence_words]
        tokens = question.normal.tokens
        evidence = tuple(dict.fromkeys(tokens[p] for p, s in stems if s in strongest))
        return Candidate(
            entry=entry,
            score=score,
            similarity=round(similarity, 4),
            cue=self._closest_phrasing(index, question),
            evidence=evidence,
        )

    def _example_scores(self, question: _Question, topic: str) -> dict[int, float]:
        """The question's cosine with each phrasing of the topic (index.topic_examples), kept
        on the question: the near-miss check and the closest phrasing both read them."""
        found = question.example_scores.get(topic)
        if found is None:
            found = question.example_scores[topic] = self.index.topic_examples[topic].scores(
                question.vector
            )
        return found

    def _closest_phrasing(self, index: int, question: _Question) -> str:
        """The entry's phrasing nearest to the question, for /kb test."""
        topic = self.index.entries[index].topic
        rows = self.index.topic_examples[topic]
        scores = self._example_scores(question, topic)
        mine = [row for row in scores if rows.groups[row] == index]
        if not mine:
            return self.index.entries[index].title
        return rows.labels[max(mine, key=scores.__getitem__)]

    def _confidence(self, similarity: float, settings: MatchSettings) -> float:
        return 1.0 - math.exp(-similarity / settings.similarity_scale)

    def _near_miss_check(
        self,
        candidate: Candidate,
        question: _Question,
        settings: MatchSettings,
        *,
        off_topic: bool = True,
    ) -> Candidate:
        """Halve the confidence when a near miss fits the question better than any phrasing.

        off_topic: whether the pack's off_topic examples count as near misses, besides the
        entry's own not_examples (stage 1 alone, or a ranker trained on other knowledge: yes;
        a ranker trained on this knowledge: no).
        """
        query = question.vector
        nearest, _ = best_row(self._example_scores(question, candidate.entry.topic))
        closest_miss, miss_text = 0.0, ""
        if off_topic:
            closest_miss, row = self.index.off_topic_rows.best(query)
            miss_text = self.index.off_topic_rows.labels[row] if row >= 0 else ""
        own = self.index.entry_misses.get(self._position[candidate.entry.id])
        if own is not None:
            value, row = own.best(query)
            if value > closest_miss:
                closest_miss, miss_text = value, own.labels[row]
        if closest_miss <= nearest + settings.near_miss_tolerance:
            return candidate
        return replace(
            candidate,
            score=round(candidate.score * settings.near_miss_penalty, 4),
            suppressed_by=miss_text,
        )

    def _raised_topics(self, question: _Question, settings: MatchSettings) -> dict[str, float]:
        """Topics that win some passage of the question on their own: what else it raises."""
        starts = question.normal.sentence_starts
        if len(starts) < 2:
            return {}
        groups: list[list[str]] = [[] for _ in starts]
        for position, s in question.stems:
            groups[bisect.bisect_right(starts, position) - 1].append(s)
        size = settings.passage_sentences
        raised: dict[str, float] = {}
        for i in range(max(1, len(groups) - size + 1)):
            passage = [s for group in groups[i : i + size] for s in group]
            if len(passage) < 3:
                continue
            vector = weigh(features(passage), self.index.idf)
            scores = self._similarities(vector, [], settings)
            if scores:
                topic, value = max(scores.items(), key=lambda item: item[1])
                raised[topic] = max(raised.get(topic, 0.0), value)
        return raised

    def _cover(
        self,
        ranked: list[Candidate],
        risks: tuple[RiskHit, ...],
        raised: dict[str, float],
        settings: MatchSettings,
    ) -> list[Candidate]:
        """The main entry, then risk entries, then other topics the question raises."""
        if not ranked:
            return []
        main = ranked[0]
        covered, topics = self._cover_risks(ranked, risks, settings, lambda topic: (0.0, 0.0))
        passages = sorted(
            (t for t, v in raised.items() if v >= settings.passage_floor and t not in topics),
            key=lambda t: -raised[t],
        )
        for topic in passages:
            if len(covered) >= settings.max_topics:
                break
            covered.append(self._topic_candidate(topic, ranked))
            topics.add(topic)
        for candidate in ranked[1:]:
            if len(covered) >= settings.max_topics:
                break
            if candidate.entry.topic in topics:
                continue
            if candidate.similarity < settings.extra_ratio * main.similarity:
                continue
            covered.append(candidate)
            topics.add(candidate.entry.topic)
        return covered

    def _cover_risks(
        self,
        ranked: list[Candidate],
        risks: tuple[RiskHit, ...],
        settings: MatchSettings,
        scores_of: Callable[[str], tuple[float, float]],
    ) -> tuple[list[Candidate], set[str]]:
        """The main entry, then the entry of every risk rule that fired (up to max_topics).

        A risk entry among the candidates is taken as it is; otherwise it gets the
        (score, similarity) that scores_of gives its topic.
        """
        covered = [ranked[0]]
        topics = {ranked[0].entry.topic}
        for hit in risks:
            entry = self.kb.entry(hit.rule.entry)
            if entry is None or entry.topic in topics or len(covered) >= settings.max_topics:
                continue
            known = next((c for c in ranked if c.entry.topic == entry.topic), None)
            if known is None:
                score, similarity = scores_of(entry.topic)
                known = Candidate(entry, score, similarity, "", (hit.matched,))
            covered.append(known)
            topics.add(entry.topic)
        return covered, topics

    def _topic_candidate(self, topic: str, ranked: list[Candidate]) -> Candidate:
        known = next((c for c in ranked if c.entry.topic == topic), None)
        if known is not None:
            return known
        entry = next(e for e in self.index.entries if e.topic == topic)
        return Candidate(entry, 0.0, 0.0, "", ())

    def _ambiguous(
        self, ranked: list[Candidate], settings: MatchSettings, *, by_score: bool = False
    ) -> bool:
        """The two best topics are about equally close: two readings of one question.
        Stage 1 compares similarities; with the ranker, its probabilities (by_score)."""
        if len(ranked) < 2:
            return False
        first, second = (
            (ranked[0].score, ranked[1].score)
            if by_score
            else (ranked[0].similarity, ranked[1].similarity)
        )
        if first <= 0.0:
            return False
        return (first - second) / first < settings.ambiguity_margin


def _sorted_stems(stems: Iterable[str]) -> str:
    """Stems in sorted order: comparing these with fuzz.ratio is token_sort_ratio, with the
    phrasings' side sorted once at build time instead of on every question."""
    return " ".join(sorted(s for s in stems if s))
