"""Fetch the live source pages and say whether each quote is still on them.

The snapshots prove what a page said when it was stored; pages change. This is
the check a moderator runs before trusting an old quote: every source URL is
fetched once (with a timeout and a limit on parallel requests), its text is
extracted from the HTML, and every quote citing it is looked for after both
sides have had their whitespace and quote marks normalised, so a curly
apostrophe or a line break in the page does not count as a change.

Each URL gets one verdict:
- present: every quote citing it was found;
- changed: the page loads but at least one quote is no longer on it;
- gone: 404 or 410;
- unreachable: timeout, DNS or connection failure, 5xx, or any other refusal.
"""

from __future__ import annotations

import asyncio
import html.parser
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import aiohttp

from bot.engine.tooling.source_check import QuoteRef

DEFAULT_TIMEOUT_S = 15.0
DEFAULT_CONCURRENCY = 4
MAX_PAGE_BYTES = 5_000_000
USER_AGENT = "disputebot-source-check (verifies quoted policy wording)"

_QUOTE_MARKS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)
_SPACE = re.compile(r"\s+")
# Tags that separate words when rendered; inline tags (b, a, span...) do not.
_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
        *("figcaption", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header"),
        *("hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th"),
        *("tr", "ul"),
    }
)
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head"})


class Verdict(StrEnum):
    PRESENT = "still present"
    CHANGED = "changed"
    GONE = "gone"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class UrlReport:
    """What one source URL looks like today, and which of its quotes are missing."""

    url: str
    verdict: Verdict
    detail: str
    missing: tuple[QuoteRef, ...] = ()
    checked: int = 0

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.PRESENT


def normalise_for_search(text: str) -> str:
    """NFKC, straight quote marks, single spaces: what "verbatim" survives on a web page."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS)
    return _SPACE.sub(" ", text).strip()


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def page_text(markup: str) -> str:
    """The visible text of an HTML page (or plain text), normalised for searching."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return normalise_for_search("".join(parser.parts))


def judge_page(url: str, text: str, quotes: Sequence[QuoteRef]) -> UrlReport:
    """present or changed, from a page's extracted text."""
    missing = tuple(q for q in quotes if normalise_for_search(q.text) not in text)
    if missing:
        return UrlReport(
            url,
            Verdict.CHANGED,
            f"{len(missing)} of {len(quotes)} quote(s) no longer on the page",
            missing,
            len(quotes),
        )
    return UrlReport(url, Verdict.PRESENT, f"{len(quotes)} quote(s) found", (), len(quotes))


async def check_url(
    session: aiohttp.ClientSession, url: str, quotes: Sequence[QuoteRef], timeout: float
) -> UrlReport:
    """Fetch one page and judge it; never raises for network trouble."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            if response.status in (404, 410):
                return UrlReport(url, Verdict.GONE, f"HTTP {response.status}", tuple(quotes))
            if response.status >= 400:
                return UrlReport(
                    url, Verdict.UNREACHABLE, f"HTTP {response.status}", checked=len(quotes)
                )
            body = await _read_limited(response)
            text = body.decode(response.charset or "utf-8", errors="replace")
    except TimeoutError:
        return UrlReport(url, Verdict.UNREACHABLE, f"no answer within {timeout:g}s")
    except aiohttp.ClientConnectorError as exc:
        return UrlReport(url, Verdict.UNREACHABLE, f"cannot connect: {exc.os_error}")
    except (aiohttp.ClientError, ValueError, LookupError) as exc:
        return UrlReport(url, Verdict.UNREACHABLE, f"{type(exc).__name__}: {exc}")
    return judge_page(url, page_text(text), quotes)


async def _read_limited(response: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_PAGE_BYTES:
            break
    return b"".join(chunks)


async def check_online(
    by_source: Mapping[str, Sequence[QuoteRef]],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[UrlReport]:
    """One report per URL, in URL order; at most ``concurrency`` requests at a time."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    limit = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9,*/*;q=0.5"}

    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one(url: str) -> UrlReport:
            async with limit:
                return await check_url(session, url, by_source[url], timeout)

        return list(await asyncio.gather(*(one(url) for url in sorted(by_source))))
