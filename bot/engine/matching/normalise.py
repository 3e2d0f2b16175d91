"""Turn what sellers type into comparable words.

Forum questions arrive with shorthand (cx, CS, TOS, rev, pls, u), misspellings,
obfuscated contact details (g-m-a-i-l), links, emoji and sometimes hostile
Unicode. Normalising them once, the same way for knowledge phrasings and for
questions, is what lets the matcher compare like with like.

Which shorthand means what is knowledge, not code: knowledge/shorthand.yaml and
each pack's `synonyms`, which arrive here as Pack.synonyms. This module keeps only
the rules that read punctuation, apostrophes and English negation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import Stemmer

# Matching looks at the start of a message only; this bounds the time any input can take.
MAX_MATCH_CHARS = 4000

# Rules that rewrite text before tokenising. Each names a substring that must be
# present for it to apply, so most texts skip most rules.
Rule = tuple[str, re.Pattern[str], str]


def _rules(*rules: tuple[str, str, str]) -> tuple[Rule, ...]:
    return tuple(
        (trigger, re.compile(pattern), replacement) for trigger, pattern, replacement in rules
    )


# Tokeniser-level rules stay in code: they read punctuation, which synonyms cannot hold.
_PUNCTUATION = _rules(
    ("&", r"\bt\s*&\s*c\b", "terms and conditions"),
    ("w/", r"\bw/o\b", "without"),
    ("w/", r"\bw/", "with "),
)

# English negation stays in code: it reads the "do not" that expand_contractions writes.
_NEGATIONS = _rules(
    ("like", r"\b(?:do|does|did|dont|doesnt|didnt)\s+not\s+like\b", "dislike"),
    ("like", r"\b(?:dont|doesnt|didnt)\s+like\b", "dislike"),
    ("not ", r"\bnot\s+(?:happy|satisfied)\b", "unhappy"),
)

# Contractions are expanded before apostrophes go, so "he'll" cannot become "hell".
_APOSTROPHE_WORD = re.compile(r"\b(\w+)'(ll|re|ve|d|s|m|t)\b")
_NO_APOSTROPHE_WORDS = "can|won|do|does|did|is|are|was|were|has|have|had|could|would|should"
_NO_APOSTROPHE_NOT = re.compile(rf"\b({_NO_APOSTROPHE_WORDS})nt\b")
# The same words found from their "nt" ending, which the regex engine can seek
# directly: a quick test that spares most texts the slower substitution.
_MAYBE_NO_APOSTROPHE_NOT = re.compile(
    r"nt\b(?:" + "|".join(rf"(?<=\b{word}nt)" for word in _NO_APOSTROPHE_WORDS.split("|")) + ")"
)
_TAILS = {"ll": " will", "re": " are", "ve": " have", "d": " would", "m": " am", "s": ""}
_NOT_STEMS = {"can": "can", "won": "will"}


def _expand_apostrophe(match: re.Match[str]) -> str:
    word, tail = match.group(1), match.group(2)
    if tail != "t":
        return word + _TAILS[tail]
    if word in ("can", "won"):
        return f"{_NOT_STEMS[word]} not"
    return f"{word[:-1]} not" if word.endswith("n") else word


def _expand_not(match: re.Match[str]) -> str:
    word = match.group(1)
    return f"{_NOT_STEMS.get(word, word)} not"


def expand_contractions(text: str) -> str:
    if "'" in text:
        text = _APOSTROPHE_WORD.sub(_expand_apostrophe, text)
    if _MAYBE_NO_APOSTROPHE_NOT.search(text):
        text = _NO_APOSTROPHE_NOT.sub(_expand_not, text)
    return text


def _apply(rules: tuple[Rule, ...], text: str) -> str:
    for trigger, pattern, replacement in rules:
        if trigger in text:
            text = pattern.sub(replacement, text)
    return text


# A "5 star" review is good news and any other rating a complaint. Digits are dropped
# from matching, so a perfect rating gets a word of its own.
_STARS = re.compile(r"\b([1-5])([.,]\d)?\s*-?\s*(?:\*+|★+|⭐+|stars?\b)")
_DIGIT = re.compile(r"\d")
_TLD = re.compile(r"\.(?:com|net|org|io|me|gg|ly|co|app)\b")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WHATS_APP = re.compile(r"\bwhat'?s\s*'?\s*app?\b|\bwhatsap\b")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|me|gg|ly|co|app)(?:/\S*)?"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d(?!\w)")
# One pass for both ways of spelling a word out: g-m-a-i-l and g m a i l.
_SPELLED_OUT = re.compile(r"\b(?:(?:[a-z][-._*]){2,}|(?:[a-z] ){3,})[a-z]\b")
_SPELLING_GAPS = re.compile(r"[-._* ]")
# Every spelled-out word holds one of these; texts without one skip _SPELLED_OUT.
_MAYBE_SPELLED_OUT = re.compile(r"[-._*][a-z][-._*]| [a-z] [a-z] ")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
# A word is a run of letters and digits; underscores and everything else separate words.
_WORD = re.compile(r"[^\W_]+")
# The same split for ASCII text, where str.translate and str.split beat the regex.
_ASCII_SEPARATORS = str.maketrans(
    dict.fromkeys((chr(i) for i in range(128) if not chr(i).isalnum()), " ")
)
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n+")

_LINK_KINDS: tuple[tuple[str, str, str], ...] = (
    ("drive.google", "google drive link", "file-link"),
    ("docs.google", "google drive link", "file-link"),
    ("dropbox", "dropbox link", "file-link"),
    ("wetransfer", "wetransfer link", "file-link"),
    ("mega.nz", "mega link", "file-link"),
    ("onedrive", "onedrive link", "file-link"),
    ("wa.me", "whatsapp link", "any-link"),
    ("whatsapp", "whatsapp link", "any-link"),
    ("t.me", "telegram link", "any-link"),
    ("paypal", "paypal link", "any-link"),
    ("discord.gg", "discord invite link", "any-link"),
)

# Words too common to tell one dispute from another.
_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    also im ive id dont doesnt didnt cant wont isnt arent wasnt werent hasnt havent hadnt
    shouldnt wouldnt couldnt its thats theres hes shes were theyre youre ill youll hi hello hey
    guys everyone anyone please thanks thank thx regards kindly dear friends folks pls sir maam
    really actually just like get got one even still already much many lot lots yes ok okay oh
    well also something anything everything someone somebody
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Snowball leaves a few pairs apart that sellers use interchangeably, and folds
# "customer" into "custom" (as in custom offer), which must stay apart.
_STEM_MERGE = {"deliveri": "deliv", "cancellat": "cancel"}
_STEM_FIXED = {"customer": "customer", "customers": "customer"}

_STEMMER = Stemmer.Stemmer("english")


@dataclass(frozen=True, slots=True)
class NormalText:
    """A message after normalisation: its words, their stems, and what was detected in it."""

    text: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    signals: frozenset[str] = field(default_factory=frozenset)
    sentence_starts: tuple[int, ...] = (0,)

    def content(self) -> list[tuple[int, str]]:
        """(token position, stem) for the words that carry meaning."""
        return [(i, stem) for i, stem in enumerate(self.stems) if stem]

    def sentences(self) -> list[range]:
        """Token ranges of the sentences, as the writer punctuated them."""
        bounds = [*self.sentence_starts, len(self.tokens)]
        return [range(a, b) for a, b in pairwise(bounds) if b > a]


_STEMS: dict[str, str] = {}
_STEMS_MAX = 100_000


def stem(token: str) -> str:
    """The stem of one token ('' for stopwords), cached because vocabularies repeat."""
    found = _STEMS.get(token)
    if found is not None:
        return found
    result = _stem(token)
    if len(_STEMS) < _STEMS_MAX:
        _STEMS[token] = result
    return result


def _stem(token: str) -> str:
    if token in STOPWORDS or len(token) < 2 or token.isdigit():
        return ""
    if token in _STEM_FIXED:
        return _STEM_FIXED[token]
    result: str = _STEMMER.stemWord(token)
    return _STEM_MERGE.get(result, result)


def clean_unicode(text: str) -> str:
    """NFKC, without invisible formatting, control characters and stacked marks (zalgo)."""
    if text.isascii():
        return _ASCII_CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in {"Mn", "Me", "Cf", "Cc"} or ch in "\n\t"
    )


def normalise(
    text: str,
    synonyms: tuple[tuple[str, str], ...] = (),
    *,
    max_chars: int = MAX_MATCH_CHARS,
) -> NormalText:
    """Normalise a message or a knowledge phrasing for matching."""
    return _normalise(text[: max_chars * 2], synonyms, max_chars)


@lru_cache(maxsize=50_000)
def normalise_known(text: str, synonyms: tuple[tuple[str, str], ...] = ()) -> NormalText:
    """Cached normalisation for knowledge texts, which every reload sees again.

    Only knowledge goes through the cache: members' messages are unbounded, and
    caching them would let anyone grow the process's memory.
    """
    return _normalise(text[: MAX_MATCH_CHARS * 2], synonyms, MAX_MATCH_CHARS)


def _normalise(text: str, synonyms: tuple[tuple[str, str], ...], max_chars: int) -> NormalText:
    text = clean_unicode(text)[:max_chars].casefold()
    signals: set[str] = set()
    if "@" in text:
        text = _EMAIL.sub(_email(signals), text)
    if "." in text and ("http" in text or "www." in text or _TLD.search(text)):
        text = _replace_links(text, signals)
    if _DIGIT.search(text):
        text = _PHONE.sub(_phone(signals), text)
        text = _STARS.sub(_star_rating, text)
    elif "*" in text or "★" in text or "⭐" in text:
        text = _STARS.sub(_star_rating, text)
    if _MAYBE_SPELLED_OUT.search(text):
        text = _SPELLED_OUT.sub(lambda m: _SPELLING_GAPS.sub("", m.group()), text)
    if not text.isascii() or "`" in text:
        text = text.translate(_APOSTROPHES)
    if "app" in text or "whatsap" in text:
        text = _WHATS_APP.sub("whatsapp", text)
    text = expand_contractions(text).replace("'", "")
    joins, expansions = _lexicon(synonyms)
    text = _apply(_PUNCTUATION, text)
    text = _apply(joins, text)
    text = _apply(_NEGATIONS, text)
    words: list[str] = []
    starts: list[int] = []
    words_of = _ascii_words if text.isascii() else _WORD.findall
    for sentence in _SENTENCE_END.split(text):
        found = words_of(sentence)
        if not found:
            continue
        starts.append(len(words))
        if expansions.keys().isdisjoint(found):
            words += found
            continue
        for raw in found:
            expansion = expansions.get(raw)
            if expansion is None:
                words.append(raw)
            else:
                words.extend(expansion)
    tokens = tuple(words)
    return NormalText(
        " ".join(tokens), tokens, stems_of(tokens), frozenset(signals), tuple(starts) or (0,)
    )


def _ascii_words(text: str) -> list[str]:
    return text.translate(_ASCII_SEPARATORS).split()


def stems_of(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The stem of every token, from the cache where it can (C loops, no Python per token)."""
    found = tuple(map(_STEMS.get, tokens))
    if None not in found:
        # The check above rules out None, which mypy cannot narrow inside a tuple.
        return found  # type: ignore[return-value]
    return tuple(s if s is not None else stem(t) for t, s in zip(tokens, found, strict=True))


