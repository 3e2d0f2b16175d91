"""Speed and size of every method on the shipped pack and on synthetic 10x and 100x packs.

1x is the shipped pack itself. Larger packs come from synthetic.build.
disputebot's start-up is AnswerEngine.load, timed in full at every size; its
phases, including the not_example check that reloads run, are timed beside it
(disputebot_phases.py), the check on a sample at 100x.

MiniLM's embedding of every phrasing would take most of an hour at 100x, so at
10x and 100x ENCODE_LIMIT phrasings are embedded for real and the rest of its
start-up is extrapolated from their rate; the index still has a row for every
phrasing, so latency and memory are measured.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import synthetic
from methods import KEYS
from methods.corpus import read_corpus
from speed import Timing, measure

RESTART = "disputebot-restart"  # the same method, started with its index cache filled

FACTORS = (1, 10, 100)
RUNS = {1: 5, 10: 3, 100: 1}
# MiniLM runs take ~40 s each, most of it embedding: three are enough for a
# median and keep the whole suite near ten minutes.
MAX_RUNS = {"minilm": 3}
ENCODE_LIMIT = 1000
CHECK_ALL_UP_TO = 10  # beyond, the not_example check is timed on fewer of them


@dataclass
class ScaleRow:
    """One pack size: how big it is, and each method's timings on it."""

    factor: int
    size: dict[str, int]
    timings: dict[str, Timing] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        timings = {k: t.as_dict() for k, t in self.timings.items()}
        return {"factor": self.factor, "size": self.size, "timings": timings}


def pack_size(root: Path, platform: str) -> dict[str, int]:
    corpus = read_corpus(root, platform)
    return {
        "topics": len(corpus.topics),
        "entries": len(corpus.by_entry()),
        "phrasings": len(corpus.phrasings),
    }


def worker_args(method: str, factor: int) -> list[str]:
    if method == "disputebot":
        return ["--phases", "--check-sample", "300" if factor <= CHECK_ALL_UP_TO else "100"]
    if method == "minilm" and factor > 1:
        return ["--encode-limit", str(ENCODE_LIMIT)]
    return []


def run_scaling(
    root: Path,
    platform: str,
    factors: tuple[int, ...] = FACTORS,
    runs: dict[int, int] | None = None,
    methods: tuple[str, ...] = KEYS,
) -> list[ScaleRow]:
    runs = {**RUNS, **(runs or {})}
    rows = []
    with TemporaryDirectory(prefix="disputebot-bench-") as tmp:
        for factor in factors:
            pack = root
            if factor > 1:
                _say(f"building the {factor}x pack")
                pack = synthetic.build(root, platform, factor, Path(tmp) / f"x{factor}")
            row = ScaleRow(factor, pack_size(pack, platform))
            for method in methods:
                count = min(runs.get(factor, 1), MAX_RUNS.get(method, runs.get(factor, 1)))
                _say(f"timing {method} at {factor}x ({count} run{'s' * (count > 1)})")
                row.timings[method] = measure(
                    method, pack, platform, count, worker_args(method, factor)
                )
                if method == "disputebot" and factor == 1:  # the start-up target's pack
                    _say(f"timing disputebot restarts at {factor}x (index cache)")
                    cache = Path(tmp) / f"index-cache-x{factor}"
                    row.timings[RESTART] = measure(method, pack, platform, count, [], cache)
            rows.append(row)
    return rows


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
