"""Fixtures for the storage tests."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Store
from bot.storage.database import Database
from bot.storage.monitor import LOGGER_NAME

from .helpers import FakeClock, open_store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "disputebot.sqlite3"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fully migrated empty database, built once; migrations have their own tests."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"

    async def build() -> None:
        db = await Database.open(path)
        await db.migrate()
        await db.close()

    asyncio.run(build())
    return path


@pytest.fixture
async def store(db_path: Path, clock: FakeClock, migrated_template: Path) -> AsyncIterator[Store]:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_template, db_path)
    async with await open_store(db_path, clock) as opened:
        yield opened


@pytest.fixture
def storage_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    return caplog
