"""Give free heap memory back to the operating system, where the C library allows it.

A long-running bot allocates and frees many short-lived blocks (messages, answers,
query vectors). glibc keeps freed memory inside its heap for reuse, and once a few
live blocks sit between free ones, the space stays counted in the process's
resident memory although nothing uses it: in the soak, live memory stayed flat
while RSS crept up by a few MB an hour (docs/reliability.md). malloc_trim(0) hands
those free pages back. It is glibc-only; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


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
