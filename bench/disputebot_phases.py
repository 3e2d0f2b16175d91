"""Where disputebot's loading time goes, phase by phase, through its public pieces.

AnswerEngine.load is read + index (bot.engine.knowledge.validation.validate_pack with
consistency=False). Reloads and `disputebot kb validate` also run the
not_example check, which asks the matcher about every not_example, so its cost
grows with the pack twice over (more not_examples, each match dearer):

- read: load_pack (YAML, schema, quotes, topics)
- index: one Matcher over the knowledge base
- check: consistency.check_not_examples; on large packs it runs on an even
  sample of the entries and is scaled by their share of the not_examples
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from methods.disputebot import shipped_settings

from bot.engine.knowledge.consistency import check_not_examples
from bot.engine.knowledge.loader import load_pack
from bot.engine.knowledge.models import KnowledgeBase
from bot.engine.knowledge.problems import ProblemLog
from bot.engine.matching.matcher import Matcher


def measure_phases(root: Path, platform: str, sample: int) -> dict[str, Any]:
    """The phases' times in ms, and how many not_examples the check timed."""
    started = time.perf_counter()
    loaded = load_pack(root, platform)
    read_ms = _ms(started)
    if loaded.kb is None:
        raise SystemExit(f"{root}: the knowledge does not load: {loaded.errors[0]}")
    started = time.perf_counter()
    matcher = Matcher(loaded.kb, shipped_settings())
    phases = {"read_ms": read_ms, "index_ms": _ms(started)}
    phases.update(_check(loaded.kb, matcher, sample))
    return phases


def _check(kb: KnowledgeBase, matcher: Matcher, sample: int) -> dict[str, Any]:
    """Time check_not_examples on entries holding about `sample` not_examples, then scale."""
    total = sum(len(e.not_examples) for e in kb.entries)
    per_entry = total / len(kb.entries) if kb.entries else 1.0
    step = max(1, round(len(kb.entries) * per_entry / max(1, sample)))
    part = KnowledgeBase(pack=kb.pack, topics=kb.topics, entries=kb.entries[::step])
    timed = sum(len(e.not_examples) for e in part.entries)
    started = time.perf_counter()
    check_not_examples(part, matcher, ProblemLog())
    spent = _ms(started)
    return {
        "not_examples": total,
        "check_timed": timed,
        "check_ms": spent * total / timed if timed else 0.0,
    }


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
