"""The bot's minute-by-minute heap trim runs in the real client (see bot.ops.heap)."""

from __future__ import annotations

import pytest

from bot.ops.heap import release_free_heap
from tests.discord.harness import World, running


@pytest.mark.skipif(release_free_heap() is None, reason="malloc_trim is glibc-only")
async def test_the_running_bot_trims_its_heap(world: World) -> None:
    async with running(world) as bot:
        cog = bot.get_cog("HeapTrim")  # loaded as an extension: its own module object
        assert cog is not None
        assert cog.trim.is_running()
        assert cog.trims >= 1  # the first trim runs as the extension loads
