"""The knowledge file format, declared once, and the checks derived from it.

ENTRY, QUOTE, CAVEAT, PACK, RISK and SHORTHAND below are the one description of every field:
its kind, whether it is required, its limits, pattern or allowed values, and the
message a moderator sees when a value breaks them. Two things are derived from
these tables: the field-by-field checks that turn located YAML values into model
objects, and the JSON Schema that `disputebot kb schema` writes to
knowledge/schema.json for editors.

Each check logs a specific, located problem and carries on, so one run reports
everything wrong with a file. Semantic checks that need the whole pack (duplicate
ids, dangling related ids, quotes against sources) live in loader.py; reading files
safely lives in yaml_source.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot.engine.knowledge.models import Entry, Pack, PolicyQuote, RiskRule
from bot.engine.knowledge.problems import ProblemLog
from bot.engine.knowledge.quotes import MAX_QUOTES, quotes_referred_to, shown_quote_indexes
from bot.engine.knowledge.yaml_source import LocatedDict, LocatedList

# Discord caps choice names at 100 characters and field values at 1,024.
TITLE_MAX = 100
SUMMARY_MAX = 300
ITEM_MAX = 1000

ENTRY_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
PARTIAL_DATE_PATTERN = r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$"
URL_PATTERN = r"^https?://[^\s]+$"
# Synonyms are plain words: runs of anything but spaces and ASCII punctuation, separated
# by spaces. Normalising removes punctuation (/ & ' - _ ...) before synonyms apply, so
# a key holding any could never match. Written without \w so that Python and the
# JSON Schema regexes of editors (ECMA-262, where \w is ASCII only) read it alike.
_WORD_CHARS = r"[^\s!-/:-@\[-`{-~]"
WORDS_PATTERN = rf"^\s*{_WORD_CHARS}+(?:\s+{_WORD_CHARS}+)*\s*$"
ENTRY_ID = re.compile(ENTRY_ID_PATTERN)
PARTIAL_DATE = re.compile(PARTIAL_DATE_PATTERN)
URL = re.compile(URL_PATTERN)
WORDINGS = ("current", "earlier")
DETECTORS = ("email-address", "phone-number", "file-link", "any-link")

Kind = Literal[
    "text",  # one piece of text
    "texts",  # a list of text
    "date",  # a full date, 2026-01-31
    "partial_date",  # a date, month or year: 2025-06-02, 2025-06, 2021
    "number",  # a whole number counted from 1
    "quotes",  # a list of QUOTE mappings
    "caveats",  # a list of text or CAVEAT mappings
    "risks",  # a list of RISK mappings
    "synonyms",  # a mapping of plain words to plain words (WORDS_PATTERN), keys and values
]


@dataclass(frozen=True)
class Field:
    """One field of a mapping in a knowledge file."""

    name: str
    kind: Kind
    about: str
    required: bool = True
    max_len: int = ITEM_MAX  # for text, and for each item of a list of text
    min_items: int = 0
    pattern: str | None = None  # the stripped text must match
    template: bool = False  # {placeholders} are removed before matching the pattern
    enum: tuple[str, ...] = ()  # the text, or each item, must be one of these
    default: str | None = None
    invalid: str = ""  # the message when pattern or enum fails; {label}, {value}, {known}
    missing: str = "missing required field"  # {label}


@dataclass(frozen=True)
class Shape:
    """A mapping: its fields, in the order they are checked and documented."""

    name: str
    about: str
    fields: tuple[Field, ...]
    unknown: str = "unknown field; allowed fields are {allowed}"  # {label}, {key}, {allowed}

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __getitem__(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if not f.required)

    @property
    def allowed(self) -> tuple[str, ...]:
        return self.required + self.optional


QUOTE = Shape(
    "quote",
    "Official wording, verbatim from a stored snapshot in knowledge/sources/.",
    (
        Field(
            "quote",
            "text",
            "The words, exactly as in the snapshot.",
            missing="{label} has no quote text",
        ),
        Field(
            "source",
            "text",
            "The page's URL, the same as in the snapshot.",
            pattern=URL_PATTERN,
            invalid="{label} source must be an http(s) URL, not {value!r}",
            missing="{label}: a quote with no source; add the page's URL",
        ),
        Field(
            "as_of",
            "partial_date",
            "The page's date (the snapshot's for an undated page): 2025-06-02, 2025-06 or 2021.",
            invalid="{label} as_of must be a date, month or year (2025-06-02), not {value!r}",
            missing="{label} has no as_of date",
        ),
        Field(
            "wording",
            "text",
            "current (the default) or earlier: older wording kept for history.",
            required=False,
            enum=WORDINGS,
            default="current",
            invalid="{label} wording must be 'current' or 'earlier', not {value!r}",
        ),
        Field("note", "text", "Short context shown with the quote.", required=False),
    ),
    unknown="unknown field in {label}; allowed: {allowed}",
)

CAVEAT = Shape(
    "caveat",
    "A caveat that comments on one policy quote, so answers always show that quote with it.",
    (
        Field("text", "text", "What to watch out for; never promise an outcome."),
        Field("quote", "number", "The policy quote this caveat comments on (1 = the first)."),
    ),
    unknown="{label}: unknown field {key!r}; allowed: {allowed}",
)

ENTRY = Shape(
    "entry",
    "One answerable situation, with the phrasings that lead to it.",
    (
        Field(
            "id",
            "text",
            "Stable id, unique in the pack: lowercase letters, digits and dashes.",
            max_len=60,
            pattern=ENTRY_ID_PATTERN,
            invalid="use lowercase letters, digits and single dashes, e.g. late-delivery",
        ),
        Field("topic", "text", "One topic id from knowledge/topics.yaml.", max_len=60),
        Field("title", "text", "Shown as the answer's title.", max_len=TITLE_MAX),
        Field(
            "summary",
            "text",
            "One or two sentences, shown under 'Also relevant'.",
            max_len=SUMMARY_MAX,
        ),
        Field(
            "questions",
            "texts",
            "How real users ask it: short, long, shorthand, typos.",
            min_items=1,
        ),
        Field("keywords", "texts", "Distinctive words and phrases.", max_len=80),
        Field(
            "aliases",
            "texts",
            "Other names for the entry (used by /policy).",
            required=False,
            max_len=80,
        ),
        Field("not_examples", "texts", "Near misses that must NOT match this entry."),
        Field(
            "policy", "quotes", "Verbatim quotes, each found word for word in knowledge/sources/."
        ),
        Field("advice", "texts", "Practical community advice, in our own words.", min_items=1),
        Field(
            "caveats", "caveats", "What to watch out for; text, or {text, quote: N}.", min_items=1
        ),
        Field("related", "texts", "Ids of other entries.", max_len=60),
        Field("reviewed", "date", "When a moderator last checked the entry: 2026-01-31."),
    ),
)

RISK = Shape(
    "risk",
    "Words that signal business outside the platform, and the warning they earn.",
    (
        Field("id", "text", "The rule's id.", max_len=60),
        Field("entry", "text", "The entry the warning points to.", max_len=60),
        Field(
            "warning", "text", "Added to any answer whose question mentions a term.", max_len=400
        ),
        Field(
            "terms",
            "texts",
            "Plain words or phrases (no regular expressions).",
            min_items=1,
            max_len=60,
        ),
        Field(
            "detectors",
            "texts",
            "Built-in detectors.",
            required=False,
            enum=DETECTORS,
            invalid="unknown detector {value!r}; known: {known}",
        ),
    ),
)

# {label} is the key as written, {value} the text that is not plain words.
SYNONYM_INVALID = (
    "synonym {label!r}: {value!r} is not plain words; write letters and digits separated "
    "by spaces (punctuation such as / & ' - is removed before synonyms apply)"
)

PACK = Shape(
    "pack",
    "pack.yaml: platform settings of a knowledge pack.",
    (
        Field("platform", "text", "The platform's id, as the pack folder is named.", max_len=40),
        Field("name", "text", "The platform's name as members see it.", max_len=60),
        Field("disclaimer", "text", "Shown with every answer.", max_len=400),
        Field(
            "support_url",
            "text",
            "Where members open a ticket with the platform.",
            pattern=URL_PATTERN,
            invalid="must be an http(s) URL",
        ),
        Field("risks", "risks", "Risk warnings added to answers.", required=False),
        Field(
            "synonyms",
            "synonyms",
            "This platform's shorthand, misspellings and phrases: what sellers write: what it "
            "means, in plain words. They follow knowledge/shorthand.yaml's and win on the "
            "same key.",
            required=False,
            max_len=80,
            pattern=WORDS_PATTERN,
            invalid=SYNONYM_INVALID,
        ),
        Field(
            "entry_url",
            "text",
            "Link to an entry, with {file} and {id} placeholders.",
            required=False,
            pattern=URL_PATTERN,
            template=True,
            invalid="must be an http(s) URL template, e.g. https://host/{{file}}#{{id}}",
        ),
        Field(
            "off_topic",
            "texts",
            "Messages the bot must stay silent on.",
            required=False,
            max_len=500,
        ),
    ),
)


SHORTHAND = Shape(
    "shorthand",
    "knowledge/shorthand.yaml: shorthand, misspellings and split words shared by every pack.",
    (
        Field(
            "synonyms",
            "synonyms",
            "What sellers write: what it means, in plain words. One word (cx: cancel) is "
            "replaced wherever it stands; several words (pay pal: paypal) are joined first, "
            "in the order listed.",
            min_items=1,
            max_len=80,
            pattern=WORDS_PATTERN,
            invalid=SYNONYM_INVALID,
        ),
    ),
    unknown="unknown field; a shorthand file holds only {allowed}",
)


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

    def check_shape(self, shape: Shape, label: str = "") -> None:
        """Unknown keys first, then missing required ones, with the shape's messages."""
        allowed = ", ".join(shape.allowed)
        for key in self.data:
            if key not in shape.allowed:
                self._error(key, shape.unknown.format(label=label, key=key, allowed=allowed))
        for spec in shape:
            if spec.required and spec.name not in self.data:
                self._error(spec.name, spec.missing.format(label=label), line=self.data.line)

    def read(self, spec: Field, label: str = "") -> Any:
        """The value of a text, list-of-text or date field, checked against its spec."""
        if spec.kind == "texts":
            items = self.texts(spec.name, min_items=spec.min_items, max_len=spec.max_len)
            for item in items:
                if spec.enum and item not in spec.enum:
                    self._invalid(spec, label, item)
            return items
        if spec.kind == "date":
            return self.day(spec.name)
        if spec.kind == "partial_date":
            return self.partial_date(spec, label)
        if spec.kind != "text":
            raise ValueError(f"{spec.name}: {spec.kind} fields are read by their own parser")
        value = self.text(spec.name, max_len=spec.max_len, required=spec.required)
        if not value:
            return spec.default if spec.default is not None else (None if not spec.required else "")
        subject = re.sub(r"[{}]", "", value) if spec.template else value
        if (spec.pattern and not re.match(spec.pattern, subject)) or (
            spec.enum and value not in spec.enum
        ):
            self._invalid(spec, label, value)
        return value

    def _invalid(self, spec: Field, label: str, value: Any) -> None:
        message = spec.invalid.format(label=label, value=value, known=", ".join(spec.enum))
        self._error(spec.name, message)

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

    def partial_date(self, spec: Field, label: str) -> str:
        value = self.data.get(spec.name)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and PARTIAL_DATE.match(value.strip()):
            return value.strip()
        if spec.name in self.data:
            self._invalid(spec, label, value)
        return ""


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
    fields.check_shape(ENTRY)
    values: dict[str, Any] = {}
    for spec in ENTRY:
        if spec.kind == "quotes":
            values[spec.name] = _parse_quotes(data, log, file, entry_id, fields)
        elif spec.kind == "caveats":
            values[spec.name], values["caveat_quotes"] = _parse_caveats(
                data, fields, len(values["policy"])
            )
        else:
            values[spec.name] = fields.read(spec)
    values["reviewed"] = values["reviewed"] or date.min
    entry = Entry(
        **values,
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
        spec = ENTRY["caveats"]
        plain = fields.texts(spec.name, min_items=spec.min_items, max_len=spec.max_len)
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
    allowed = ", ".join(CAVEAT.allowed)
    for key in item:
        if key not in CAVEAT.allowed:
            message = CAVEAT.unknown.format(label=label, key=key, allowed=allowed)
            fields._error("caveats", message, item.line_of(key))
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
        sub.check_shape(QUOTE, label)
        values = {spec.name: sub.read(spec, label) for spec in QUOTE}
        if sub.ok:
            quotes.append(
                PolicyQuote(
                    values["quote"],
                    values["source"],
                    values["as_of"],
                    values["wording"],
                    values["note"],
                )
            )
        else:
            fields.ok = False
    return tuple(quotes)


def parse_pack(data: Any, log: ProblemLog, file: str) -> Pack | None:
    """Check pack.yaml: platform name, disclaimer, support link and risk rules."""
    if not isinstance(data, LocatedDict):
        log.error(file, getattr(data, "line", 1), "pack.yaml must be a mapping")
        return None
    fields = Fields(data, log, file, None)
    fields.check_shape(PACK)
    values: dict[str, Any] = {}
    for spec in PACK:
        if spec.kind == "risks":
            values[spec.name] = _parse_risks(data, log, file, fields)
        elif spec.kind == "synonyms":
            values[spec.name] = _parse_synonyms(data, fields, spec)
        else:
            values[spec.name] = fields.read(spec)
    pack = Pack(**values)
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
        sub.check_shape(RISK)
        rule = RiskRule(**{spec.name: sub.read(spec) for spec in RISK})
        if sub.ok:
            rules.append(rule)
        else:
            fields.ok = False
    return tuple(rules)


def parse_shorthand(data: Any, log: ProblemLog, file: str) -> tuple[tuple[str, str], ...]:
    """Check knowledge/shorthand.yaml; its synonyms, or () after logging every problem."""
    if not isinstance(data, LocatedDict):
        log.error(file, getattr(data, "line", 1), "a shorthand file is a mapping with 'synonyms'")
        return ()
    fields = Fields(data, log, file, None)
    fields.check_shape(SHORTHAND)
    pairs = _parse_synonyms(data, fields, SHORTHAND["synonyms"])
    return pairs if fields.ok else ()


def _parse_synonyms(data: LocatedDict, fields: Fields, spec: Field) -> tuple[tuple[str, str], ...]:
    """(written, meaning) pairs in file order, each side as plain lower-case words."""
    value = data.get(spec.name)
    if value is None:
        if spec.name in data and spec.min_items:
            fields._error(spec.name, "must list at least one synonym, e.g. pls: please")
        return ()
    if not isinstance(value, LocatedDict):
        fields._error(
            spec.name, "must map what sellers write to what it means, e.g. fivver: fiverr"
        )
        return ()
    pairs: dict[str, str] = {}
    for written, meaning in value.items():
        line = value.line_of(written)
        if not isinstance(meaning, str) or not meaning.strip():
            fields._error(spec.name, f"synonym {written!r} must map to text", line)
            continue
        if spec.pattern:
            bad = next((t for t in (written, meaning) if not re.match(spec.pattern, t)), None)
            if bad is not None:
                fields._error(spec.name, spec.invalid.format(label=written, value=bad), line)
                continue
        key, words = _plain_words(written), _plain_words(meaning)
        longest = max(len(key), len(words))
        if longest > spec.max_len:
            message = f"synonym {written!r} is {longest} characters; the limit is {spec.max_len}"
            fields._error(spec.name, message, line)
        elif key in pairs:
            fields._error(spec.name, f"synonym {written!r} is listed twice (as {key!r})", line)
        else:
            pairs[key] = words
    if len(value) < spec.min_items:
        fields._error(spec.name, f"needs at least {spec.min_items} synonym(s)")
    return tuple(pairs.items())


def _plain_words(text: str) -> str:
    """Words as normalised text holds them: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# The JSON Schema, derived from the same tables -----------------------------------------

SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#"
_NOT_BLANK = r"\S"


def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 7) for entry files, pack.yaml and shorthand.yaml, for editors and CI.

    It checks the shape of one file: fields, types, limits, patterns and allowed
    values. What needs the whole pack (unique ids, known topics, quotes found in
    the sources) is left to `disputebot kb validate`.
    """
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "disputebot knowledge file",
        "description": (
            "A knowledge file (a mapping with one key, 'entries'), a pack.yaml or "
            "knowledge/shorthand.yaml (only 'synonyms'). "
            "Generated by `disputebot kb schema` from bot/engine/knowledge/schema.py; "
            "see knowledge/README.md."
        ),
        "type": "object",
        "if": {"required": ["entries"]},
        "then": {"$ref": "#/definitions/entries_file"},
        "else": {
            "if": {"propertyNames": {"const": "synonyms"}},
            "then": {"$ref": "#/definitions/shorthand"},
            "else": {"$ref": "#/definitions/pack"},
        },
        "definitions": {
            "entries_file": {
                "description": "A knowledge file: a mapping with one key, 'entries'.",
                "type": "object",
                "required": ["entries"],
                "properties": {
                    "entries": {"type": "array", "items": {"$ref": "#/definitions/entry"}}
                },
                "additionalProperties": False,
            },
            **{
                shape.name: _object(shape)
                for shape in (ENTRY, QUOTE, CAVEAT, PACK, RISK, SHORTHAND)
            },
        },
    }


