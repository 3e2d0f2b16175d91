"""Markdown tables from a results dict (run_all.py's results.json), so saved runs re-render.

Usage: python bench/report.py [bench/results/results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from common import RESULTS

METRICS = ("forced_top1", "auto_precision", "auto_recall", "false_answer_rate", "coverage")
METRIC_NAMES = ("forced top-1", "auto precision", "auto recall", "false answers", "coverage")
LABELS = {
    "disputebot": "disputebot, first start",
    "disputebot-restart": "disputebot, restart (index cache)",
    "bm25": "BM25 + off-topic",
    "minilm": "MiniLM + off-topic",
}
P99_TARGET_MS = 5.0
STARTUP_TARGET_MS = 300.0


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ms(value: float, estimated: bool = False) -> str:
    text = f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return ("≈" if estimated else "") + text


def pct(value: float) -> str:
    return f"{value:.1%}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2g}×" if b else "–"


def render(results: dict[str, Any]) -> str:
    parts = [machine(results["meta"]), evaluation(results["eval"])]
    if results.get("quality_cv"):
        parts.append(cv_quality(results["quality_cv"]))
    for split, title in (
        ("holdout", "holdout split"),
        ("full", "full set"),
        ("tune", "tune split"),
    ):
        parts.append(quality(results["quality"], split, title, results["eval"]))
    scaling = results.get("scaling", [])
    if scaling:
        parts += [speed(scaling[0]), phases(scaling), growth(scaling)]
    parts.append(bot(results.get("bot", {})))
    return "\n\n".join(p for p in parts if p) + "\n"


def machine(meta: dict[str, Any]) -> str:
    commit = meta["commit"] + (" + uncommitted changes" if meta["uncommitted_changes"] else "")
    packages = ", ".join(f"{k} {v}" for k, v in meta["packages"].items())
    return "\n".join(
        [
            "### Run",
            f"- date: {meta['date']}; commit: {commit}",
            f"- machine: {meta['cpu']}, {meta['cores']} cores, {meta['memory_gib']} GiB; "
            f"Python {meta['python']}; {packages}",
            f"- load average (1 min) at start {meta['load_average']:.2f}, "
            f"at end {meta.get('load_average_end', float('nan')):.2f}",
        ]
    )


def evaluation(info: dict[str, Any]) -> str:
    counts = ", ".join(
        f"{k}: {v['questions']} ({v['dispute']} dispute, {v['none']} none)"
        for k, v in info["splits"].items()
    )
    return f"Labelled questions from {', '.join(info['files'])}; {counts}."


def quality(rows: list[dict[str, Any]], split: str, title: str, info: dict[str, Any]) -> str:
    headers = ["method", "threshold", "ratio", "tuned ok", *METRIC_NAMES, "topics shown"]
    body = []
    for row in rows:
        m = row["metrics"][split]
        tuned = "shipped" if row["constrained"] is None else "yes" if row["constrained"] else "no*"
        body.append(
            [
                row["name"],
                f"{row['threshold']:.3g}",
                f"{row['ratio']:.1f}",
                tuned,
                *(pct(m[k]) for k in METRICS),
                f"{row['shown'][split]:.2f}",
            ]
        )
    n = info["splits"][split]["questions"]
    text = f"### Answer quality, {title} ({n} questions)\n\n" + table(headers, body)
    odd = [f"{r['name']} ({r['mismatches']})" for r in rows if r.get("mismatches")]
    if odd:
        text += "\n\nWARNING: the threshold sweep disagreed with `decide` on: " + ", ".join(odd)
    return text


def cv_quality(results: dict[str, Any]) -> str:
    """bench/quality_cv.py's figures: pooled held-out folds, all questions and real ones."""
    info, rows = results["info"], results["rows"]
    headers = ["method", *METRIC_NAMES, "answered", "topics shown", "threshold per fold", "ratio"]
    names = {"all": "all labelled questions", "real": "the real forum questions only"}
    parts = []
    for subset, title in names.items():
        q = info["questions"][subset]
        body = []
        for row in rows:
            m = row["metrics"][subset]
            body.append(
                [
                    row["name"],
                    *(pct(m[k]) for k in METRICS),
                    str(row["counts"][subset]["answered"]),
                    f"{row['shown'][subset]:.2f}",
                    *_fold_settings(row["folds"]),
                ]
            )
        parts.append(
            f"### Answer quality, {info['folds']}-fold cross-validation, {title} "
            f"({q['questions']}: {q['dispute']} dispute, {q['none']} none)\n\n"
            + table(headers, body)
        )
    odd = [
        f"{r['name']} ({sum(f['mismatches'] for f in r['folds'])})"
        for r in rows
        if any(f["mismatches"] for f in r["folds"])
    ]
    loose = [r["name"] for r in rows if any(f["constrained"] is False for f in r["folds"])]
    notes = [
        f"Folds: bot.engine.tooling.training.folds(items, {info['folds']}, seed={info['seed']}), "
        f"held-out sizes {', '.join(map(str, info['fold_sizes']))}; held-out folds pooled.",
        "disputebot: the ranker's own threshold and extra-topic cut, trained per fold; "
        "the others: tuning.choose on the training folds (precision >= 95%, "
        "false answers <= 5%).",
    ]
    if loose:
        notes.append("* no threshold met both constraints on some fold: " + ", ".join(loose))
    if odd:
        notes.append("WARNING: the threshold sweep disagreed with `decide` on: " + ", ".join(odd))
    return "\n\n".join(parts) + "\n\n" + "\n".join(f"- {n}" for n in notes)


