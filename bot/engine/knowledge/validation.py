"""Full validation of a pack: load it, build its matcher, check it against itself.

Both `disputebot kb validate` and every reload go through validate_pack, so what
the command line accepts is exactly what the bot will load.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from bot.engine.knowledge.consistency import check_not_examples
from bot.engine.knowledge.loader import DEFAULT_STALE_DAYS, load_pack
from bot.engine.knowledge.models import KnowledgeBase
from bot.engine.knowledge.problems import Problem, ProblemLog, SortsProblems
from bot.engine.knowledge.yaml_source import display_name
from bot.engine.matching.index_cache import IndexCache
from bot.engine.matching.matcher import Matcher, MatchSettings
from bot.engine.matching.ranker import MODEL_FILE, ModelFileError, Ranker

# Wraps reading and indexing a pack: the process that loads chooses (bot.ops.gc_pause).
BuildContext = Callable[[], AbstractContextManager[None]]


@dataclass(frozen=True)
class Validated(SortsProblems):
    """A pack ready to serve (kb and matcher both set), or the reasons it is not."""

    kb: KnowledgeBase | None
    matcher: Matcher | None
    problems: tuple[Problem, ...]
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.kb is not None and self.matcher is not None


def validate_pack(
    root: Path,
    platform: str,
    *,
    settings: MatchSettings | None = None,
    stale_after_days: int = DEFAULT_STALE_DAYS,
    consistency: bool = True,
    index_cache: IndexCache | None = None,
    build_context: BuildContext = nullcontext,
) -> Validated:
    """consistency=False skips the not_example checks (start-up runs them afterwards).

    index_cache only saves time: the files are read and validated either way.
    build_context is entered around reading the files and building the index (not
    the not_example checks); the bot and the CLI pass bot.ops.gc_pause.gc_paused.
    """
    log = ProblemLog()
    with build_context():
        loaded = load_pack(root, platform, stale_after_days=stale_after_days)
        if loaded.kb is None:
            return Validated(None, None, loaded.problems, loaded.files)
        ranker = load_ranker(Path(root), platform, log)
        matcher = Matcher(loaded.kb, settings, cache=index_cache, ranker=ranker)
        if ranker is not None and not matcher.ranker_is_current():
            log.warning(
                _model_name(Path(root), platform),
                None,
                "the ranker was trained on other knowledge (phrasings, keywords or pack "
                "changed); run `disputebot kb train` to retrain it",
            )
    log.problems[:0] = loaded.problems
    if consistency:
        check_not_examples(loaded.kb, matcher, log)
    if index_cache is not None:
        index_cache.write_pending()  # from a thread: the load is done, the index is built
    if log.errors:
        return Validated(None, None, tuple(log.problems), loaded.files)
    return Validated(loaded.kb, matcher, tuple(log.problems), loaded.files)


def load_ranker(root: Path, platform: str, log: ProblemLog) -> Ranker | None:
    """The pack's trained second stage, or None (with a warning) to answer with stage 1 alone.

    A missing, damaged or stale model never stops the knowledge from loading: the
    matcher still answers, and the warning says to run `disputebot kb train`. Staleness
    is the matcher's question (Matcher.ranker_is_current), asked once it is built.
    """
    try:
        return Ranker.load(root / platform / MODEL_FILE)
    except ModelFileError as exc:
        log.warning(
            _model_name(root, platform), None, f"{exc}; answering with the stage-1 matcher alone"
        )
        return None


def _model_name(root: Path, platform: str) -> str:
    return display_name(root / platform / MODEL_FILE, root)
