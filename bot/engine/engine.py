"""The answer engine: one loaded knowledge base and its matcher, swapped atomically.

Both the Discord layer and the command line talk to this object. A reload builds
a complete new knowledge base and matcher first and swaps them in only when the
files validate, so readers always see one consistent, working pair.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from bot.engine.answers.answer import Answer, compose
from bot.engine.knowledge.consistency import check_not_examples
from bot.engine.knowledge.loader import DEFAULT_STALE_DAYS
from bot.engine.knowledge.models import KnowledgeBase
from bot.engine.knowledge.problems import KnowledgeError, Problem, ProblemLog
from bot.engine.knowledge.validation import BuildContext, Validated, validate_pack
from bot.engine.matching.index_cache import IndexCache
from bot.engine.matching.matcher import Matcher, MatchResult, MatchSettings


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
    _fingerprints: dict[str, str] | None = None

    def fingerprints(self) -> dict[str, str]:
        """Content hashes per entry, computed on the first reload that needs them."""
        if self._fingerprints is None:
            self._fingerprints = {entry.id: entry.fingerprint() for entry in self.kb.entries}
        return self._fingerprints


class AnswerEngine:
    """Holds the current knowledge; reload() never replaces it with a broken one."""

    def __init__(
        self,
        root: Path,
        platform: str = "fiverr",
        *,
        settings: MatchSettings | None = None,
        stale_after_days: int = DEFAULT_STALE_DAYS,
        index_cache_dir: Path | None = None,
        build_context: BuildContext = nullcontext,
    ) -> None:
        """index_cache_dir, when given, keeps built indexes so unchanged knowledge loads faster;
        every load reads and indexes inside build_context() (see validate_pack)."""
        self.root = Path(root)
        self.platform = platform
        self.settings = settings or MatchSettings()
        self.stale_after_days = stale_after_days
        self.index_cache = IndexCache(index_cache_dir) if index_cache_dir else None
        self.build_context = build_context
        self._loaded: _Loaded | None = None
        self.last_load: Validated | None = None

    @classmethod
    def load(
        cls,
        root: Path,
        platform: str = "fiverr",
        *,
        consistency: bool = False,
        settings: MatchSettings | None = None,
        stale_after_days: int = DEFAULT_STALE_DAYS,
        index_cache_dir: Path | None = None,
        build_context: BuildContext = nullcontext,
    ) -> AnswerEngine:
        """Create an engine and load it, raising KnowledgeError with every problem on failure.

        The not_example consistency checks are off by default here: they lint the
        knowledge rather than make it usable, and `kb validate`, reloads and
        check_consistency() run them.
        """
        engine = cls(
            root,
            platform,
            settings=settings,
            stale_after_days=stale_after_days,
            index_cache_dir=index_cache_dir,
            build_context=build_context,
        )
        outcome = engine.reload(consistency=consistency)
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

    def reload(
        self, *, consistency: bool = True, commit: Callable[[], bool] | None = None
    ) -> ReloadOutcome:
        """Re-read and validate the pack; swap it in only if it has no errors.

        ``commit`` is asked just before anything changes; False discards the result, so
        a reload abandoned for taking too long cannot land later (discord_app/reloading.py).
        """
        started = time.perf_counter()
        result = validate_pack(
            self.root,
            self.platform,
            settings=self.settings,
            stale_after_days=self.stale_after_days,
            consistency=consistency,
            index_cache=self.index_cache,
            build_context=self.build_context,
        )
        if commit is not None and not commit():
            return ReloadOutcome(False, result.problems, seconds=time.perf_counter() - started)
        self.last_load = result
        if result.kb is None or result.matcher is None:
            return ReloadOutcome(False, result.problems, seconds=time.perf_counter() - started)
        previous = self._loaded
        self._loaded = _Loaded(result.kb, result.matcher)
        new_ids = {entry.id for entry in result.kb.entries}
        added: tuple[str, ...]
        changed: tuple[str, ...]
        removed: tuple[str, ...]
        if previous is None:
            added, changed, removed = tuple(entry.id for entry in result.kb.entries), (), ()
        else:
            old, new = previous.fingerprints(), self._loaded.fingerprints()
            added = tuple(sorted(new_ids - set(old)))
            changed = tuple(sorted(k for k in new if k in old and old[k] != new[k]))
            removed = tuple(sorted(set(old) - new_ids))
        return ReloadOutcome(
            ok=True,
            problems=result.problems,
            added=added,
            changed=changed,
            removed=removed,
            seconds=time.perf_counter() - started,
            entries=len(new_ids),
        )

    def check_consistency(self) -> list[Problem]:
        """The not_example checks on the running knowledge (for a start-up that skipped them)."""
        loaded = self._loaded
        if loaded is None:
            raise RuntimeError("knowledge has not been loaded")
        log = ProblemLog()
        check_not_examples(loaded.kb, loaded.matcher, log)
        return log.problems

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
