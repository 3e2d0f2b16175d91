"""Stored snapshots of official wording, and the verbatim check against them.

A quote is only trustworthy if it can be found, character for character, in a
stored copy of the page it cites. The snapshots live in knowledge/sources/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.knowledge.problems import ProblemLog
from bot.engine.knowledge.yaml_source import LocatedDict, LocatedList, display_name, read_yaml


@dataclass(frozen=True, slots=True)
class SourceDoc:
    """One official page as stored: its quotes, date and kind."""

    url: str
    title: str
    kind: str
    as_of: str | None
    snapshot_date: str
    quotes: tuple[str, ...]

    def contains(self, quote: str) -> bool:
        return any(quote in stored for stored in self.quotes)


class SourceLibrary:
    """All stored snapshots, looked up by URL."""

    def __init__(self, docs: dict[str, SourceDoc]) -> None:
        self.docs = docs

    def get(self, url: str) -> SourceDoc | None:
        return self.docs.get(url)

    def __len__(self) -> int:
        return len(self.docs)


def load_sources(root: Path, log: ProblemLog) -> SourceLibrary:
    """Read every snapshot file under root/sources; the same URL may be listed more than once."""
    docs: dict[str, SourceDoc] = {}
    folder = root / "sources"
    if not folder.is_dir():
        return SourceLibrary(docs)
    for path in sorted(folder.glob("*.yaml")):
        data = read_yaml(path, root, log)
        if data is None:
            continue
        name = display_name(path, root)
        if not isinstance(data, LocatedDict) or not isinstance(data.get("topics"), LocatedDict):
            log.error(name, getattr(data, "line", 1), "a source snapshot needs a 'topics' mapping")
            continue
        snapshot = str((data.get("meta") or {}).get("snapshot_date") or "")
        for topic in data["topics"].values():
            for source in _sources_of(topic):
                _merge(docs, source, snapshot)
    return SourceLibrary(docs)


def _sources_of(topic: Any) -> list[LocatedDict]:
    if not isinstance(topic, LocatedDict) or not isinstance(topic.get("sources"), LocatedList):
        return []
    return [
        s for s in topic["sources"] if isinstance(s, LocatedDict) and isinstance(s.get("url"), str)
    ]


def _merge(docs: dict[str, SourceDoc], source: LocatedDict, snapshot: str) -> None:
    url = source["url"]
    quotes = tuple(q for q in source.get("quotes") or () if isinstance(q, str))
    as_of = source.get("as_of")
    previous = docs.get(url)
    if previous is not None:
        quotes = previous.quotes + tuple(q for q in quotes if q not in previous.quotes)
    docs[url] = SourceDoc(
        url=url,
        title=str(source.get("title") or url),
        kind=str(source.get("kind") or "unknown"),
        as_of=None if as_of is None else str(as_of),
        snapshot_date=snapshot,
        quotes=quotes,
    )
