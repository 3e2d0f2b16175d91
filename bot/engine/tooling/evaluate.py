"""Measure matching against labelled questions.

Metrics (dispute items have at least one topic label; `none` items have none; a
topic is "labelled" when it is among the item's topics or its `also` topics):
- forced top-1: share of dispute items whose first covered topic is labelled,
  whatever the confidence (what /ask would show first).
- auto precision: of the items answered unprompted (answer flag), the share whose
  first topic is labelled; a `none` item answered counts as wrong.
- auto recall: share of dispute items answered unprompted with a labelled first topic.
- false-answer rate: share of `none` items answered unprompted.
- coverage: share of all topic labels (summed over dispute items) that appear among
  the covered topics (up to three) of the item's answer.

Each figure also keeps its tally (hits, out of), so a report can say how far the
figure could move by chance: on about a hundred real questions one post is a point.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.matching.matcher import MatchResult


class EvalFileError(ValueError):
    """An evaluation file line is not a labelled question."""


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """One labelled question. calibrates: it sets the answer threshold at training time
    (a real forum post, or a line marked so), because written questions are easier than
    the ones the bot will be asked.

    topics: what the question is about, main topic first. also: further topics it plainly
    raises in passing. Both are right answers when scoring and for the answer gate; only
    topics teach the text model and the ranker what a question is mostly about (training
    them on the passing topics too put those first more often on real posts;
    docs/benchmarks.md).
    """

    id: str
    text: str
    topics: tuple[str, ...]
    calibrates: bool = False
    source: str = ""  # the file it came from, for the per-file figures
    also: tuple[str, ...] = ()

    @property
    def is_dispute(self) -> bool:
        return bool(self.topics)

    @property
    def raised(self) -> tuple[str, ...]:
        """Every labelled topic: topics, then also."""
        return self.topics + self.also

    @property
    def fingerprint_row(self) -> tuple[str, str, tuple[str, ...], tuple[str, ...], bool]:
        """What a trained model depends on, for ranker.labelled_fingerprint."""
        return (self.id, self.text, self.topics, self.also, self.calibrates)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One question, its labels and what the matcher made of it."""

    item: LabelledQuestion
    topics: tuple[str, ...]
    answer: bool
    confidence: float
    ambiguous: bool

    @property
    def first_ok(self) -> bool:
        return bool(self.topics) and self.topics[0] in self.item.raised


@dataclass
class TopicRow:
    support: int = 0
    top1: int = 0
    answered: int = 0
    covered: int = 0


@dataclass
class Report:
    outcomes: list[Outcome]
    metrics: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    per_topic: dict[str, TopicRow] = field(default_factory=dict)
    by_source: dict[str, dict[str, float]] = field(default_factory=dict)
    # Each metric as (hits, out of): what metrics are shares of, for intervals.
    tallies: dict[str, tuple[int, int]] = field(default_factory=dict)
    source_tallies: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)

    def worst(self, limit: int = 10) -> list[Outcome]:
        """Misses that hurt most: answered wrongly first, then confident wrong top-1."""
        wrong = [
            o
            for o in self.outcomes
            if (o.answer and not o.first_ok) or (o.item.is_dispute and not o.first_ok)
        ]
        wrong.sort(key=lambda o: (not o.answer, -o.confidence))
        return wrong[:limit]


def read_labelled(path: Path) -> list[LabelledQuestion]:
    """Read JSON lines with id, text and topics (an empty list or ['none'] means silence),
    and optionally also: further topics the question raises in passing.

    A line that carries source_url (a real forum post, as the shared question sets
    record them) or "calibrate": true is one the answer threshold is calibrated on.
    """
    items: list[LabelledQuestion] = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalFileError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise EvalFileError(f"{path}:{number}: needs an object with a 'text' string")
            topics = row.get("topics", [])
            if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
                raise EvalFileError(f"{path}:{number}: 'topics' must be a list of topic ids")
            labels = tuple(t for t in topics if t != "none")
            also = row.get("also", [])
            if not isinstance(also, list) or not all(isinstance(t, str) for t in also):
                raise EvalFileError(f"{path}:{number}: 'also' must be a list of topic ids")
            if also and not labels:
                raise EvalFileError(
                    f"{path}:{number}: 'also' needs a main topic in 'topics' (a silent line "
                    "raises no topic)"
                )
            if "none" in also or set(also) & set(labels) or len(set(also)) < len(also):
                raise EvalFileError(
                    f"{path}:{number}: 'also' must name topics not already in 'topics', once each"
                )
            calibrate = row.get("calibrate", False)
            if not isinstance(calibrate, bool):
                raise EvalFileError(f"{path}:{number}: 'calibrate' must be true or false")
            items.append(
                LabelledQuestion(
                    str(row.get("id", f"{path.name}:{number}")),
                    row["text"],
                    labels,
                    calibrate or "source_url" in row,
                    path.name,
                    tuple(also),
                )
            )
    return items


