"""Load a knowledge pack from disk: files, fields, ids, topics, links and quotes.

load_pack() never raises for bad content: it returns the knowledge base only when
there are no errors, plus every problem found. The checks that need a built
matcher (not_examples) are in consistency.py; validation.py runs both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from bot.engine.knowledge.models import Entry, KnowledgeBase, Pack, PolicyQuote, Topic
from bot.engine.knowledge.problems import Problem, ProblemLog, SortsProblems
from bot.engine.knowledge.schema import parse_entry, parse_pack, parse_shorthand
from bot.engine.knowledge.sources import SourceLibrary, load_sources
from bot.engine.knowledge.yaml_source import LocatedDict, LocatedList, display_name, read_yaml

PACK_FILE = "pack.yaml"
TOPICS_FILE = "topics.yaml"
# Shorthand shared by every pack under the folder; optional (a folder may have none).
SHORTHAND_FILE = "shorthand.yaml"
DEFAULT_STALE_DAYS = 365
MAX_FILES = 500


@dataclass(frozen=True)
class LoadResult(SortsProblems):
    """A knowledge base (None when there were errors) and every problem found."""

    kb: KnowledgeBase | None
    problems: tuple[Problem, ...]
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kb is not None


def platforms(root: Path) -> list[str]:
    """The packs under a knowledge folder: every subfolder with a pack.yaml."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / PACK_FILE).is_file())


def load_pack(
    root: Path,
    platform: str,
    *,
    today: date | None = None,
    stale_after_days: int = DEFAULT_STALE_DAYS,
) -> LoadResult:
    """Read, validate and assemble one platform's pack under root."""
    log = ProblemLog()
    root = Path(root)
    folder = root / platform
    if not folder.is_dir():
        log.error(str(folder), None, f"no knowledge pack folder '{platform}' in {root}")
        return LoadResult(None, tuple(log.problems))
    topics = _load_topics(root, log)
    shorthand = _load_shorthand(root, log)
    sources = load_sources(root, log)
    pack = _load_pack_file(folder, root, log)
    if pack is not None and shorthand:
        pack = replace(pack, synonyms=with_shorthand(shorthand, pack.synonyms))
    files = _knowledge_files(folder, root, log)
    entries: list[Entry] = []
    for path in files:
        entries.extend(_load_entries(path, root, log))
    entries = _check_pack(entries, topics, sources, log, today or date.today(), stale_after_days)
    if pack is not None:
        _check_risks(pack, {e.id for e in entries}, display_name(folder / PACK_FILE, root), log)
    names = tuple(display_name(p, root) for p in files)
    if log.errors or pack is None:
        return LoadResult(None, tuple(log.problems), names)
    kb = KnowledgeBase(pack=pack, topics=topics, entries=tuple(entries))
    return LoadResult(kb, tuple(log.problems), names)


def read_entries(root: Path, platform: str, log: ProblemLog) -> list[Entry]:
    """Every entry that parses on its own, without the pack-wide checks.

    For tools that must also work on a pack that does not load, such as
    `disputebot kb check-sources`, which has to list every bad quote even when
    the bad quotes are what stops the pack from loading.
    """
    root = Path(root)
    folder = root / platform
    if not folder.is_dir():
        log.error(str(folder), None, f"no knowledge pack folder '{platform}' in {root}")
        return []
    entries: list[Entry] = []
    for path in _knowledge_files(folder, root, log):
        entries.extend(_load_entries(path, root, log))
    return entries


def _load_topics(root: Path, log: ProblemLog) -> dict[str, Topic]:
    path = root / TOPICS_FILE
    name = display_name(path, root)
    if not path.exists():  # anything else there (a FIFO, a folder) is refused by read_yaml
        log.error(name, None, "topics.yaml is missing; entries need a list of topics to refer to")
        return {}
    data = read_yaml(path, root, log)
    if data is None:
        return {}
    table = data.get("topics") if isinstance(data, LocatedDict) else None
    if not isinstance(table, LocatedDict) or not table:
        log.error(name, getattr(data, "line", 1), "needs a 'topics' mapping of topic id to summary")
        return {}
    topics: dict[str, Topic] = {}
    for topic_id, body in table.items():
        summary = body.get("summary", "") if isinstance(body, LocatedDict) else ""
        topics[topic_id] = Topic(topic_id, str(summary))
    return topics


def _load_shorthand(root: Path, log: ProblemLog) -> tuple[tuple[str, str], ...]:
    path = root / SHORTHAND_FILE
    if not path.exists():  # optional; anything there but a file is refused by read_yaml
        return ()
    data = read_yaml(path, root, log)
    return () if data is None else parse_shorthand(data, log, display_name(path, root))