def _fold_settings(folds: list[dict[str, Any]]) -> list[str]:
    """The range of thresholds and the ratios chosen over the folds ('learned' for the ranker)."""
    if all(f["threshold"] is None for f in folds):
        return ["learned", "learned"]
    low = min(f["threshold"] for f in folds)
    high = max(f["threshold"] for f in folds)
    star = "*" if any(f["constrained"] is False for f in folds) else ""
    spread = f"{low:.3g}" if f"{low:.3g}" == f"{high:.3g}" else f"{low:.3g}–{high:.3g}"
    ratios = sorted({f["ratio"] for f in folds})
    return [spread + star, "/".join(f"{r:.1f}" for r in ratios)]


def speed(row: dict[str, Any]) -> str:
    timings = row["timings"]
    base = timings.get("disputebot", {})
    headers = [
        "method",
        "runs",
        "import ms",
        "start-up ms",
        "p50 ms",
        "p99 ms",
        "RSS MB",
        "data MB",
        "p50 / disputebot",
        "start-up / disputebot",
        "RSS / disputebot",
    ]
    body = []
    for key, t in timings.items():
        if t["error"]:
            body.append([LABELS.get(key, key), "failed: " + t["error"], *[""] * 9])
            continue
        body.append(
            [
                LABELS.get(key, key),
                str(t["runs"]),
                ms(t["import_ms"]),
                ms(t["startup_ms"], t["startup_estimated"]),
                ms(t["p50_ms"]),
                ms(t["p99_ms"]),
                f"{t['rss_mb']:.0f}",
                f"{t['data_mb']:.0f}",
                ratio(t["p50_ms"], base.get("p50_ms", 0)),
                ratio(t["startup_ms"], base.get("startup_ms", 0)),
                ratio(t["rss_mb"], base.get("rss_mb", 0)),
            ]
        )
    text = "### Speed and size, shipped pack (1×)\n\n" + table(headers, body)
    if base and not base["error"]:
        p99_ok = "meets" if base["p99_ms"] <= P99_TARGET_MS else "misses"
        restart = timings.get("disputebot-restart") or base
        up_ok = "meets" if restart["startup_ms"] <= STARTUP_TARGET_MS else "misses"
        text += (
            f"\n\ndisputebot targets: p99 {ms(base['p99_ms'])} ms {p99_ok} ≤ {P99_TARGET_MS:g} ms;"
            f" start-up {ms(restart['startup_ms'])} ms on a restart {up_ok}"
            f" ≤ {STARTUP_TARGET_MS:g} ms ({ms(base['startup_ms'])} ms on a first start or"
            " after the knowledge changed, when the index is built)."
        )
    return text


def phases(rows: list[dict[str, Any]]) -> str:
    headers = [
        "pack",
        "read ms",
        "index ms",
        "read + index",
        "AnswerEngine.load measured",
        "not_example check ms (reloads, kb validate)",
    ]
    body = []
    for row in rows:
        t = row["timings"].get("disputebot", {})
        p = t.get("phases") or {}
        if not p:
            continue
        sampled = p["check_timed"] < p["not_examples"]
        check = ms(p["check_ms"], sampled) + f" ({p['check_timed']} of {p['not_examples']} timed)"
        body.append(
            [
                f"{row['factor']}×",
                ms(p["read_ms"]),
                ms(p["index_ms"]),
                ms(p["read_ms"] + p["index_ms"]),
                ms(t["startup_ms"]),
                check,
            ]
        )
    return "### disputebot loading, phase by phase\n\n" + table(headers, body) if body else ""


def growth(rows: list[dict[str, Any]]) -> str:
    first = {k: t for k, t in rows[0]["timings"].items() if not t["error"]}
    headers = [
        "pack",
        "topics / entries / phrasings",
        "method",
        "start-up ms",
        "p50 ms",
        "p99 ms",
        "RSS MB",
        "start-up vs 1×",
        "p50 vs 1×",
        "RSS vs 1×",
    ]
    body = []
    for row in rows:
        size = row["size"]
        shape = f"{size['topics']} / {size['entries']} / {size['phrasings']:,}"
        for key, t in row["timings"].items():
            label = [f"{row['factor']}×", shape, LABELS.get(key, key)]
            if t["error"]:
                body.append([*label, "failed: " + t["error"], *[""] * 6])
                continue
            one = first.get(key, {})
            body.append(
                [
                    *label,
                    ms(t["startup_ms"], t["startup_estimated"]),
                    ms(t["p50_ms"]),
                    ms(t["p99_ms"]),
                    f"{t['rss_mb']:.0f}",
                    ratio(t["startup_ms"], one.get("startup_ms", 0)),
                    ratio(t["p50_ms"], one.get("p50_ms", 0)),
                    ratio(t["rss_mb"], one.get("rss_mb", 0)),
                ]
            )
    notes = sorted({n for row in rows for t in row["timings"].values() for n in t["notes"]})
    text = "### Growth with pack size\n\n" + table(headers, body)
    return text + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "")


def bot(info: dict[str, Any]) -> str:
    title = "### Discord bot throughput (bench/bot_throughput.py)\n\n"
    if not info.get("available"):
        return title + "Not yet available."
    status = "" if info["returncode"] == 0 else f"(exited {info['returncode']})\n\n"
    return title + status + "```\n" + (info["output"] or "(no output)") + "\n```"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "results.json"
    print(render(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