SPLITS = ("tune", "holdout")


def split(items: Iterable[LabelledQuestion], part: str) -> list[LabelledQuestion]:
    """A fixed half of the items, by a hash of their id within dispute and `none` items.

    Thresholds are tuned on 'tune' and reported on 'holdout', so a tuned number is
    never measured only on the questions that tuned it.
    """
    if part not in SPLITS:
        raise ValueError(f"part must be one of {SPLITS}")
    want = SPLITS.index(part)
    chosen: set[str] = set()
    items = list(items)
    for stratum in (True, False):
        group = sorted(
            (i for i in items if i.is_dispute is stratum),
            key=lambda i: hashlib.sha1(i.id.encode()).hexdigest(),
        )
        chosen.update(i.id for n, i in enumerate(group) if n % 2 == want)
    return [i for i in items if i.id in chosen]


def evaluate(items: Iterable[LabelledQuestion], match: Callable[[str], MatchResult]) -> Report:
    outcomes = []
    for item in items:
        result = match(item.text)
        topics = tuple(str(t["topic"]) for t in result.topics())
        outcomes.append(Outcome(item, topics, result.answer, result.confidence, result.ambiguous))
    return summarise(outcomes)


def summarise(outcomes: list[Outcome]) -> Report:
    disputes = [o for o in outcomes if o.item.is_dispute]
    silent = [o for o in outcomes if not o.item.is_dispute]
    answered = [o for o in outcomes if o.answer]
    labels = sum(len(o.item.raised) for o in disputes)
    covered = sum(len(set(o.item.raised) & set(o.topics)) for o in disputes)
    report = Report(outcomes)
    report.counts = {
        "questions": len(outcomes),
        "dispute": len(disputes),
        "none": len(silent),
        "answered": len(answered),
    }
    report.tallies = {
        "forced_top1": (sum(o.first_ok for o in disputes), len(disputes)),
        "auto_precision": (sum(o.first_ok for o in answered), len(answered)),
        "auto_recall": (sum(o.answer and o.first_ok for o in disputes), len(disputes)),
        "false_answer_rate": (sum(o.answer for o in silent), len(silent)),
        "coverage": (covered, labels),
    }
    report.metrics = {name: _share(*tally) for name, tally in report.tallies.items()}
    rows: dict[str, TopicRow] = defaultdict(TopicRow)
    for o in disputes:
        for topic in o.item.raised:
            row = rows[topic]
            row.support += 1
            row.top1 += o.first_ok
            row.answered += o.answer and o.first_ok
            row.covered += topic in o.topics
    report.per_topic = dict(sorted(rows.items()))
    sources = sorted({o.item.source for o in outcomes})
    if len(sources) > 1:  # written questions are easier than real ones: show each file
        parts = {
            source: summarise([o for o in outcomes if o.item.source == source])
            for source in sources
        }
        report.by_source = {source: part.metrics for source, part in parts.items()}
        report.source_tallies = {source: part.tallies for source, part in parts.items()}
    return report


def wilson_interval(hits: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a share (95% at z 1.96): where the share on another
    set of questions like these would likely fall. Unlike share +- 2 standard errors it
    stays inside 0-1 and is honest at 0 or all hits, which small files often show."""
    if total <= 0:
        return (0.0, 1.0)
    share = hits / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    spread = (
        z
        * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
        / (1 + z * z / total)
    )
    return (max(0.0, centre - spread), min(1.0, centre + spread))


def mean_metrics(many: Sequence[dict[str, float]]) -> dict[str, float]:
    """Each figure's mean over several reports' metrics (for example, several fold draws)."""
    if not many:
        return {}
    return {name: sum(m[name] for m in many) / len(many) for name in many[0]}


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


# Issue 13's targets, for the cross-validated figures (`eval --cv 5`). With --check on a
# model's own training questions they are a regression guard, not a result.
TARGETS = {
    "forced_top1": (">=", 0.90),
    "auto_precision": (">=", 0.95),
    "auto_recall": (">=", 0.70),
    "false_answer_rate": ("<=", 0.03),
    "coverage": (">=", 0.65),
}


def meets_targets(metrics: dict[str, float]) -> dict[str, bool]:
    return {
        name: (metrics[name] >= bound if op == ">=" else metrics[name] <= bound)
        for name, (op, bound) in TARGETS.items()
    }
