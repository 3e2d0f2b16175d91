"""Paths and inputs every benchmark shares, found from this file, not the working directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine.tooling.evaluate import LabelledQuestion

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
KNOWLEDGE = REPO / "knowledge"
PLATFORM = "fiverr"
EVAL_DIR = REPO / "eval"
RESULTS = BENCH / "results"


def eval_files() -> list[Path]:
    """Every labelled file: questions.jsonl, and moderators' regressions.jsonl once it exists."""
    return sorted(EVAL_DIR.glob("*.jsonl"))


def eval_items() -> list[LabelledQuestion]:
    from bot.engine.tooling.evaluate import read_labelled

    return [item for path in eval_files() for item in read_labelled(path)]


def eval_texts() -> list[str]:
    """The questions alone, read without importing disputebot, so a worker timing a
    baseline does not load disputebot's modules into its memory figures."""
    texts = []
    for path in eval_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts
