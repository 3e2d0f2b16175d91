"""Turn what sellers type into comparable words.

Forum questions arrive with shorthand (cx, CS, TOS, rev, pls, u), misspellings,
obfuscated contact details (g-m-a-i-l), links, emoji and sometimes hostile
Unicode. Normalising them once, the same way for knowledge phrasings and for
questions, is what lets the matcher compare like with like.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

# Matching looks at the start of a message only; this bounds the time any input can take.
MAX_MATCH_CHARS = 4000

# Token-level shorthand and common misspellings seen in seller forums.
SHORTHAND: dict[str, str] = {
    "cx": "cancel",
    "cxl": "cancel",
    "cxld": "cancelled",
    "cxled": "cancelled",
    "cnx": "cancel",
    "canx": "cancel",
    "cancle": "cancel",
    "cancled": "cancelled",
    "cancelation": "cancellation",
    "cancelations": "cancellations",
    "cancelling": "cancelling",
    "cs": "customer support",
    "tos": "terms of service",
    "tnc": "terms and conditions",
    "toc": "terms and conditions",
    "rev": "revision",
    "revs": "revisions",
    "revison": "revision",
    "revisons": "revisions",
    "refnd": "refund",
    "pls": "please",
    "plz": "please",
    "plse": "please",
    "u": "you",
    "ur": "your",
    "urs": "yours",
    "msg": "message",
    "msgs": "messages",
    "acc": "account",
    "acct": "account",
    "ppl": "people",
    "thx": "thanks",
    "thnx": "thanks",
    "ty": "thanks",
    "b4": "before",
    "bcz": "because",
    "bcoz": "because",
    "coz": "because",
    "cuz": "because",
    "pmt": "payment",
    "req": "request",
    "reqs": "requirements",
    "dm": "direct message",
    "pm": "private message",
    "whatsap": "whatsapp",
    "watsapp": "whatsapp",
    "whatsaap": "whatsapp",
    "wattsapp": "whatsapp",
    "whatapp": "whatsapp",
    "gmail": "gmail email",
    "e-mail": "email",
    "dispute": "dispute",
    "chargback": "chargeback",
    "1star": "1 star",
    "2star": "2 star",
    "3star": "3 star",
    "4star": "4 star",
    "5star": "5 star",
    "ratting": "rating",
    "reveiw": "review",
    "reviw": "review",
    "buyr": "buyer",
    "byer": "buyer",
    "clint": "client",
    "recieve": "receive",
    "recieved": "received",
    "payed": "paid",
}

# Phrases that should read as one word before tokenising.
PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bwhats?\s*'?\s*app?\b", "whatsapp"),
        (r"\bwhat'?s\s+app\b", "whatsapp"),
        (r"\bt\s*&\s*c\b", "terms and conditions"),
        (r"\bw/o\b", "without"),
        (r"\bw/", "with "),
        (r"\b([1-5])\s*(?:\*|★|⭐|stars?\b)", r"\1 star"),
        (r"\bcustomer care\b", "customer support"),
        (r"\bsupport team\b", "customer support"),
        (r"\bresolution cent(?:er|re)\b", "resolution center"),
        (r"\bgoogle\s+docs?\b", "google drive"),
        (r"\bg\s*drive\b", "google drive"),
        (r"\bwe\s*transfer\b", "wetransfer"),
        (r"\bpay\s*pal\b", "paypal"),
        (r"\bcash\s*app\b", "cashapp"),
        (r"\bsky\s*pe\b", "skype"),
        (r"\btele\s*gram\b", "telegram"),
    )
)

# Expanded before apostrophes go, so "he'll" cannot become "hell".
CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bcan'?t\b", "can not"),
        (r"\bwon'?t\b", "will not"),
        (r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should)n'?t\b", r"\1 not"),
        (r"\b(\w+)'ll\b", r"\1 will"),
        (r"\b(\w+)'re\b", r"\1 are"),
        (r"\b(\w+)'ve\b", r"\1 have"),
        (r"\bi'm\b", "i am"),
        (r"\b(\w+)'d\b", r"\1 would"),
        (r"\b(\w+)'s\b", r"\1"),
        (r"\b(?:do|does|did|dont|doesnt|didnt)\s+not\s+like\b", "dislike"),
        (r"\b(?:dont|doesnt|didnt)\s+like\b", "dislike"),
        (r"\bnot\s+(?:happy|satisfied)\b", "unhappy"),
    )
)

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|me|gg|ly|co|app)(?:/\S*)?"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d(?!\w)")
_SPELLED_DOTTED = re.compile(r"\b(?:[a-z][-._*]){2,}[a-z]\b")
_SPELLED_SPACED = re.compile(r"\b(?:[a-z] ){3,}[a-z]\b")
_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^\w]+")
_UNDERSCORE = re.compile(r"_+")

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

_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True, slots=True)
class NormalText:
    """A message after normalisation: its words, their stems, and what was detected in it."""

    text: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    signals: frozenset[str] = field(default_factory=frozenset)

    def content(self) -> list[tuple[int, str]]:
        """(token position, stem) for the words that carry meaning."""
        return [(i, stem) for i, stem in enumerate(self.stems) if stem]


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """The stem of one token ('' for stopwords), cached because vocabularies repeat."""
    if token in STOPWORDS or len(token) < 2 or token.isdigit():
        return ""
    if token in _STEM_FIXED:
        return _STEM_FIXED[token]
    result = _STEMMER.stemWord(token)
    return _STEM_MERGE.get(result, result)


def clean_unicode(text: str) -> str:
    """NFKC, without invisible formatting and stacked combining marks (zalgo)."""
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
    text = clean_unicode(text[: max_chars * 2])[:max_chars].casefold()
    signals: set[str] = set()
    text = _EMAIL.sub(lambda _: (signals.add("email-address"), " email address ")[1], text)
    text = _replace_links(text, signals)
    text = _PHONE.sub(_phone(signals), text)
    text = _SPELLED_DOTTED.sub(lambda m: re.sub(r"[-._*]", "", m.group()), text)
    text = _SPELLED_SPACED.sub(lambda m: m.group().replace(" ", ""), text)
    text = _APOSTROPHES.sub("'", text)
    for pattern, replacement in CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = text.replace("'", "")
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    text = _UNDERSCORE.sub(" ", _NON_WORD.sub(" ", text))
    extra = dict(synonyms)
    words: list[str] = []
    for raw in text.split():
        expansion = extra.get(raw) or SHORTHAND.get(raw)
        words.extend(expansion.split() if expansion else (raw,))
    tokens = tuple(words)
    return NormalText(" ".join(tokens), tokens, tuple(stem(t) for t in tokens), frozenset(signals))


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


def _phone(signals: set[str]) -> object:
    def replace(match: re.Match[str]) -> str:
        found = match.group()
        digits = sum(ch.isdigit() for ch in found)
        if digits < (8 if found.startswith("+") else 10):
            return match.group()
        signals.add("phone-number")
        return " phone number "

    return replace
