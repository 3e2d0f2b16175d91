"""Field-by-field checks that turn located YAML values into model objects.

Each check logs a specific, located problem and carries on, so one run reports
everything wrong with a file. Semantic checks that need the whole pack (duplicate
ids, dangling related ids, quotes against sources) live in loader.py.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.engine.knowledge.models import Entry, Pack, PolicyQuote, RiskRule
from bot.engine.knowledge.problems import ProblemLog
from bot.engine.knowledge.quotes import MAX_QUOTES, quotes_referred_to, shown_quote_indexes
from bot.engine.knowledge.yaml_source import LocatedDict, LocatedList

ENTRY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
URL = re.compile(r"^https?://[^\s]+$")

ENTRY_REQUIRED = (
    "id",
    "topic",
    "title",
    "summary",
    "questions",
    "keywords",
    "not_examples",
    "policy",
    "advice",
    "caveats",
    "related",
    "reviewed",
)
ENTRY_OPTIONAL = ("aliases",)
QUOTE_REQUIRED = ("quote", "source", "as_of")
QUOTE_OPTIONAL = ("wording", "note")
CAVEAT_KEYS = ("text", "quote")
WORDINGS = ("current", "earlier")
PACK_REQUIRED = ("platform", "name", "disclaimer", "support_url")
PACK_OPTIONAL = ("risks", "synonyms", "entry_url", "off_topic")
RISK_REQUIRED = ("id", "entry", "warning", "terms")
RISK_OPTIONAL = ("detectors",)
DETECTORS = ("email-address", "phone-number", "file-link", "any-link")

# Discord caps choice names at 100 characters and field values at 1,024.
TITLE_MAX = 100
SUMMARY_MAX = 300
ITEM_MAX = 1000


class Fields:
    """Reads the fields of one mapping, logging located problems as it goes."""

    def __init__(self, data: LocatedDict, log: ProblemLog, file: str, entry: str | None) -> None:
        self.data = data
        self.log = log
        self.file = file
        self.entry = entry
        self.ok = True

    def _error(self, key: str, message: str, line: int | None = None) -> None:
        self.ok = False
        where = line if line is not None else self.data.line_of(key)
        self.log.error(self.file, where, message, entry=self.entry, field=key)

    def check_keys(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        allowed = required + optional
        for key in self.data:
            if key not in allowed:
                self._error(key, f"unknown field; allowed fields are {', '.join(allowed)}")
        for key in required:
            if key not in self.data:
                self._error(key, "missing required field", line=self.data.line)

    def text(self, key: str, *, max_len: int = ITEM_MAX, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None:
            if required and key in self.data:
                self._error(key, "must be text, not empty")
            return ""
        if not isinstance(value, str):
            self._error(key, f"must be text, not {_kind(value)}")
            return ""
        value = value.strip()
        if not value:
            self._error(key, "must not be empty")
        elif len(value) > max_len:
            self._error(key, f"is {len(value)} characters; the limit is {max_len}")
        return value

    def texts(self, key: str, *, min_items: int = 0, max_len: int = ITEM_MAX) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            if key in self.data and min_items:
                self._error(key, f"must be a list with at least {min_items} item(s)")
            return ()
        if not isinstance(value, LocatedList):
            self._error(key, f"must be a list of text, not {_kind(value)}")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            line = value.line_of(index)
            if not isinstance(item, str):
                self._error(key, f"item {index + 1} must be text, not {_kind(item)}", line)
            elif not item.strip():
                self._error(key, f"item {index + 1} is empty", line)
            elif len(item.strip()) > max_len:
                self._error(
                    key, f"item {index + 1} is {len(item)} characters; limit {max_len}", line
                )
            else:
                items.append(item.strip())
        if len(value) < min_items:
            self._error(key, f"needs at least {min_items} item(s), has {len(value)}")
        return tuple(items)

    def day(self, key: str) -> date | None:
        value = self.data.get(key)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        if key in self.data:
            self._error(key, f"must be a date like 2026-01-31, not {value!r}")
        return None


def _kind(value: Any) -> str:
    if isinstance(value, LocatedDict):
        return "a mapping"
    if isinstance(value, LocatedList):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    return type(value).__name__


def parse_entry(data: Any, log: ProblemLog, file: str, line: int) -> Entry | None:
    """Check one entry mapping; return an Entry only if every field is sound."""
    if not isinstance(data, LocatedDict):
        log.error(file, line, f"each entry must be a mapping, not {_kind(data)}", field="entries")
        return None
    raw_id = data.get("id")
    entry_id = raw_id if isinstance(raw_id, str) else None
    fields = Fields(data, log, file, entry_id)
    fields.check_keys(ENTRY_REQUIRED, ENTRY_OPTIONAL)
    ident = fields.text("id", max_len=60)
    if ident and not ENTRY_ID.match(ident):
        fields._error("id", "use lowercase letters, digits and single dashes, e.g. late-delivery")
    policy = _parse_quotes(data, log, file, entry_id, fields)
    caveats, caveat_quotes = _parse_caveats(data, fields, len(policy))
    entry = Entry(
        id=ident,
        topic=fields.text("topic", max_len=60),
        title=fields.text("title", max_len=TITLE_MAX),
        summary=fields.text("summary", max_len=SUMMARY_MAX),
        questions=fields.texts("questions", min_items=1),
        keywords=fields.texts("keywords", max_len=80),
        aliases=fields.texts("aliases", max_len=80),
        not_examples=fields.texts("not_examples"),
        policy=policy,
        advice=fields.texts("advice", min_items=1),
        caveats=caveats,
        caveat_quotes=caveat_quotes,
        related=fields.texts("related", max_len=60),
        reviewed=fields.day("reviewed") or date.min,
        file=file,
        line=data.line,
        field_lines=tuple(data.key_lines.items()),
    )
    if fields.ok:
        _check_caveats_see_their_quotes(entry, data, fields)
    return entry if fields.ok else None


def _parse_caveats(
    data: LocatedDict, fields: Fields, quote_count: int
) -> tuple[tuple[str, ...], tuple[int | None, ...]]:
    """Caveats are text, or `{text: ..., quote: N}` naming the policy quote they depend on.

    N counts from 1 in the entry's `policy` list, as in the loader's messages.
    """
    value = data.get("caveats")
    if not isinstance(value, LocatedList) or not any(
        isinstance(item, LocatedDict) for item in value
    ):
        plain = fields.texts("caveats", min_items=1)
        return plain, (None,) * len(plain)
    texts: list[str] = []
    pins: list[int | None] = []
    for index, item in enumerate(value):
        label = f"item {index + 1}"
        line = value.line_of(index)
        if not isinstance(item, (str, LocatedDict)):
            fields._error("caveats", f"{label} must be text or a mapping, not {_kind(item)}", line)
            continue
        raw = item if isinstance(item, str) else item.get("text")
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            fields._error("caveats", f"{label} needs text", line)
        elif len(text) > ITEM_MAX:
            fields._error("caveats", f"{label} is {len(text)} characters; limit {ITEM_MAX}", line)
        pin = None if isinstance(item, str) else _caveat_quote(item, fields, label, quote_count)
        texts.append(text)
        pins.append(pin)
    return tuple(texts), tuple(pins)


def _caveat_quote(item: LocatedDict, fields: Fields, label: str, quote_count: int) -> int | None:
    """The 0-based position of the quote a caveat mapping names (None after an error)."""
    for key in item:
        if key not in CAVEAT_KEYS:
            fields._error(
                "caveats",
                f"{label}: unknown field {key!r}; allowed: text, quote",
                item.line_of(key),
            )
    number = item.get("quote")
    if not isinstance(number, int) or isinstance(number, bool):
        fields._error(
            "caveats",
            f"{label}: quote must be the number of a policy quote (1 = the first)",
            item.line_of("quote") if "quote" in item else item.line,
        )
        return None
    if not 1 <= number <= quote_count:
        fields._error(
            "caveats",
            f"{label}: quote {number} does not exist; the entry has {quote_count} policy quote(s)",
            item.line_of("quote"),
        )
        return None
    return number - 1


def _check_caveats_see_their_quotes(entry: Entry, data: LocatedDict, fields: Fields) -> None:
    """A caveat may only talk about a quote the answer shows next to it."""
    pinned = entry.pinned_quotes
    if len(pinned) > MAX_QUOTES:
        fields._error(
            "caveats", f"caveats name {len(pinned)} quotes; an answer shows at most {MAX_QUOTES}"
        )
        return
    shown = set(shown_quote_indexes(entry))
    value = data.get("caveats")
    for index, caveat in enumerate(entry.caveats):
        line = value.line_of(index) if isinstance(value, LocatedList) else None
        for quote, passage in quotes_referred_to(caveat, entry.policy):
            if quote not in shown:
                fields._error(
                    "caveats",
                    f"caveat {index + 1} cites policy[{quote + 1}] ({passage!r}), which an answer "
                    f"does not show (at most {MAX_QUOTES} quotes); write it as "
                    f"{{text: ..., quote: {quote + 1}}} so the quote is always shown with it",
                    line,
                )


def _parse_quotes(
    data: LocatedDict, log: ProblemLog, file: str, entry_id: str | None, fields: Fields
) -> tuple[PolicyQuote, ...]:
    value = data.get("policy")
    if value is None:
        if "policy" in data:
            fields._error("policy", "must list at least one quote")
        return ()
    if not isinstance(value, LocatedList) or not value:
        fields._error("policy", "must be a list of quotes with quote, source and as_of")
        return ()
    quotes: list[PolicyQuote] = []
    for index, item in enumerate(value):
        label = f"policy[{index + 1}]"
        if not isinstance(item, LocatedDict):
            fields._error(
                label,
                f"must be a mapping with quote, source and as_of, not {_kind(item)}",
                value.line_of(index),
            )
            continue
        sub = Fields(item, log, file, entry_id)
        for key in item:
            if key not in QUOTE_REQUIRED + QUOTE_OPTIONAL:
                sub._error(
                    key, f"unknown field in {label}; allowed: quote, source, as_of, wording, note"
                )
        if "quote" not in item:
            sub._error("quote", f"{label} has no quote text", item.line)
        if "source" not in item:
            sub._error("source", f"{label}: a quote with no source; add the page's URL", item.line)
        if "as_of" not in item:
            sub._error("as_of", f"{label} has no as_of date", item.line)
        text = sub.text("quote") if "quote" in item else ""
        source = sub.text("source") if "source" in item else ""
        if source and not URL.match(source):
            sub._error("source", f"{label} source must be an http(s) URL, not {source!r}")
        as_of = _as_of(item, sub, label)
        wording = sub.text("wording", required=False) or "current"
        if wording not in WORDINGS:
            sub._error(
                "wording", f"{label} wording must be 'current' or 'earlier', not {wording!r}"
            )
        note = sub.text("note", required=False) or None
        if sub.ok:
            quotes.append(PolicyQuote(text, source, as_of, wording, note))
        else:
            fields.ok = False
    return tuple(quotes)


def _as_of(item: LocatedDict, sub: Fields, label: str) -> str:
    value = item.get("as_of")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and PARTIAL_DATE.match(value.strip()):
        return value.strip()
    if "as_of" in item:
        sub._error(
            "as_of", f"{label} as_of must be a date, month or year (2025-06-02), not {value!r}"
        )
    return ""


def parse_pack(data: Any, log: ProblemLog, file: str) -> Pack | None:
    """Check pack.yaml: platform name, disclaimer, support link and risk rules."""
    if not isinstance(data, LocatedDict):
        log.error(file, getattr(data, "line", 1), "pack.yaml must be a mapping")
        return None
    fields = Fields(data, log, file, None)
    fields.check_keys(PACK_REQUIRED, PACK_OPTIONAL)
    support = fields.text("support_url")
    if support and not URL.match(support):
        fields._error("support_url", "must be an http(s) URL")
    entry_url = fields.text("entry_url", required=False) or None
    if entry_url and not URL.match(entry_url.replace("{", "").replace("}", "")):
        fields._error("entry_url", "must be an http(s) URL template, e.g. https://host/{file}#{id}")
    pack = Pack(
        platform=fields.text("platform", max_len=40),
        name=fields.text("name", max_len=60),
        disclaimer=fields.text("disclaimer", max_len=400),
        support_url=support,
        risks=_parse_risks(data, log, file, fields),
        synonyms=_parse_synonyms(data, fields),
        entry_url=entry_url,
        off_topic=fields.texts("off_topic", max_len=500),
    )
    return pack if fields.ok else None


def _parse_risks(
    data: LocatedDict, log: ProblemLog, file: str, fields: Fields
) -> tuple[RiskRule, ...]:
    value = data.get("risks")
    if value is None:
        return ()
    if not isinstance(value, LocatedList):
        fields._error("risks", "must be a list of risk rules")
        return ()
    rules: list[RiskRule] = []
    for index, item in enumerate(value):
        if not isinstance(item, LocatedDict):
            fields._error("risks", f"risk {index + 1} must be a mapping", value.line_of(index))
            continue
        sub = Fields(item, log, file, f"risk:{item.get('id', index + 1)}")
        sub.check_keys(RISK_REQUIRED, RISK_OPTIONAL)
        detectors = sub.texts("detectors")
        for detector in detectors:
            if detector not in DETECTORS:
                sub._error(
                    "detectors", f"unknown detector {detector!r}; known: {', '.join(DETECTORS)}"
                )
        rule = RiskRule(
            id=sub.text("id", max_len=60),
            entry=sub.text("entry", max_len=60),
            warning=sub.text("warning", max_len=400),
            terms=sub.texts("terms", min_items=1, max_len=60),
            detectors=detectors,
        )
        if sub.ok:
            rules.append(rule)
        else:
            fields.ok = False
    return tuple(rules)


def _parse_synonyms(data: LocatedDict, fields: Fields) -> tuple[tuple[str, str], ...]:
    value = data.get("synonyms")
    if value is None:
        return ()
    if not isinstance(value, LocatedDict):
        fields._error("synonyms", "must map a word to what it means, e.g. fivver: fiverr")
        return ()
    pairs: list[tuple[str, str]] = []
    for word, meaning in value.items():
        if not isinstance(meaning, str) or not meaning.strip() or not word.strip():
            fields._error("synonyms", f"synonym {word!r} must map to text", value.line_of(word))
            continue
        pairs.append((word.strip(), meaning.strip()))
    return tuple(pairs)
