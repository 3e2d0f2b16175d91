"""Free heap memory goes back to the system, once or every minute (the bot: tests/discord)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.ops import heap
from bot.ops.heap import release_free_heap, trim_heap_every

needs_glibc = pytest.mark.skipif(release_free_heap() is None, reason="malloc_trim is glibc-only")


def resident_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@needs_glibc
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_trim_returns_freed_memory_that_live_blocks_keep_in_the_heap() -> None:
    blocks = [bytearray(1000) for _ in range(60_000)]  # over pymalloc's limit: malloc
    survivors = blocks[::50]  # one live block per ~50 KB keeps the heap from shrinking
    del blocks
    before = resident_mb()
    assert release_free_heap() is True
    after = resident_mb()
    assert before - after > 20, (before, after)
    assert len(survivors) == 1200


async def test_the_periodic_trim_stops_where_there_is_no_malloc_trim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heap, "_malloc_trim", lambda: None)
    await asyncio.wait_for(trim_heap_every(0.01), timeout=5)  # returns instead of looping


@needs_glibc
async def test_the_periodic_trim_repeats_until_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool | None] = []
    real = heap.release_free_heap
    monkeypatch.setattr(heap, "release_free_heap", lambda: calls.append(real()) or calls[-1])
    task = asyncio.create_task(trim_heap_every(0.01))
    for _ in range(500):
        if len(calls) >= 3:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(calls) >= 3
