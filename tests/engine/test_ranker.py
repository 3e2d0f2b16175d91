"""The learned second stage: training, the model file, cross-validation, and fallbacks."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.cli.labelled import default_calibration_files, default_labelled_files
from bot.engine.engine import AnswerEngine
from bot.engine.matching.ranker import (
    MODEL_FILE,
    ModelFileError,
    Ranker,
    candidate_rows,
    knowledge_fingerprint,
    rank_rows,
)
from bot.engine.matching.ranker import labelled_fingerprint as fingerprint_of
from bot.engine.tooling.evaluate import EvalFileError, LabelledQuestion, read_labelled
from bot.engine.tooling.training import (
    Trainer,
    TrainSettings,
    choose_threshold,
    folds,
)
from tests.conftest import SHIPPED_KNOWLEDGE

# Written for the demo pack's three topics (refunds, late, contact) and silence.
DEMO_LABELLED = [
    ("r1", "client hates the finished logo and demands his money back", ["refunds"]),
    ("r2", "buyer says quality bad, wants full refund after delivery", ["refunds"]),
    ("r3", "cx dont like my work want cancel and refund", ["refunds"]),
    ("r4", "she wants a refund only because of taste, is that allowed", ["refunds"]),
    ("r5", "refund request for a design that matches my gig exactly", ["refunds"]),
    ("r6", "he asks money back though i did everything in the offer", ["refunds"]),
    ("l1", "i will miss the deadline tomorrow what should i do", ["late"]),
    ("l2", "order is late by two days, buyer is angry", ["late"]),
    ("l3", "need more time, how to ask for an extension", ["late"]),
    ("l4", "cant finish on time because i was sick", ["late"]),
    ("l5", "delivery overdue, will the order be cancelled", ["late"]),
    ("l6", "running behind schedule on a big order", ["late"]),
    ("c1", "buyer wants my whatsapp number", ["contact"]),
    ("c2", "can i give the client my email address", ["contact"]),
    ("c3", "he is asking for my telegram", ["contact"]),
    ("c4", "is it ok to do a zoom call with a buyer", ["contact"]),
    ("c5", "client asks for my skype id before ordering", ["contact"]),
    ("c6", "may i share my phone number with a customer", ["contact"]),
    ("n1", "good morning everyone, have a great day", []),
    ("n2", "how do i change my profile picture", []),
    ("n3", "what laptop do you use for editing", []),
    ("n4", "congrats on level two everyone", []),
    ("n5", "best time of day to post a gig", []),
    ("n6", "which font pairs well with a serif logo", []),
]


def demo_items() -> list[LabelledQuestion]:
    return [LabelledQuestion(i, text, tuple(topics)) for i, text, topics in DEMO_LABELLED]


@pytest.fixture
def demo_trained(demo_knowledge: Path) -> tuple[Path, Ranker]:
    """The demo pack with a ranker trained on DEMO_LABELLED and saved beside it."""
    engine = AnswerEngine.load(demo_knowledge, "demo")
    ranker = Trainer(engine.kb, engine.matcher, TrainSettings(folds=3)).fit(demo_items())
    ranker.save(demo_knowledge / "demo" / MODEL_FILE)
    return demo_knowledge, ranker


def test_shipped_model_was_trained_on_the_shipped_knowledge_and_labels(
    shipped_engine: AnswerEngine,
) -> None:
    """Editing phrasings or eval/ without `disputebot kb train` fails here, not in production."""
    ranker = shipped_engine.matcher.ranker
    assert ranker is not None, "knowledge/fiverr/ranker.npz did not load"
    assert ranker.meta["knowledge"] == knowledge_fingerprint(shipped_engine.kb)
    items = [i for path in default_labelled_files(SHIPPED_KNOWLEDGE) for i in read_labelled(path)]
    assert ranker.meta["labelled"] == fingerprint_of(i.fingerprint_row for i in items)
    held_out = [i for p in default_calibration_files(SHIPPED_KNOWLEDGE) for i in read_labelled(p)]
    assert held_out, "eval/calibration/ holds the held-out questions that set the threshold"
    assert ranker.meta["calibration"] == fingerprint_of(i.fingerprint_row for i in held_out)
    assert not {i.text for i in held_out} & {i.text for i in items}, "held out means untrained"


def test_saved_model_loads_back_with_the_same_answers(demo_trained: tuple[Path, Ranker]) -> None:
    root, trained = demo_trained
    engine = AnswerEngine.load(root, "demo")
    loaded = engine.matcher.ranker
    assert loaded is not None
    assert loaded.threshold == pytest.approx(trained.threshold)
    for text in ("buyer wants my whatsapp", "i am late with the order", "hello all"):
        normal = engine.matcher.match(text).normal
        assert loaded.text_model.probabilities(normal) == pytest.approx(
            trained.text_model.probabilities(normal), abs=1e-6
        )
    result = engine.match("the client keeps asking for my whatsapp number")
    assert result.ranked
    assert result.main is not None and result.main.entry.topic == "contact"
    assert 0.0 <= result.confidence <= 1.0
    assert result.answer == (result.confidence >= result.threshold)


def test_cross_validation_scores_each_question_once_with_a_model_that_never_saw_it(
    demo_knowledge: Path,
) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    items = demo_items()
    trainer = Trainer(engine.kb, engine.matcher, TrainSettings(folds=2))
    seen: list[tuple[set[str], set[str]]] = []
    fitted_on: list[set[str]] = []
    original_fit = trainer.fit_text

    def spy(train: list[LabelledQuestion]) -> object:
        fitted_on.append({i.id for i in train})
        return original_fit(train)

    trainer.fit_text = spy  # type: ignore[method-assign]
    outcomes = trainer.cross_validate(
        items,
        3,
        on_fold=lambda n, train, test: seen.append(({i.id for i in train}, {i.id for i in test})),
    )
    assert sorted(o.item.id for o in outcomes) == sorted(i.id for i in items)
    assert len(seen) == 3
    tested = set()
    for train, test in seen:
        assert not train & test
        assert train | test == {i.id for i in items}
        tested |= test
    assert tested == {i.id for i in items}
    # Every text model fitted during a fold saw none of that fold's questions.
    per_fold = len(fitted_on) // 3
    for n, (_, test) in enumerate(seen):
        for fitted in fitted_on[n * per_fold : (n + 1) * per_fold]:
            assert not fitted & test


def test_folds_are_stratified_and_deterministic() -> None:
    items = demo_items()
    first = folds(items, 3, seed=0)
    assert first == folds(items, 3, seed=0)
    for _, test in first:
        labels = sorted(items[i].topics[0] if items[i].topics else "none" for i in test)
        assert labels == sorted(
            ["refunds", "refunds", "late", "late", "contact", "contact"] + ["none"] * 2
        )
    with pytest.raises(ValueError):
        folds(items, 1, seed=0)


def test_threshold_is_the_lowest_meeting_precision_and_false_answer_goals() -> None:
    probabilities = [0.9, 0.8, 0.7, 0.6, 0.3]
    correct = [True, True, False, True, False]
    dispute = [True, True, True, True, False]
    # At 0.6: 3 right of 4 = 0.75 precision, no silent question answered.
    assert choose_threshold(probabilities, correct, dispute, 0.75, 0.5) == 0.6
    assert choose_threshold(probabilities, correct, dispute, 1.0, 0.0) == 0.8
    assert choose_threshold([0.5], [False], [True], 1.0, 0.0) == 1.0


def test_held_out_calibration_questions_set_the_bar_but_never_train(demo_knowledge: Path) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    trainer = Trainer(engine.kb, engine.matcher, TrainSettings(folds=3))
    items = demo_items()
    held_out = [
        LabelledQuestion("h1", "buyer hates the logo colours and asks for a refund", ("refunds",)),
        LabelledQuestion("h2", "running two days behind on this order", ("late",)),
        LabelledQuestion("h3", "buyer keeps asking for my whatsapp", ("contact",)),
        LabelledQuestion("h4", "nice weather for a walk today", ()),
    ]
    plain = trainer.fit(items)
    calibrated = trainer.fit(items, held_out)
    assert np.array_equal(plain.text_model.coef, calibrated.text_model.coef)
    assert plain.ranker == calibrated.ranker and plain.gate == calibrated.gate
    counts = calibrated.meta["trained_on"]
    assert isinstance(counts, dict) and counts["held_out_calibration"] == 4
    assert counts["labelled"] == len(items)
    assert calibrated.meta["calibration"] != plain.meta["calibration"]


def test_a_further_labelled_topic_teaches_the_ranker_at_the_secondary_weight(
    demo_knowledge: Path,
) -> None:
    """A post's further topic is a right answer, but the ranker learns it at the text
    model's secondary weight: it should not rank as high as the topic a post is about."""
    engine = AnswerEngine.load(demo_knowledge, "demo")
    mixed = [
        LabelledQuestion(
            f"m{n}", f"buyer wants a refund and also asks for my {app}", ("refunds", "contact")
        )
        for n, app in enumerate(["whatsapp", "email", "telegram", "skype", "phone number"])
    ]
    items = demo_items() + mixed
    base = Trainer(engine.kb, engine.matcher, TrainSettings(folds=3))
    text_probs = base.out_of_fold_text(items)  # the same text model's view for both
    normal, stage1 = engine.matcher.stage1("buyer wants a refund and also asks for my instagram")
    text = base.fit_text(items).probabilities(normal)

    def contact_probability(weight: float) -> float:
        trainer = Trainer(
            engine.kb, engine.matcher, TrainSettings(folds=3, secondary_weight=weight)
        )
        ranked = rank_rows(candidate_rows(stage1, text), trainer._fit_ranker(items, text_probs))
        return dict(ranked)["contact"]

    assert contact_probability(0.5) < contact_probability(1.0)