def with_shorthand(
    shorthand: tuple[tuple[str, str], ...], synonyms: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """The shared shorthand, then the pack's own synonyms: one table for normalise().

    A pack synonym with the same key replaces the shared meaning in place, so phrase
    joins keep the shared file's order; the pack's other synonyms follow. The result
    is Pack.synonyms, which the ranker's and the index cache's fingerprints cover, so
    editing shorthand.yaml asks for retraining like any other matching change.
    """
    table = dict(shorthand)
    table.update(synonyms)
    return tuple(table.items())


def _load_pack_file(folder: Path, root: Path, log: ProblemLog) -> Pack | None:
    path = folder / PACK_FILE
    if not path.exists():
        log.error(display_name(path, root), None, "pack.yaml is missing")
        return None
    data = read_yaml(path, root, log)
    return None if data is None else parse_pack(data, log, display_name(path, root))


def _knowledge_files(folder: Path, root: Path, log: ProblemLog) -> list[Path]:
    """Entry files, found without following symlinked folders out of the tree."""
    found: list[Path] = []
    for current, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            if name.endswith((".yaml", ".yml")) and name != PACK_FILE:
                found.append(Path(current) / name)
    if len(found) > MAX_FILES:
        log.error(display_name(folder, root), None, f"{len(found)} files; the limit is {MAX_FILES}")
        return found[:MAX_FILES]
    if not found:
        log.error(display_name(folder, root), None, "no knowledge files (*.yaml) in the pack")
    return found


def _load_entries(path: Path, root: Path, log: ProblemLog) -> list[Entry]:
    name = display_name(path, root)
    data = read_yaml(path, root, log)
    if data is None:
        return []
    if not isinstance(data, LocatedDict) or "entries" not in data:
        log.error(
            name, getattr(data, "line", 1), "a knowledge file is a mapping with an 'entries' list"
        )
        return []
    extra = [key for key in data if key != "entries"]
    for key in extra:
        log.error(
            name, data.line_of(key), "unknown top-level key; a file holds only 'entries'", field=key
        )
    items = data["entries"]
    if not isinstance(items, LocatedList):
        log.error(name, data.line_of("entries"), "'entries' must be a list", field="entries")
        return []
    entries = []
    for index, item in enumerate(items):
        entry = parse_entry(item, log, name, items.line_of(index))
        if entry is not None:
            entries.append(entry)
    return entries


def _check_pack(
    entries: list[Entry],
    topics: dict[str, Topic],
    sources: SourceLibrary,
    log: ProblemLog,
    today: date,
    stale_after_days: int,
) -> list[Entry]:
    """Checks that need the whole pack; returns entries with source details attached."""
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen:
            first = seen[entry.id]
            log.error(
                entry.file,
                entry.line_of("id"),
                f"duplicate id; also defined at {first.file}:{first.line_of('id')}",
                entry=entry.id,
                field="id",
            )
        else:
            seen[entry.id] = entry
    result: list[Entry] = []
    for entry in entries:
        if topics and entry.topic not in topics:
            log.error(
                entry.file,
                entry.line_of("topic"),
                f"unknown topic '{entry.topic}'; known topics are in topics.yaml",
                entry=entry.id,
                field="topic",
            )
        for related in entry.related:
            if related not in seen:
                log.error(
                    entry.file,
                    entry.line_of("related"),
                    f"related entry '{related}' does not exist",
                    entry=entry.id,
                    field="related",
                )
            elif related == entry.id:
                log.warning(
                    entry.file,
                    entry.line_of("related"),
                    "an entry lists itself as related",
                    entry=entry.id,
                    field="related",
                )
        if (today - entry.reviewed) > timedelta(days=stale_after_days):
            log.warning(
                entry.file,
                entry.line_of("reviewed"),
                f"last reviewed {entry.reviewed}, more than {stale_after_days} days ago",
                entry=entry.id,
                field="reviewed",
            )
        result.append(replace(entry, policy=_attach_sources(entry, sources, log)))
    return result


def _check_risks(pack: Pack, ids: set[str], file: str, log: ProblemLog) -> None:
    for rule in pack.risks:
        if rule.entry not in ids:
            log.error(
                file,
                None,
                f"risk rule '{rule.id}' points to unknown entry '{rule.entry}'",
                field="risks",
            )


def _attach_sources(
    entry: Entry, sources: SourceLibrary, log: ProblemLog
) -> tuple[PolicyQuote, ...]:
    quotes: list[PolicyQuote] = []
    for number, quote in enumerate(entry.policy, start=1):
        doc = sources.get(quote.source) if len(sources) else None
        if len(sources) and doc is None:
            log.error(
                entry.file,
                entry.line_of("policy"),
                f"policy[{number}] source {quote.source} is not in the stored sources",
                entry=entry.id,
                field="policy",
            )
        elif doc is not None and not doc.contains(quote.text):
            log.error(
                entry.file,
                entry.line_of("policy"),
                f"policy[{number}] quote is not verbatim in the stored source {quote.source}",
                entry=entry.id,
                field="policy",
            )
        if doc is not None:
            quote = replace(quote, source_title=doc.title, source_kind=doc.kind)
        quotes.append(quote)
    return tuple(quotes)
