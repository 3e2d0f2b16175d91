"""Give free heap memory back to the operating system, where the C library allows it.

A long-running bot allocates and frees many short-lived blocks (messages, answers,
query vectors). glibc keeps freed memory inside its heap for reuse, and once a few
live blocks sit between free ones, the space stays counted in the process's
resident memory although nothing uses it: in the soak, live memory stayed flat
while RSS crept up by a few MB an hour (docs/reliability.md). malloc_trim(0) hands
those free pages back. It is glibc-only; elsewhere this does nothing.

The bot runs trim_heap_every beside the Discord client (runner.serve): a trim takes
a few milliseconds on the bot's heap, so once a minute on the event loop costs
nothing members notice.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from functools import cache
from typing import Any

log = logging.getLogger("disputebot.heap")

TRIM_SECONDS = 60.0


@cache
def _malloc_trim() -> Any | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_heap() -> bool | None:
    """True if memory was returned, False if there was none to return, None if unsupported."""
    trim = _malloc_trim()
    if trim is None:
        return None
    return bool(trim(0))


async def trim_heap_every(seconds: float = TRIM_SECONDS) -> None:
    """release_free_heap now and then every `seconds`, until cancelled; returns at once
    where the C library has no malloc_trim."""
    while True:
        if release_free_heap() is None:
            log.debug("malloc_trim is not available here (not glibc); not trimming")
            return
        await asyncio.sleep(seconds)
