"""Online source checks against a local HTTP server: present, changed, gone, unreachable."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp import web

from bot.engine.tooling.source_check import QuoteRef
from bot.engine.tooling.source_fetch import Verdict, check_online, normalise_for_search, page_text

KEPT = "A buyer not liking an order isn't enough grounds for a refund."
DROPPED = "Orders are not eligible for refunds based on taste."
PRESENT_PAGE = (
    "<html><head><title>Refunds</title><script>var q = 'Orders are not eligible';</script>"
    "</head><body><div>A buyer <b>not</b> liking an\n   order isn\u2019t enough</div>"
    "<p>grounds for a&nbsp;refund.</p></body></html>"
)


def quote(source: str, text: str, number: int = 1) -> QuoteRef:
    return QuoteRef("entry-a", "demo/entries.yaml", 15, number, source, text)


@pytest_asyncio.fixture
async def site() -> AsyncIterator[str]:
    """A local site: a page that still holds the quote, one that changed, 404, 503, a hang."""
    release = asyncio.Event()

    async def present(request: web.Request) -> web.Response:
        return web.Response(text=PRESENT_PAGE, content_type="text/html")

    async def changed(request: web.Request) -> web.Response:
        return web.Response(
            text="<p>Refunds are now decided by support.</p>", content_type="text/html"
        )

    async def gone(request: web.Request) -> web.Response:
        return web.Response(status=404, text="not here")

    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503, text="maintenance")

    async def hang(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="too late")

    app = web.Application()
    app.router.add_get("/present", present)
    app.router.add_get("/changed", changed)
    app.router.add_get("/gone", gone)
    app.router.add_get("/down", down)
    app.router.add_get("/hang", hang)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        release.set()
        await runner.cleanup()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_each_url_gets_one_verdict(site: str) -> None:
    refused = f"http://127.0.0.1:{closed_port()}/nothing"
    by_source = {
        f"{site}/present": [quote(f"{site}/present", KEPT)],
        f"{site}/changed": [
            quote(f"{site}/changed", "Refunds are now decided by support.", 1),
            quote(f"{site}/changed", DROPPED, 2),
        ],
        f"{site}/gone": [quote(f"{site}/gone", KEPT)],
        f"{site}/down": [quote(f"{site}/down", KEPT)],
        f"{site}/hang": [quote(f"{site}/hang", KEPT)],
        refused: [quote(refused, KEPT)],
    }
    reports = {r.url: r for r in await check_online(by_source, timeout=0.3, concurrency=2)}
    assert reports[f"{site}/present"].verdict is Verdict.PRESENT
    assert reports[f"{site}/present"].ok
    changed = reports[f"{site}/changed"]
    assert changed.verdict is Verdict.CHANGED
    assert [q.number for q in changed.missing] == [2]
    assert changed.detail == "1 of 2 quote(s) no longer on the page"
    assert reports[f"{site}/gone"].verdict is Verdict.GONE
    assert reports[f"{site}/gone"].detail == "HTTP 404"
    assert reports[f"{site}/down"].verdict is Verdict.UNREACHABLE
    assert reports[f"{site}/down"].detail == "HTTP 503"
    assert reports[f"{site}/hang"].verdict is Verdict.UNREACHABLE
    assert "no answer within 0.3s" in reports[f"{site}/hang"].detail
    assert reports[refused].verdict is Verdict.UNREACHABLE
    assert "cannot connect" in reports[refused].detail
    assert list(reports) == sorted(by_source)


def test_page_text_drops_markup_scripts_and_layout_whitespace() -> None:
    text = page_text(PRESENT_PAGE)
    assert normalise_for_search(KEPT) in text
    assert "var q" not in text and "Refunds" not in text
    assert page_text("<p>one</p><p>two</p>") == "one two"
    assert page_text("re<b>fund</b>") == "refund"
    assert normalise_for_search("\u201cHe said\u201d  it\u2019s\n fine") == '"He said" it\'s fine'
