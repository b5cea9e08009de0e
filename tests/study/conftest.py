"""The sample report cut into paragraphs (no index, no embedder): what the question bank is built from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.loaders import load_document
from ingest.records import Paragraph
from ingest.segment import segment
from study.bank import generate
from study.questions import Question
from tests.conftest import SAMPLE, SAMPLE_DOC_ID


@dataclass
class FakeIndex:
    """An index version as the quiz sees it: a version name and its paragraphs."""

    version: str
    paragraphs: dict[str, Paragraph]


def sample_paragraphs() -> list[Paragraph]:
    return segment(load_document(SAMPLE), SAMPLE_DOC_ID, SAMPLE.stem)


@pytest.fixture(scope="session")
def paragraphs() -> list[Paragraph]:
    return sample_paragraphs()


@pytest.fixture(scope="session")
def bank(paragraphs: list[Paragraph]) -> list[Question]:
    return generate(paragraphs)


def find(bank: list[Question], kind: str, answer: str) -> Question:
    return next(q for q in bank if q.type == kind and q.answer == answer)


@pytest.fixture(params=["sqlite", "postgresql"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a progress store keeps its records: a new SQLite file, or a new database on the test
    PostgreSQL server (tests/postgres.py). Tests taking it run on both."""
    if request.param == "sqlite":
        return tmp_path / "data" / "study.sqlite"
    return str(request.getfixturevalue("postgres_url"))
