"""`disputebot eval`: matching quality on labelled questions."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bot.cli.common import EXIT_FAILED, EXIT_OK, CliError, add_knowledge_options, load_engine
from bot.cli.labelled import read_all, read_held_out
from bot.engine.engine import AnswerEngine
from bot.engine.tooling.evaluate import (
    LabelledQuestion,
    Report,
    evaluate,
    mean_metrics,
    meets_targets,
    summarise,
    wilson_interval,
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("eval", help="measure matching on labelled JSON lines")
    parser.add_argument("files", nargs="+", type=Path, help="evaluation files (JSON lines)")
    parser.add_argument("--worst", type=int, default=10, help="how many misses to list")
    parser.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--cv",
        type=int,
        metavar="K",
        help="K-fold cross-validation: retrain the ranker K times, each time scoring only "
        "questions it was not trained on (the honest figure; takes a few minutes)",
    )
    parser.add_argument(
        "--calibration",
        nargs="*",
        type=Path,
        help="with --cv: held-out questions that only set each fold's answer threshold "
        "(default: every eval/calibration/*.jsonl beside the knowledge folder)",
    )
    parser.add_argument(
        "--draws",
        type=int,
        default=1,
        metavar="N",
        help="with --cv: repeat it over N fold draws (fold seeds 0 to N-1) and print each "
        "draw's figures and their mean; on about a hundred real questions the draw alone "
        "moves recall by several points (N times as long)",
    )
    add_knowledge_options(parser)
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    items = read_all(args.files)
    engine = load_engine(args)
    draws: list[Report] = []
    if args.draws < 1 or (args.draws > 1 and args.cv is None):
        raise CliError("--draws needs --cv and a count of at least 1")
    if args.cv is not None:
        if not 2 <= args.cv <= len(items):
            raise CliError(f"--cv needs between 2 and {len(items)} folds")
        calibration = read_held_out(args.calibration, engine.root, items)
        draws = [
            cross_validated(engine, items, args.cv, calibration, quiet=args.json, seed=seed)
            for seed in range(args.draws)
        ]
        report = draws[0]
    else:
        report = evaluate(items, engine.match)
    if args.json:
        found: dict[str, object] = {
            "metrics": report.metrics,
            "counts": report.counts,
            "by_file": report.by_source,
            "tallies": report.tallies,
            "by_file_tallies": report.source_tallies,
        }
        if len(draws) > 1:
            found["draws"] = [{"metrics": r.metrics, "by_file": r.by_source} for r in draws]
            overall, by_file = mean_of_draws(draws)
            found["mean"] = {"metrics": overall, "by_file": by_file}
        print(json.dumps(found))
    else:
        print_report(report, args.worst)
        if len(draws) > 1:
            print_draws(draws)
    passed = all(meets_targets(report.metrics).values())
    return EXIT_FAILED if args.check and not passed else EXIT_OK


def cross_validated(
    engine: AnswerEngine,
    items: list[LabelledQuestion],
    k: int,
    calibration: list[LabelledQuestion],
    *,
    quiet: bool,
    seed: int = 0,
) -> Report:
    """Train and score fold by fold; the shipped model file is not used or changed.
    seed draws the folds (and the folds inside each fold); 0 is the official draw."""
    from bot.engine.tooling.training import Trainer, TrainSettings

    started = time.perf_counter()

    def progress(n: int, train: list[LabelledQuestion], test: list[LabelledQuestion]) -> None:
        if not quiet:
            print(
                f"fold {n + 1}/{k}: training on {len(train)}, scoring {len(test)} "
                f"({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
            )

    if not quiet and seed:
        print(f"fold draw {seed}:", file=sys.stderr)
    outcomes = Trainer(engine.kb, engine.matcher, TrainSettings(seed=seed)).cross_validate(
        items, k, on_fold=progress, calibration=calibration
    )
    if not quiet and not seed:
        print(f"{k}-fold cross-validation (each question scored by a model that never saw it)")
    return summarise(outcomes)


def mean_of_draws(
    draws: list[Report],
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The figures' means over fold draws: overall, and per file when there are files."""
    files = draws[0].by_source
    return (
        mean_metrics([r.metrics for r in draws]),
        {name: mean_metrics([r.by_source[name] for r in draws]) for name in files},
    )


def print_draws(draws: list[Report]) -> None:
    """Each draw's overall figures, then the mean overall and per file: the figure above is
    one draw, and on few questions (the real ones) another draw can read several points off."""
    overall, by_file = mean_of_draws(draws)
    rows = {f"draw {seed}, all": report.metrics for seed, report in enumerate(draws)}
    rows["mean, all"] = overall
    rows.update({f"mean, {name}": metrics for name, metrics in by_file.items()})
    print()
    print(f"Over {len(draws)} fold draws (seeds 0-{len(draws) - 1}):")
    print_figures("", rows)


def print_figures(heading: str, rows: dict[str, dict[str, float]]) -> None:
    """One row of the five figures (as percentages) per label, under their short names."""
    names = ("top-1", "prec.", "recall", "false", "cover.")
    print(f"  {heading:<26} " + " ".join(f"{n:>6}" for n in names))
    for label, metrics in rows.items():
        figures = " ".join(f"{100 * v:6.1f}" for v in metrics.values())
        print(f"  {label[:26]:<26} {figures}")


def tally_text(tally: tuple[int, int]) -> str:
    """A figure's count and its Wilson interval, such as "60/86, 95% interval 59.4-78.5%",
    so a reader can tell a real change from one post more or less."""
    hits, total = tally
    low, high = wilson_interval(hits, total)
    return f"{hits}/{total}, 95% interval {100 * low:.1f}-{100 * high:.1f}%"


def print_report(report: Report, worst: int) -> None:
    counts = report.counts
    print(
        f"{counts['questions']} questions: {counts['dispute']} dispute, {counts['none']} none; "
        f"{counts['answered']} answered unprompted"
    )
    targets = meets_targets(report.metrics)
    for name, value in report.metrics.items():
        verdict = "ok" if targets[name] else "BELOW TARGET"
        print(f"  {name:<18} {value:6.1%}  {verdict:<12}  {tally_text(report.tallies[name])}")
    if report.by_source:
        print()
        print_figures("file", report.by_source)
        print()
        print("  Recall per file, and where it could fall on another set like it (95%):")
        for source, tallies in report.source_tallies.items():
            if tallies["auto_recall"][1]:
                print(f"  {source[:26]:<26} {tally_text(tallies['auto_recall'])}")
    print()
    print(f"  {'topic':<22} {'n':>3} {'top-1':>6} {'auto':>6} {'covered':>8}")
    for topic, row in report.per_topic.items():
        print(f"  {topic:<22} {row.support:>3} {row.top1:>6} {row.answered:>6} {row.covered:>8}")
    misses = report.worst(worst)
    if misses:
        print()
        print("Worst misses:")
        for o in misses:
            got = ",".join(o.topics[:3]) or "-"
            want = ",".join(o.item.topics) or "none"
            flag = "ANSWERED" if o.answer else "silent"
            print(f"  {o.item.id}: {flag} {o.confidence:.2f} got [{got}] want [{want}]")
            print(f"      {o.item.text[:140]!r}")