def test_an_also_topic_is_right_for_the_gate_but_teaches_neither_text_model_nor_ranker(
    demo_knowledge: Path,
) -> None:
    """`also` topics count as right answers when the gate learns and the bar is set, as the
    evaluation counts them; what a question is about is still learnt from its topics."""
    engine = AnswerEngine.load(demo_knowledge, "demo")
    trainer = Trainer(engine.kb, engine.matcher, TrainSettings(folds=3))
    items = demo_items()
    richer = [replace(i, also=("contact",)) if i.topics == ("refunds",) else i for i in items]
    question = "buyer wants my whatsapp and a refund"
    normal = engine.matcher.stage1(question)[0]
    assert trainer.fit_text(items).probabilities(normal) == trainer.fit_text(richer).probabilities(
        normal
    )
    text_probs = trainer.out_of_fold_text(items)
    ranker = trainer._fit_ranker(items, text_probs)
    assert ranker == trainer._fit_ranker(richer, text_probs)
    text = trainer.fit_text(items).probabilities(normal)
    asked = LabelledQuestion("q", question, ("contact",))
    ranked, _, right = trainer._gate_example(asked, text, ranker)
    assert ranked[0][0] == "refunds" and not right
    assert trainer._gate_example(replace(asked, also=("refunds",)), text, ranker)[2]


