"""Grow the shipped knowledge to N times its size, to see how each method's cost scales.

Copy k (1..N-1) of every real entry gets a new id (`<id>-s<k>`), a new topic
(`<topic>-s<k>`, added to topics.yaml) and lightly perturbed phrasings: each
title, question, keyword, alias and not_example gets one or two of an adjacent
word swap, a synonym swap and a typo (a dropped, doubled or swapped letter).
So topics, entries, phrasings and vocabulary all really grow, as they would
with more real content, instead of the index deduplicating identical copies.
Policy quotes, advice and dates are copied as they are (quotes must stay
verbatim for the pack to validate). The real files are included unchanged.

Everything is seeded, so a factor always produces the same pack.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

PACK_FILE = "pack.yaml"
TOPICS_FILE = "topics.yaml"
PERTURBED = ("title", "questions", "keywords", "aliases", "not_examples")
SYNONYMS = {
    "buyer": "client",
    "client": "customer",
    "customer": "buyer",
    "seller": "freelancer",
    "freelancer": "seller",
    "order": "job",
    "job": "order",
    "refund": "reimbursement",
    "money": "payment",
    "payment": "money",
    "cancel": "call off",
    "delivery": "handover",
    "deliver": "hand over",
    "review": "rating",
    "rating": "review",
    "account": "profile",
    "message": "note",
    "support": "helpdesk",
    "work": "project",
    "files": "documents",
    "asked": "requested",
    "wants": "demands",
    "late": "overdue",
    "scam": "fraud",
}


def build(root: Path, platform: str, factor: int, out: Path, seed: int = 7) -> Path:
    """Write a knowledge folder at `out` holding `factor` x the entries of root/platform."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(root, out)
    if factor == 1:
        return out
    folder = out / platform
    entries = [e for path in _entry_files(folder) for e in _load(path).get("entries", [])]
    topics = _load(out / TOPICS_FILE)
    real_topics = list(topics["topics"].items())
    for k in range(1, factor):
        rng = random.Random(f"{seed}:{k}")
        copies = [_copy(entry, k, rng) for entry in entries]
        _dump({"entries": copies}, folder / f"synthetic-{k:03d}.yaml")
        for topic_id, body in real_topics:
            topics["topics"][f"{topic_id}-s{k}"] = body
    _dump(topics, out / TOPICS_FILE)
    return out


def _copy(entry: dict[str, Any], k: int, rng: random.Random) -> dict[str, Any]:
    copy = dict(entry)
    copy["id"] = f"{entry['id']}-s{k}"
    copy["topic"] = f"{entry['topic']}-s{k}"
    copy["related"] = [f"{r}-s{k}" for r in entry.get("related") or []]
    for key in PERTURBED:
        value = entry.get(key)
        if isinstance(value, str):
            copy[key] = perturb(value, rng)
        elif isinstance(value, list):
            copy[key] = list(dict.fromkeys(perturb(str(v), rng) for v in value))
    return copy


def perturb(text: str, rng: random.Random) -> str:
    """One or two light edits, the kind real rephrasings and typing make."""
    words = text.split()
    for _ in range(rng.choice((1, 1, 2))):
        edit = rng.choice((_swap_words, _synonym, _typo))
        words = edit(words, rng)
    return " ".join(words) or text


def _swap_words(words: list[str], rng: random.Random) -> list[str]:
    if len(words) < 3:
        return _typo(words, rng)
    i = rng.randrange(len(words) - 1)
    return [*words[:i], words[i + 1], words[i], *words[i + 2 :]]


def _synonym(words: list[str], rng: random.Random) -> list[str]:
    spots = [i for i, w in enumerate(words) if w.lower().strip(".,?!") in SYNONYMS]
    if not spots:
        return _typo(words, rng)
    i = rng.choice(spots)
    bare = words[i].lower().strip(".,?!")
    return [*words[:i], words[i].lower().replace(bare, SYNONYMS[bare]), *words[i + 1 :]]


def _typo(words: list[str], rng: random.Random) -> list[str]:
    spots = [i for i, w in enumerate(words) if re.fullmatch(r"[A-Za-z]{5,}", w)]
    if not spots:
        return words
    i = rng.choice(spots)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        w = w[:j] + w[j + 1 :]
    elif kind == 1:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
    return [*words[:i], w, *words[i + 1 :]]


def _entry_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.y*ml") if p.name != PACK_FILE)


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when PyYAML has it


class _NoAliases(_Dumper):  # type: ignore[misc,valid-type]
    """Writes shared objects out in full: knowledge files may not use anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: dict[str, Any], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=1000)
