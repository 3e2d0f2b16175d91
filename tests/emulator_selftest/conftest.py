"""The emulator's self-tests drive toy bots, not disputebot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def sends_never_ping() -> Iterator[None]:
    """The toy bots here are not held to disputebot's no-mentions rule (tests/conftest.py)."""
    yield
