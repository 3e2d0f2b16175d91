"""Free heap memory goes back to the system (the bot's trim: tests/discord)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from bot.ops.heap import release_free_heap

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
