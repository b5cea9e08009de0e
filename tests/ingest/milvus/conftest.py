"""The Milvus tests' fixtures: skip them all, with the reason, where Milvus Lite cannot start; the
sample report's folder with an index kept in Milvus Lite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.config import Settings
from ingest.milvus import connection
from ingest.milvus.connection import Address, Milvus
from tests.conftest import sample_kb


@pytest.fixture(scope="package", autouse=True)
def milvus_lite_starts(tmp_path_factory: pytest.TempPathFactory) -> None:
    try:
        import milvus_lite  # noqa: F401
        import pymilvus  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"pymilvus / milvus-lite not installed ({exc}); `make install-dev` installs them")
    probe = Settings(index_dir=tmp_path_factory.mktemp("probe"), store="milvus")
    try:
        Milvus(Address.of(probe)).call("list_collections")
    except Exception as exc:
        pytest.skip(f"Milvus Lite cannot start on this machine: {exc}")
    finally:
        connection.release(probe)


@pytest.fixture
def milvus_settings(tmp_path: Path) -> Iterator[Settings]:
    """The sample report's folder and an index kept in Milvus Lite (its file in the index folder)."""
    settings = Settings(
        kb_dir=sample_kb(tmp_path), index_dir=tmp_path / "index", data_dir=tmp_path / "data", store="milvus"
    )
    yield settings
    connection.release(settings)
