"""Hold back Python's cycle collector while a knowledge base is read and indexed.

Building an index allocates about a hundred thousand small dicts, tuples and
strings, none of them in reference cycles. Each burst of allocations starts a
collection that walks the live objects (all of discord.py, in the bot), which
cost a fifth or more of a first start and freed nothing; on a 100x pack, 8 of
43 seconds. Reference counting still frees memory as usual while paused; only
the search for cycles waits.

When the last paused build ends, the collector is switched back on and makes
one full pass at once. Left to itself it would make that pass at some later
allocation, in the middle of answering: on a 100x pack that put an 0.8 s stall
into the first questions after start-up.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """Counts overlapping pauses (reloads may run in threads) so only the last one resumes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.resume = False

    def enter(self) -> None:
        with self.lock:
            if self.depth == 0:
                self.resume = gc.isenabled()
                gc.disable()
            self.depth += 1

    def leave(self) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth == 0 and self.resume:
                gc.enable()
                gc.collect()


_PAUSES = _Pauses()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block without cyclic garbage collection, then collect once and restore
    the previous setting (a collector that was off stays off, uncollected)."""
    _PAUSES.enter()
    try:
        yield
    finally:
        _PAUSES.leave()
