"""The chunks of a version as arrays (`ingest.chunk_table`): the same chunks, rows and filters
as the catalog's `Chunk` records, with the texts read only when asked for."""

from __future__ import annotations

import numpy as np
import pytest

from ingest import store
from ingest.build import ingest
from ingest.chunk_table import ChunkTable
from ingest.config import Settings
from ingest.records import Kind
from ingest.search_types import SearchFilter
from rag.evidence.retrieve import Snapshot
from tests.fakes import HashEmbedder


@pytest.fixture
def two_reports(kb_settings: Settings) -> Snapshot:
    (kb_settings.kb_dir / "2022年总结.md").write_text(
        "# 2022年总结\n\n## 人才工作\n\n引进高层次人才120名。\n\n新建人才驿站3个。\n", encoding="utf-8"
    )
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    return Snapshot.load(kb_settings.index_dir)


def test_rows_hold_the_catalogs_chunks_in_order(two_reports: Snapshot) -> None:
    table = two_reports.chunks
    assert two_reports.path is not None
    with store.catalog(two_reports.path) as con:
        expected = store.load_chunks(con)
    assert len(table) == len(expected) == 39 and bool(table)
    assert list(table) == expected  # texts read from the catalog, row by row
    assert [table[i] for i in (0, 38, -1)] == [expected[0], expected[38], expected[-1]]
    assert [table.chunk_id(i) for i in range(len(table))] == [c.chunk_id for c in expected]
    assert [table.paragraph_id(i) for i in range(len(table))] == [c.paragraph_id for c in expected]
    assert table.minor.tolist() == [c.kind is not Kind.BODY for c in expected]
    assert table.minor.any()  # the sample's photo captions
    assert table.rows_of([expected[5].chunk_id, "没有/0", expected[1].chunk_id]) == {
        expected[5].chunk_id: 5,
        expected[1].chunk_id: 1,
    }
    with pytest.raises(IndexError):
        table[39]


def test_masks_allow_what_the_filter_allows(two_reports: Snapshot) -> None:
    table = two_reports.chunks
    paragraphs = two_reports.paragraphs
    new = frozenset(d.doc_id for d in two_reports.documents if d.title == "2022年总结")
    some = frozenset(list(paragraphs)[3:9])
    filters = [
        SearchFilter(docs=new),
        SearchFilter(readable=new),
        SearchFilter(paragraphs=some),
        SearchFilter(exclude=some),
        SearchFilter(docs=new, exclude=frozenset({"2022年总结#1"})),
        SearchFilter(paragraphs=some, readable=frozenset({"没有这个报告"})),
    ]
    for where in filters:
        expected = [where.allows(paragraphs[table.paragraph_id(i)]) for i in range(len(table))]
        assert table.mask(where).tolist() == expected
    assert table.documents_mask(new).sum() == 2


def test_an_empty_table_has_no_rows() -> None:
    empty = ChunkTable.empty()
    assert len(empty) == 0 and not empty and empty.rows_of(["a/0"]) == {}
    assert empty.mask(SearchFilter(exclude=frozenset({"a"}))).tolist() == []
    assert np.asarray(empty.documents_mask(frozenset({"a"}))).size == 0