@lru_cache(maxsize=64)
def _lexicon(
    synonyms: tuple[tuple[str, str], ...],
) -> tuple[tuple[Rule, ...], dict[str, tuple[str, ...]]]:
    """Synonyms as phrase joins (keys of several words) and a word -> words table.

    A join matches its words whole, separated by any whitespace, and they apply in
    order, each to the text the ones before left; its trigger is its longest word,
    which must be in the text for the join to be tried.
    """
    joins: list[Rule] = []
    table: dict[str, tuple[str, ...]] = {}
    for written, meaning in synonyms:
        words = written.split()
        if len(words) < 2:
            table.update((word, tuple(meaning.split())) for word in words)
            continue
        pattern = re.compile(r"\b" + r"\s+".join(map(re.escape, words)) + r"\b")
        joins.append((max(words, key=len), pattern, " ".join(meaning.split())))
    return tuple(joins), table


def _star_rating(match: re.Match[str]) -> str:
    perfect = match.group(1) == "5" and not match.group(2)
    return " fivestar star " if perfect else " star "


def _replace_links(text: str, signals: set[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        url = match.group()
        if "@" in url:
            return url
        signals.add("any-link")
        for needle, words, signal in _LINK_KINDS:
            if needle in url:
                signals.add(signal)
                return f" {words} "
        return " link "

    return _URL.sub(replace, text)


def _email(signals: set[str]) -> Callable[[re.Match[str]], str]:
    def replace(_: re.Match[str]) -> str:
        signals.add("email-address")
        return " email address "

    return replace


def _phone(signals: set[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        found = match.group()
        digits = sum(ch.isdigit() for ch in found)
        if digits < (8 if found.startswith("+") else 10):
            return match.group()
        signals.add("phone-number")
        return " phone number "

    return replace
