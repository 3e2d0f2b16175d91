"""`disputebot kb check-sources`: offline against snapshots, online against a local site."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli import main
from tests.conftest import SHIPPED_KNOWLEDGE

PAGES = {
    "/refunds": (
        200,
        "<p>A buyer not liking an order is not enough grounds for a refund.</p>"
        "<p>Refunds are reviewed case by case.</p>",
    ),
    "/old-tos": (200, "<p>These terms were rewritten.</p>"),
    "/late": (410, "gone"),
}


@pytest.fixture
def local_site() -> Iterator[str]:
    """A local site in a thread (the CLI runs its own event loop): /contact never answers."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    release = asyncio.Event()
    holder: dict[str, object] = {}

    async def page(request: web.Request) -> web.Response:
        if request.path == "/contact":
            await release.wait()
        status, text = PAGES.get(request.path, (404, "no"))
        return web.Response(status=status, text=text, content_type="text/html")

    async def start() -> None:
        app = web.Application()
        app.router.add_get("/{name}", page)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        holder["runner"] = runner
        holder["url"] = f"http://127.0.0.1:{runner.addresses[0][1]}"
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    ready.wait()
    try:
        yield str(holder["url"])
    finally:

        async def stop() -> None:
            release.set()
            await holder["runner"].cleanup()  # type: ignore[attr-defined]

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_shipped_knowledge_quotes_are_all_in_their_snapshots(capsys) -> None:
    code = main(["kb", "check-sources", str(SHIPPED_KNOWLEDGE)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fiverr: ok:" in out and "0 not verbatim" in out


def test_misquotes_fail_with_their_place_and_stale_entries_are_listed(
    demo_knowledge: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("DISPUTEBOT_STALE_AFTER_DAYS", "1")
    entries = demo_knowledge / "demo" / "entries.yaml"
    entries.write_text(entries.read_text().replace("after 24 hours", "after 48 hours"))
    code = main(["kb", "check-sources", str(demo_knowledge)])
    out = capsys.readouterr().out
    assert code == 1
    assert "entry 'late-basics' policy[1]: not found verbatim" in out
    assert "'The buyer can cancel a late order after 48 hours.'" in out
    assert "demo: FAILED: 4 quote(s) in 3 entries" in out
    assert "stale: 3 entries reviewed more than 1 days ago" in out
    assert "'refund-taste' reviewed 2026-01-15" in out


def test_online_reports_each_url(demo_knowledge: Path, local_site: str, capsys) -> None:
    for path in (
        demo_knowledge / "demo" / "entries.yaml",
        demo_knowledge / "sources" / "demo-policy.yaml",
    ):
        path.write_text(path.read_text().replace("https://example.test", local_site))
    code = main(["kb", "check-sources", str(demo_knowledge), "--online", "--timeout", "0.3"])
    out = capsys.readouterr().out
    assert code == 1
    assert "demo: ok:" in out
    assert f"[still present] {local_site}/refunds: 1 quote(s) found" in out
    assert f"[changed] {local_site}/old-tos: 1 of 1 quote(s) no longer on the page" in out
    assert "policy[2]: 'Orders are not eligible for refunds based on taste.'" in out
    assert f"[gone] {local_site}/late: HTTP 410" in out
    assert f"[unreachable] {local_site}/contact: no answer within 0.3s" in out
    assert "online: 1 still present, 1 changed, 1 gone, 1 unreachable" in out


def test_bad_options_are_usage_errors(demo_knowledge: Path, capsys) -> None:
    code = main(["kb", "check-sources", str(demo_knowledge), "--concurrency", "0"])
    assert code == 2
    assert "--concurrency" in capsys.readouterr().err
