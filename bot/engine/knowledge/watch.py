"""Notice that knowledge files changed, and wait until they have stopped changing.

`disputebot run --watch` reloads the knowledge when its files change. Polling
the files' modification times and sizes needs no extra dependency and works on
every file system, including network mounts where change notifications do not.
Editors and `git pull` write several files in a burst, so a change is acted on
only once a poll sees nothing new: the reload reads a finished edit, not half of
one, and a burst of saves causes one reload, not five.
"""

from __future__ import annotations

import os
from pathlib import Path

# Relative path -> (modification time in ns, size in bytes).
FileState = dict[str, tuple[int, int]]

# YAML files, and the trained ranker (`disputebot kb train` writes <pack>/ranker.npz).
KNOWLEDGE_SUFFIXES = (".yaml", ".yml", ".npz")


def scan(root: Path) -> FileState:
    """The state of every knowledge file under root (symlinked folders are not followed)."""
    root = Path(root)
    state: FileState = {}
    for current, dirs, names in os.walk(root, followlinks=False):
        dirs.sort()
        for name in names:
            if not name.endswith(KNOWLEDGE_SUFFIXES):
                continue
            path = Path(current) / name
            try:
                info = path.stat()
            except FileNotFoundError:
                continue  # deleted between listing and stat: the next poll sees it gone
            state[path.relative_to(root).as_posix()] = (info.st_mtime_ns, info.st_size)
    return state


class ChangeDebouncer:
    """Fed one scan per poll; says when a change has settled and should be reloaded."""

    def __init__(self, initial: FileState, settle_polls: int = 1) -> None:
        if settle_polls < 1:
            raise ValueError("settle_polls must be at least 1")
        self.settle_polls = settle_polls
        self._loaded = initial
        self._last = initial
        self._quiet = 0

    @property
    def pending(self) -> bool:
        """Files differ from what was last reloaded."""
        return self._last != self._loaded

    def observe(self, state: FileState) -> bool:
        """True exactly once per settled change: after ``settle_polls`` polls without news."""
        if state != self._last:
            self._last = state
            self._quiet = 0
            return False
        if not self.pending:
            return False
        self._quiet += 1
        if self._quiet < self.settle_polls:
            return False
        self._loaded = state
        self._quiet = 0
        return True
