"""Normalisation: shorthand, misspellings, obfuscation, links and hostile Unicode.

Shorthand and misspellings are knowledge (knowledge/shorthand.yaml and the pack's
synonyms), so these tests normalise with the shipped pack's table, as the bot does.
"""

from __future__ import annotations

import pytest

from bot.engine.matching.normalise import MAX_MATCH_CHARS, normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("buyer wants to cx the order", "buyer wants to cancel the order"),
        ("he sent a cxl request", "he sent a cancel request"),
        ("cancelation request", "cancellation request"),
        ("I asked CS", "i asked customer support"),
        ("is that against TOS", "is that against terms of service"),
        ("asked for a rev", "asked for a revision"),
        ("asked for my whats app", "asked for my whatsapp"),
        ("ask customer care or the support team", "ask customer support or the customer support"),
        ("opened a resolution centre request", "opened a resolution center request"),
        (
            "pay pal, cash app, google docs or g drive",
            "paypal cashapp google drive or google drive",
        ),
        ("not w/o the t&c", "not without the terms and conditions"),
        ("sent via we transfer, a we transfer link", "sent via wetransfer a wetransfer link"),
        ("can we transfer the order to him", "can we transfer the order to him"),
        ("what's app number", "whatsapp number"),
        ("pls help u guys", "please help you guys"),
        ("is ur account ok", "is your account ok"),
        ("send it to my g-m-a-i-l", "send it to my gmail email"),
        ("he'll cancel, she won't pay", "he will cancel she will not pay"),
        ("buyer doesn't like my logo", "buyer dislike my logo"),
        ("client is not happy", "client is unhappy"),
        ("left me 1* and a 2 stars", "left me star and a star"),
        ("a 4.7 star rating, not 5 stars", "a star rating not fivestar star"),
        ("Ｆｕｌｌｗｉｄｔｈ ＣＳ", "fullwidth customer support"),
        # Negations without an apostrophe, and words that merely end in "nt".
        ("buyer doesnt like the logo", "buyer dislike the logo"),
        ("he isnt happy and couldnt wait", "he is unhappy and could not wait"),
        ("the client sent payment for an event", "the client sent payment for an event"),
        # Spelled out with spaces or dots; three single letters are not enough.
        ("my w h a t s a p p is", "my whatsapp is"),
        ("a t.e.l.e.g.r.a.m id", "a telegram id"),
        ("plan A b c", "plan a b c"),
        ("he didn`t pay, it`s late", "he did not pay it late"),
        # Words split the same way in ASCII text and in text with accents.
        ("order_id #123, pls! (asap)", "order id 123 please asap"),
        ("café_order – refund?", "café order refund"),
    ],
)
def test_shorthand_and_spelling(
    text: str, expected: str, shipped_synonyms: tuple[tuple[str, str], ...]
) -> None:
    assert normalise(text, shipped_synonyms).text == expected


def test_without_synonyms_only_the_rules_in_code_apply() -> None:
    # Punctuation, apostrophes and negation are language rules, kept in normalise.py.
    text = "pls cx w/o the t&c, he doesn't like it, customer care"
    assert (
        normalise(text).text
        == "pls cx without the terms and conditions he dislike it customer care"
    )


def test_invisible_characters_and_zalgo_are_removed() -> None:
    assert normalise("re\u200bfund r̸̢͎e̵̡f̷u̶n̴d").text == "refund refund"


def test_contact_details_become_words_and_signals() -> None:
    result = normalise("mail me at jo.doe+x@gmail.com or call +44 20 7946 0958")
    assert "email address" in result.text
    assert "phone number" in result.text
    assert {"email-address", "phone-number"} <= result.signals


def test_dates_and_prices_are_not_phone_numbers() -> None:
    result = normalise("ordered on 2024-05-30 for $60")
    assert "phone-number" not in result.signals


def test_links_are_classified() -> None:
    result = normalise("files at https://drive.google.com/file/d/abc and wa.me/123456")
    assert "google drive link" in result.text
    assert "whatsapp link" in result.text
    assert {"file-link", "any-link"} <= result.signals


def test_stems_fold_word_forms_and_drop_stopwords() -> None:
    result = normalise("the buyer cancelled my cancellation of deliveries")
    content = [s for s in result.stems if s]
    assert content.count("cancel") == 2
    assert "the" not in content and "my" not in content
    assert "deliv" in content


def test_customer_is_not_folded_into_custom() -> None:
    stems = normalise("customer asked for a custom offer").stems
    assert "customer" in stems and "custom" in stems


def test_pack_synonyms_apply() -> None:
    assert normalise("my fivver gig", (("fivver", "fiverr"),)).text == "my fiverr gig"


def test_input_is_capped_before_processing() -> None:
    result = normalise("refund " * 100_000)
    assert len(result.text) <= MAX_MATCH_CHARS