def _object(shape: Shape) -> dict[str, Any]:
    return {
        "description": shape.about,
        "type": "object",
        "required": list(shape.required),
        "properties": {spec.name: _property(spec) for spec in shape},
        "additionalProperties": False,
    }


def _text(spec: Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": spec.max_len}
    schema["pattern"] = spec.pattern or _NOT_BLANK
    if spec.enum:
        schema["enum"] = list(spec.enum)
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Also accept an empty value (`key:` with nothing after it)."""
    schema = dict(schema, type=[schema["type"], "null"])
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _list(items: dict[str, Any], min_items: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items}
    if min_items:
        schema["minItems"] = min_items
        return schema
    return _nullable(schema)


def _property(spec: Field) -> dict[str, Any]:
    schema: dict[str, Any]
    if spec.kind == "text":
        schema = _text(spec) if spec.required else _nullable(_text(spec))
    elif spec.kind == "texts":
        schema = _list(
            _text(Field("item", "text", "", max_len=spec.max_len, enum=spec.enum)), spec.min_items
        )
    elif spec.kind == "date":
        schema = {"type": "string", "pattern": DATE_PATTERN}
    elif spec.kind == "partial_date":
        schema = {
            "anyOf": [
                {"type": "string", "pattern": PARTIAL_DATE_PATTERN},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ]
        }
    elif spec.kind == "number":
        schema = {"type": "integer", "minimum": 1}
    elif spec.kind == "quotes":
        schema = {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/quote"}}
    elif spec.kind == "caveats":
        plain = _text(Field("item", "text", "", max_len=spec.max_len))
        schema = _list({"anyOf": [plain, {"$ref": "#/definitions/caveat"}]}, spec.min_items)
    elif spec.kind == "risks":
        schema = _list({"$ref": "#/definitions/risk"}, 0)
    else:  # synonyms
        words = {"type": "string", "maxLength": spec.max_len, "pattern": spec.pattern}
        schema = {"type": "object", "propertyNames": words, "additionalProperties": words}
        if spec.min_items:
            schema["minProperties"] = spec.min_items
        else:
            schema = _nullable(schema)
    return {"description": spec.about, **schema}
