"""The running bot trims its heap (see bot.ops.heap): runner.serve runs the trim beside it."""

from __future__ import annotations

import asyncio

import pytest

from bot.ops import heap
from bot.ops.heap import release_free_heap
from tests.discord.harness import World, running


@pytest.mark.skipif(release_free_heap() is None, reason="malloc_trim is glibc-only")
async def test_the_running_bot_trims_its_heap(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    results: list[bool | None] = []

    def counted() -> bool | None:
        results.append(release_free_heap())
        return results[-1]

    monkeypatch.setattr(heap, "release_free_heap", counted)
    async with running(world):
        for _ in range(200):  # the first trim runs as the bot starts
            if results:
                break
            await asyncio.sleep(0.01)
        assert results and results[0] is not None