def test_damaged_model_keeps_answering_with_stage_one(demo_knowledge: Path) -> None:
    (demo_knowledge / "demo" / MODEL_FILE).write_bytes(b"PK\x03\x04 not really a zip")
    engine = AnswerEngine.load(demo_knowledge, "demo")
    assert engine.matcher.ranker is None
    warnings = [str(p) for p in engine.last_load.problems if p.severity.value == "warning"]
    assert any("unreadable model" in w and "stage-1" in w for w in warnings)
    result = engine.match("buyer wants my whatsapp number")
    assert not result.ranked and result.main is not None


def test_model_with_pickled_objects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / MODEL_FILE
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("header.npy", buffer.getvalue())
    with pytest.raises(ModelFileError, match="unreadable model"):
        Ranker.load(path)


def test_stale_model_is_used_but_flagged(demo_trained: tuple[Path, Ranker]) -> None:
    root, _ = demo_trained
    entries = root / "demo" / "entries.yaml"
    entries.write_text(
        entries.read_text().replace("questions:\n", "questions:\n      - a brand new phrasing\n", 1)
    )
    engine = AnswerEngine.load(root, "demo")
    assert engine.matcher.ranker is not None
    assert any("kb train" in str(p) for p in engine.last_load.problems)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("he is asking for my number", "off-platform-contact"),
        ("cx wants refund", "quality-cancellation"),
        ("can i share my insta", "off-platform-contact"),
        ("what do i do now he's asking for my number", "off-platform-contact"),
    ],
)
def test_short_questions_with_a_clear_cue_are_answered(
    shipped_engine: AnswerEngine, text: str, topic: str
) -> None:
    result = shipped_engine.match(text, details=False)
    assert result.main is not None and result.main.entry.topic == topic
    assert result.answer, f"{text!r}: confidence {result.confidence} < {result.threshold}"


@pytest.mark.parametrize(
    ("text", "plausible"),
    [
        ("what's the best pizza topping", False),
        ("good morning everyone, happy friday!", False),
        ("buyer is being weird about the order", True),
        ("my order has a problem", True),
    ],
)
def test_plausibility_is_the_text_models_dispute_verdict(
    shipped_engine: AnswerEngine, text: str, plausible: bool
) -> None:
    """Vague dispute questions get closest entries and are logged as gaps; chatter is not."""
    result = shipped_engine.match(text, details=False)
    assert not result.answer
    assert result.dispute_probability is not None
    assert result.plausible is plausible
    assert bool(result.plausible_candidates()) is plausible


