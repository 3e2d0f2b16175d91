"""`disputebot invite-url`: exactly two scopes and the minimal permission bitfield."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import discord
import pytest

from bot.cli import main
from bot.cli.common import EXIT_USAGE
from bot.discord_app.permissions import PERMISSION_REASONS, required_permissions
from tests.discord.harness import FAKE_TOKEN

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
SEND_MESSAGES_IN_THREADS = 1 << 38
EXPECTED = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | SEND_MESSAGES_IN_THREADS
)


def invite(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, list[str]]:
    assert main(["invite-url", *args]) == 0
    url = urlsplit(capsys.readouterr().out.splitlines()[0])
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    return parse_qs(url.query)


def test_the_bitfield_is_exactly_the_minimal_set() -> None:
    assert required_permissions().value == EXPECTED == 274877991936
    bits = [discord.Permissions(**{name: True}).value for name in PERMISSION_REASONS]
    assert sorted(bits) == sorted({*bits}) and sum(bits) == EXPECTED  # one reason per bit
    granted = required_permissions()
    for broader in ("manage_messages", "mention_everyone", "administrator", "add_reactions"):
        assert not getattr(granted, broader)


def test_url_with_a_client_id(capsys: pytest.CaptureFixture[str]) -> None:
    query = invite(capsys, "--client-id", "123456789012345678")
    assert query == {
        "client_id": ["123456789012345678"],
        "permissions": [str(EXPECTED)],
        "scope": ["bot applications.commands"],
    }


def test_client_id_comes_from_the_token_first_part(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    query = invite(capsys, "--explain")
    assert query["client_id"] == ["1012345678901234567"]
    assert query["scope"] == ["bot applications.commands"]


def test_explain_lists_every_permission_with_its_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["invite-url", "--client-id", "42", "--explain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"permissions {EXPECTED}:"
    assert lines[2:] == [f"  {name}: {why}" for name, why in PERMISSION_REASONS.items()]


@pytest.mark.parametrize("token", [None, "not-a-token", "aGVsbG8.GhIjKl.secretpart"])
def test_without_a_usable_client_id_it_says_so(
    token: str | None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if token is None:
        monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    else:
        monkeypatch.setenv("DISCORD_TOKEN", token)
    assert main(["invite-url"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("disputebot: error: ") and "--client-id" in captured.err
    assert "secretpart" not in captured.err
