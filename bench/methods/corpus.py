"""The knowledge text the baselines index, read straight from the pack's YAML.

The baselines read the same files disputebot does but skip its validation
(located YAML, schema, verbatim-quote and not_example checks): a baseline
system would not have them, and timing them would charge disputebot's
safety checks to the alternatives' start-up.

Each entry contributes its title, questions, keywords and aliases as separate
phrasings: exactly the positive texts disputebot indexes (bot/engine/matching/index.py
POSITIVE_KINDS). The pack's off_topic examples are kept apart so every method
can be given, or denied, the same "not a dispute" data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

try:  # the C loader when PyYAML was built with libyaml; same result, faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PACK_FILE = "pack.yaml"
KINDS = ("title", "questions", "keywords", "aliases")


@dataclass(frozen=True, slots=True)
class Phrasing:
    """One text that leads to an entry of a topic."""

    topic: str
    entry: str
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Corpus:
    """Every phrasing of a pack, and its examples of messages to stay silent on."""

    phrasings: tuple[Phrasing, ...]
    off_topic: tuple[str, ...]

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.topic for p in self.phrasings))

    def by_entry(self) -> dict[str, list[Phrasing]]:
        grouped: dict[str, list[Phrasing]] = {}
        for phrasing in self.phrasings:
            grouped.setdefault(phrasing.entry, []).append(phrasing)
        return grouped


def read_corpus(root: Path, platform: str) -> Corpus:
    """Phrasings of every entry file under root/platform, in file order."""
    folder = Path(root) / platform
    pack = _read(folder / PACK_FILE) or {}
    phrasings: list[Phrasing] = []
    for path in sorted(folder.rglob("*.y*ml")):
        if path.name == PACK_FILE:
            continue
        for entry in (_read(path) or {}).get("entries", []):
            phrasings.extend(_phrasings(entry))
    return Corpus(tuple(phrasings), tuple(str(t) for t in pack.get("off_topic", [])))


def _phrasings(entry: dict) -> list[Phrasing]:
    topic, entry_id = str(entry["topic"]), str(entry["id"])
    found = [Phrasing(topic, entry_id, "title", str(entry["title"]))]
    for kind in KINDS[1:]:
        found += [Phrasing(topic, entry_id, kind, str(t)) for t in entry.get(kind) or []]
    return found


def _read(path: Path) -> dict | None:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Loader)  # a safe loader either way