def test_real_forum_posts_and_marked_lines_calibrate(tmp_path: Path) -> None:
    """source_url marks a real forum post (the shared sets' format); "calibrate" marks others."""
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        '{"id": "a", "text": "buyer wants refund", "topics": ["refund"], "source_url": null}\n'
        '{"id": "b", "text": "buyer wants my number", "topics": ["contact"], "calibrate": true}\n'
        '{"id": "c", "text": "good morning all", "topics": []}\n',
        encoding="utf-8",
    )
    assert [i.calibrates for i in read_labelled(path)] == [True, True, False]
    path.write_text('{"id": "d", "text": "hi", "topics": [], "calibrate": "yes"}\n', "utf-8")
    with pytest.raises(EvalFileError, match=r"labelled.jsonl:1: 'calibrate' must be true or false"):
        read_labelled(path)


def test_threshold_is_chosen_on_calibrating_questions_when_there_are_enough(
    demo_knowledge: Path,
) -> None:
    engine = AnswerEngine.load(demo_knowledge, "demo")
    items = demo_items()
    marked = [replace(i, calibrates=n % 2 == 0) for n, i in enumerate(items)]
    enough = Trainer(engine.kb, engine.matcher, TrainSettings(folds=3, min_calibrating=4))
    assert enough.calibrating(marked) == [n % 2 == 0 for n in range(len(items))]
    counts = enough.fit(marked).meta["trained_on"]
    assert isinstance(counts, dict)
    assert counts["calibrating"] == sum(n % 2 == 0 for n in range(len(items)))
    too_few = Trainer(engine.kb, engine.matcher, TrainSettings(folds=3, min_calibrating=99))
    assert too_few.calibrating(marked) == [True] * len(items)
    only_disputes = [replace(i, calibrates=bool(i.topics)) for i in items]
    assert enough.calibrating(only_disputes) == [True] * len(items)


def test_threshold_never_goes_below_the_bar_all_training_questions_set(
    demo_knowledge: Path,
) -> None:
    """The calibrating questions may ask for a low bar; all training questions, scored
    out-of-fold, still hold it up to the product's targets."""
    engine = AnswerEngine.load(demo_knowledge, "demo")
    marked = [replace(i, calibrates=n % 2 == 0) for n, i in enumerate(demo_items())]

    def trained(floor_precision: float, floor_false_rate: float) -> float:
        settings = TrainSettings(
            folds=3,
            target_precision=0.0,  # the calibrating questions would take any bar
            max_false_rate=1.0,
            min_calibrating=4,
            floor_precision=floor_precision,
            floor_false_rate=floor_false_rate,
        )
        ranker = Trainer(engine.kb, engine.matcher, settings).fit(marked)
        recorded, bars = ranker.meta["settings"], ranker.meta["bars"]
        assert isinstance(recorded, dict) and recorded["floor_precision"] == floor_precision
        assert isinstance(bars, dict)
        assert ranker.threshold == max(bars["calibrating"], bars["all_questions"])
        return ranker.threshold

    without_floor = trained(0.0, 1.0)
    with_floor = trained(1.0, 0.0)
    assert with_floor > without_floor


def test_after_the_ranker_only_an_entrys_own_not_examples_hold_an_answer_back(
    demo_trained: tuple[Path, Ranker],
) -> None:
    """The pack's off_topic examples already train the text model's "none" class; a
    moderator's not_example for one entry still vetoes that entry after training."""
    root, _ = demo_trained
    matcher = AnswerEngine.load(root, "demo").matcher
    assert matcher.ranker is not None
    near_off_topic = "how do i withdraw my earnings to my bank, buyer asked my phone number"
    ranked = matcher.match(near_off_topic)
    alone = matcher.with_ranker(None).match(near_off_topic)
    assert ranked.main is not None and alone.main is not None
    assert ranked.main.entry.topic == alone.main.entry.topic == "contact"
    assert alone.main.suppressed_by == "how do I withdraw my earnings to the bank"
    assert ranked.main.suppressed_by is None
    own = matcher.match("how long does a refund take to reach the card of the buyer")
    assert own.main is not None and own.main.entry.topic == "refunds"
    assert own.main.suppressed_by == "how long does a refund take to reach the buyer card"
    assert not own.answer


def test_until_retrained_the_packs_off_topic_examples_veto_again(
    demo_trained: tuple[Path, Ranker],
) -> None:
    """A moderator's new off_topic example works at once, before `kb train` teaches it."""
    root, _ = demo_trained
    pack = root / "demo" / "pack.yaml"
    pack.write_text(
        pack.read_text().replace("off_topic:\n", "off_topic:\n  - best pizza topping?\n", 1)
    )
    matcher = AnswerEngine.load(root, "demo").matcher
    assert matcher.ranker is not None
    result = matcher.match("how do i withdraw my earnings to my bank, buyer asked my phone number")
    assert result.ranked and result.main is not None
    assert result.main.suppressed_by == "how do I withdraw my earnings to the bank"
    assert not result.answer
