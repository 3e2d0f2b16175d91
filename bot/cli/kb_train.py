"""`disputebot kb train`: fit the ranker on the knowledge and the labelled questions.

Run it after any change to phrasings, keywords, not_examples, the pack or the
labelled questions in eval/; it writes <knowledge>/<platform>/ranker.npz, which
the bot loads with the knowledge (and `/kb reload` picks up).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bot.cli.common import EXIT_OK, CliError, add_knowledge_options, load_engine, load_settings
from bot.cli.labelled import default_labelled_files, read_all, read_held_out
from bot.engine.matching.ranker import MODEL_FILE


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    train = commands.add_parser(
        "train", help="train the ranker and answer gate on the knowledge and labelled questions"
    )
    train.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="labelled JSON lines (default: every eval/*.jsonl beside the knowledge folder)",
    )
    train.add_argument(
        "--calibration",
        nargs="*",
        type=Path,
        help="held-out labelled JSON lines that only set the answer threshold, never train "
        "(default: every eval/calibration/*.jsonl)",
    )
    train.add_argument("--output", type=Path, help=f"model file (default: <pack>/{MODEL_FILE})")
    add_knowledge_options(train)
    train.set_defaults(handler=run_train)


def run_train(args: argparse.Namespace) -> int:
    from bot.engine.tooling.training import Trainer

    settings = load_settings()
    root = args.knowledge or settings.knowledge_dir
    platform = args.platform or settings.platform
    files = args.files or default_labelled_files(root)
    if not files:
        raise CliError(f"no labelled questions: pass files or add {root.parent / 'eval'}/*.jsonl")
    items = read_all(files)
    calibration = read_held_out(args.calibration, root, items)
    engine = load_engine(args, settings)
    started = time.perf_counter()
    ranker = Trainer(engine.kb, engine.matcher).fit(items, calibration)
    output = args.output or Path(root) / platform / MODEL_FILE
    ranker.save(output)
    counts = ranker.meta["trained_on"]
    assert isinstance(counts, dict)  # written by Trainer.fit as phrasings/off_topic/labelled
    print(
        f"trained on {counts['phrasings']} phrasings, {counts['off_topic']} off_topic examples "
        f"and {counts['labelled']} labelled questions from {len(files)} file(s) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    bars = ranker.meta["bars"]
    assert isinstance(bars, dict)  # written by Trainer.fit: the threshold is the higher bar
    print(
        f"answer threshold (calibrated probability): {ranker.threshold:.3f}, the higher of "
        f"{bars['calibrating']:.3f} (set on {counts['calibrating']} real forum posts and "
        f"{counts['held_out_calibration']} held-out questions) and {bars['all_questions']:.3f} "
        f"(the product's targets on all {counts['labelled']} training questions)"
    )
    print(f"wrote {output}")
    return EXIT_OK
