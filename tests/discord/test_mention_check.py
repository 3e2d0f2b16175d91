"""The suite-wide no-mentions check (tests/conftest.py) itself: what it accepts and refuses."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import mention_problem


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"content": "hi", "allowed_mentions": {"parse": []}}, True),
        ({"embeds": [{}], "allowed_mentions": {"parse": [], "replied_user": False}}, True),
        ({"content": "<@&5> please look", "allowed_mentions": {"parse": [], "roles": ["5"]}}, True),
        ({"content": "hi"}, False),
        ({"content": "hi", "allowed_mentions": {"parse": ["everyone"]}}, False),
        ({"content": "hi", "allowed_mentions": {"parse": [], "users": ["1"]}}, False),
        ({"content": "hi", "allowed_mentions": {"parse": [], "replied_user": True}}, False),
        ({"content": "no role here", "allowed_mentions": {"parse": [], "roles": ["5"]}}, False),
        ({"content": "<@&5> <@&6>", "allowed_mentions": {"parse": [], "roles": ["5", "6"]}}, False),
    ],
    ids=[
        "none",
        "none-reply",
        "escalation-role",
        "missing",
        "everyone",
        "a-user",
        "replied-user",
        "role-not-in-text",
        "two-roles",
    ],
)
def test_mention_check_accepts_only_no_mentions_or_the_one_escalation_role(
    body: dict[str, Any], ok: bool
) -> None:
    assert (mention_problem(body) is None) == ok
