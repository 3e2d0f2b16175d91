"""The answer engine: one loaded knowledge base and its matcher, swapped atomically.

Both the Discord layer and the command line talk to this object. A reload builds
a complete new knowledge base and matcher first and swaps them in only when the
files validate, so readers always see one consistent, working pair.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.answer import Answer, compose
from bot.engine.loader import DEFAULT_STALE_DAYS
from bot.engine.matcher import Matcher, MatchResult, MatchSettings
from bot.engine.models import KnowledgeBase
from bot.engine.problems import KnowledgeError, Problem
from bot.engine.validation import Validated, validate_pack


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did: whether it swapped, and what changed or went wrong."""

    ok: bool
    problems: tuple[Problem, ...]
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    seconds: float = 0.0
    entries: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity.value == "error"]

    def summary(self) -> str:
        if not self.ok:
            return (
                f"reload failed with {len(self.errors)} error(s); "
                "the running knowledge is unchanged"
            )
        return (
            f"reloaded {self.entries} entries: {len(self.added)} added, "
            f"{len(self.changed)} changed, {len(self.removed)} removed"
        )


@dataclass
class _Loaded:
    kb: KnowledgeBase
    matcher: Matcher
    fingerprints: dict[str, str] = field(default_factory=dict)


class AnswerEngine:
    """Holds the current knowledge; reload() never replaces it with a broken one."""

    def __init__(
        self,
        root: Path,
        platform: str = "fiverr",
        *,
        settings: MatchSettings | None = None,
        stale_after_days: int = DEFAULT_STALE_DAYS,
    ) -> None:
        self.root = Path(root)
        self.platform = platform
        self.settings = settings or MatchSettings()
        self.stale_after_days = stale_after_days
        self._loaded: _Loaded | None = None
        self.last_load: Validated | None = None

    @classmethod
    def load(cls, root: Path, platform: str = "fiverr", **kwargs: object) -> AnswerEngine:
        """Create an engine and load it, raising KnowledgeError with every problem on failure."""
        engine = cls(root, platform, **kwargs)  # type: ignore[arg-type]
        outcome = engine.reload()
        if not outcome.ok:
            raise KnowledgeError(list(outcome.problems))
        return engine

    @property
    def kb(self) -> KnowledgeBase:
        if self._loaded is None:
            raise RuntimeError("knowledge has not been loaded")
        return self._loaded.kb

    @property
    def matcher(self) -> Matcher:
        if self._loaded is None:
            raise RuntimeError("knowledge has not been loaded")
        return self._loaded.matcher

    def reload(self) -> ReloadOutcome:
        """Re-read and validate the pack; swap it in only if it has no errors."""
        started = time.perf_counter()
        result = validate_pack(
            self.root, self.platform, settings=self.settings, stale_after_days=self.stale_after_days
        )
        self.last_load = result
        if result.kb is None or result.matcher is None:
            return ReloadOutcome(False, result.problems, seconds=time.perf_counter() - started)
        matcher = result.matcher
        new = {entry.id: entry.fingerprint() for entry in result.kb.entries}
        old = self._loaded.fingerprints if self._loaded else {}
        self._loaded = _Loaded(result.kb, matcher, new)
        return ReloadOutcome(
            ok=True,
            problems=result.problems,
            added=tuple(sorted(set(new) - set(old))) if old else tuple(new),
            changed=tuple(sorted(k for k in new if k in old and old[k] != new[k])),
            removed=tuple(sorted(set(old) - set(new))),
            seconds=time.perf_counter() - started,
            entries=len(new),
        )

    def match(
        self, text: str, *, threshold: float | None = None, details: bool = True
    ) -> MatchResult:
        return self.matcher.match(text, threshold=threshold, details=details)

    def answer(
        self, text: str, *, threshold: float | None = None, details: bool = False
    ) -> tuple[MatchResult, Answer | None]:
        """Match and compose; the answer is None when nothing matched at all."""
        loaded = self._loaded
        if loaded is None:
            raise RuntimeError("knowledge has not been loaded")
        result = loaded.matcher.match(text, threshold=threshold, details=details)
        return result, compose(result, loaded.kb)
