"""Log-once bookkeeping of storage faults and the health snapshot built from it.

A broken disk fails every call; logging each one would bury the log, so each fault
kind is logged once per outage and the recovery once when it ends. An outage ends
when an operation of the kind that failed succeeds again: while writes fail on a
read-only or locked file, successful reads do not count as recovery.

Some faults flap: on a nearly full disk small writes succeed and large ones fail,
which would log "fault"/"recovered" pairs on every alternation. So a kind that was
logged less than ``relog_interval_s`` ago is not logged again (nor is the end of
that outage); counters and ``health()`` still see every failure.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

from bot.storage.faults import FaultKind

LOGGER_NAME: Final = "disputebot.storage"

_WARNING_KINDS: Final = frozenset({FaultKind.LOCKED, FaultKind.MISSING})

DEFAULT_RELOG_INTERVAL_S: Final = 600.0


class FaultMonitor:
    """Counts faults and failed operations, logs each fault kind once per outage, and
    logs the recovery once."""

    def __init__(
        self,
        clock: Callable[[], float],
        logger: logging.Logger | None = None,
        *,
        relog_interval_s: float = DEFAULT_RELOG_INTERVAL_S,
    ) -> None:
        self._clock = clock
        self._log = logger or logging.getLogger(LOGGER_NAME)
        self._relog_interval_s = relog_interval_s
        self._announced_at: dict[FaultKind, float] = {}
        self._announced = False
        self._seen: Counter[FaultKind] = Counter()
        self._logged: set[FaultKind] = set()
        self._write_outage = False
        self._read_outage = False
        self._current: FaultKind | None = None
        self._outage_failures = 0
        self._failed_operations = 0
        self._last_kind: FaultKind | None = None
        self._last_error: str | None = None
        self._last_at: float | None = None

    @property
    def in_outage(self) -> bool:
        return self._read_outage or self._write_outage

    @property
    def current(self) -> FaultKind | None:
        """The kind of the latest failure of the ongoing outage, or None when healthy."""
        return self._current

    def fault(self, kind: FaultKind, exc: BaseException, *, op: str, write: bool) -> None:
        """Record a fault met while running ``op``; logs only the first of each kind per
        outage. Whether the operation itself failed is reported with :meth:`failed`."""
        self._seen[kind] += 1
        self._current = kind
        self._last_kind = kind
        self._last_error = f"{type(exc).__name__}: {exc}"
        now = self._clock()
        self._last_at = now
        self._open_outage(write=write)
        if kind in self._logged:
            return
        self._logged.add(kind)
        previous = self._announced_at.get(kind)
        if previous is not None and now - previous < self._relog_interval_s:
            return  # flapping: this kind was announced moments ago
        self._announced_at[kind] = now
        self._announced = True
        level = logging.WARNING if kind in _WARNING_KINDS else logging.ERROR
        self._log.log(
            level,
            "storage fault '%s' in %s: %s. The bot keeps running without storage for this; "
            "further '%s' faults are not logged until storage recovers.",
            kind.value,
            op,
            self._last_error,
            kind.value,
            exc_info=exc if kind is FaultKind.OTHER else None,
            extra={"storage_fault": kind.value},
        )

    def failed(self, *, write: bool) -> None:
        """Record an operation that returned its failure value."""
        self._failed_operations += 1
        self._outage_failures += 1
        self._open_outage(write=write)

    def _open_outage(self, *, write: bool) -> None:
        if write:
            self._write_outage = True
        else:
            self._read_outage = True

    def succeeded(self, *, write: bool) -> None:
        """Record a successful operation; ends the outage if it was of the kind that failed."""
        if not self.in_outage or (self._write_outage and not write):
            return
        if self._announced:
            self._log.info(
                "storage recovered after %d failed operation(s); last fault was '%s'",
                self._outage_failures,
                self._current.value if self._current else "unknown",
                extra={"storage_recovered": True},
            )
        self._announced = False
        self._logged.clear()
        self._write_outage = False
        self._read_outage = False
        self._current = None
        self._outage_failures = 0

    def snapshot(self) -> dict[str, Any]:
        """Counters for ``Store.health()``."""
        return {
            "fault": self._current.value if self._current else None,
            "last_fault": self._last_kind.value if self._last_kind else None,
            "last_fault_at": self._last_at,
            "last_error": self._last_error,
            "faults_seen": {kind.value: count for kind, count in self._seen.items()},
            "failed_operations": self._failed_operations,
        }
