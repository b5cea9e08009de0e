"""A version's paragraphs read on demand (`ingest.paragraph_store`): the same paragraphs, in the
same order, with the same metadata and scopes as the whole catalog read into a dict."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from ingest import paragraph_store, store
from ingest.build import ingest
from ingest.chunk_table import ChunkTable
from ingest.config import Settings
from ingest.paragraph_store import ParagraphIds, ParagraphStore, rows_of
from ingest.records import Paragraph
from rag.evidence.retrieve import SearchFilter, Snapshot
from rag.prose.outline import Node, Outlines
from rag.question.constraints import read_question
from rag.question.resolution import resolve
from tests.conftest import sample_kb
from tests.fakes import HashEmbedder


@pytest.fixture
def loaded(kb_settings: Settings) -> tuple[ParagraphStore, dict[str, Paragraph]]:
    (kb_settings.kb_dir / "2022年总结.md").write_text(
        "# 2022年总结\n\n## 人才工作\n\n2022年引进高层次人才120名。\n\n新建人才驿站3个。\n", encoding="utf-8"
    )
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    snapshot = Snapshot.load(kb_settings.index_dir)
    assert snapshot.path is not None
    with store.catalog(snapshot.path) as con:
        whole = store.load_paragraphs(con)
    return snapshot.paragraphs, whole


def test_the_store_holds_the_catalogs_paragraphs(loaded: tuple[ParagraphStore, dict[str, Paragraph]]) -> None:
    paragraphs, whole = loaded
    assert list(paragraphs) == list(whole) and len(paragraphs) == len(whole) == 39
    assert list(paragraphs.values()) == list(whole.values())  # metadata and time scopes included
    assert dict(paragraphs.items()) == whole
    assert all(paragraphs[pid] == p for pid, p in whole.items())
    assert any(p.scope.years for p in whole.values()) and any(p.meta for p in whole.values())
    assert "没有#1" not in paragraphs and paragraphs.get("没有#1") is None
    with pytest.raises(KeyError):
        paragraphs["没有#1"]
    some = list(whole)[::7]
    assert paragraphs.many([*some, "没有#1"]) == {pid: whole[pid] for pid in some}
    expected = [(p.paragraph_id, p.doc_id, p.scope) for p in whole.values()]
    assert [(s.paragraph_id, s.doc_id, s.scope) for s in paragraphs.scoped()] == expected


def test_a_readers_view_holds_only_their_reports(loaded: tuple[ParagraphStore, dict[str, Paragraph]]) -> None:
    paragraphs, whole = loaded
    new = frozenset({"2022年总结"})
    view = paragraphs.only(new)
    assert list(view) == ["2022年总结#1", "2022年总结#2"] and len(view) == 2
    assert list(view.values()) == [whole["2022年总结#1"], whole["2022年总结#2"]]
    sample = next(pid for pid in whole if not pid.startswith("2022"))
    assert sample in paragraphs and sample not in view and view.get(sample) is None
    assert [s.paragraph_id for s in view.scoped()] == list(view)
    assert view.counts() == {"2022年总结": 2} and view.document_ids() == new
    assert (
        view.of_document(whole[sample].doc_id) == [] and view.mentioning(frozenset({sample}), "的") == set()
    )
    assert view.only(frozenset({whole[sample].doc_id})).counts() == {}


def test_questions_of_all_paragraphs_agree_with_a_dict(
    loaded: tuple[ParagraphStore, dict[str, Paragraph]],
) -> None:
    paragraphs, whole = loaded
    docs = frozenset(p.doc_id for p in whole.values())
    sample = next(d for d in docs if d != "2022年总结")
    for source in (paragraphs, whole):
        assert paragraph_store.documents(source) == docs
        assert paragraph_store.ids_of(source, frozenset({"2022年总结"})) == {"2022年总结#1", "2022年总结#2"}
        ordered = paragraph_store.of_document(source, sample)
        assert [p.number for p in ordered] == list(range(1, 38)) and ordered[0] == whole[f"{sample}#1"]
        assert paragraph_store.of_document(source, sample, limit=3) == ordered[:3]
        found = paragraph_store.mentioning(source, docs, "驿站")
        assert found == {"2022年总结#2"}
    assert paragraphs.counts() == {sample: 37, "2022年总结": 2}


def _shape(node: Node) -> tuple[object, ...]:
    pid = node.paragraph.paragraph_id if node.paragraph is not None else None
    return (node.kind, node.title, pid, node.span, node.enum, tuple(_shape(c) for c in node.children))


def test_outlines_built_when_asked_equal_those_built_at_once(
    loaded: tuple[ParagraphStore, dict[str, Paragraph]],
) -> None:
    paragraphs, whole = loaded
    eager = Outlines(list(whole.values()))
    lazy = Outlines(paragraphs)
    for pid in whole:
        a, b = eager.node(pid), lazy.node(pid)
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert _shape(a) == _shape(b)
    for doc in {p.doc_id for p in whole.values()}:
        assert _shape(eager.roots[doc]) == _shape(lazy.roots[doc])
    with pytest.raises(KeyError):
        lazy.roots["没有这个报告"]


QUESTIONS = [
    "2021年培训党员干部多少人次？",
    "2022年引进高层次人才多少名？",
    "2020年发展党员多少名？",
    "2021年和2022年人才工作各有哪些举措？",
    "綦江区2021年建成规范村多少个？",
    "重庆市2021年有多少个人才驿站？",
    "2019年到2022年新建人才驿站多少个？",
]


def test_questions_resolve_alike_over_the_store_and_a_dict(
    kb_settings: Settings, loaded: tuple[ParagraphStore, dict[str, Paragraph]]
) -> None:
    paragraphs, whole = loaded
    metas = Snapshot.load(kb_settings.index_dir).metas
    regions = {m.region for m in metas.values()}
    filters = [
        SearchFilter(),
        SearchFilter(exclude=frozenset(list(whole)[:20])),
        SearchFilter(docs=frozenset({"2022年总结"})),
        SearchFilter(readable=frozenset({"2022年总结"})),
    ]
    resolved = 0
    for question in QUESTIONS:
        asked = read_question(question, regions)
        for where in filters:
            expected = resolve(asked, metas, whole, where)
            assert resolve(asked, metas, paragraphs, where) == expected
            resolved += expected.where.paragraphs is not None
    assert resolved  # some questions were narrowed to the paragraphs about their years


def test_an_index_under_a_folder_whose_name_has_uri_characters_opens(tmp_path: Path) -> None:
    odd = tmp_path / "报告 #1?版"
    odd.mkdir()
    settings = Settings(kb_dir=sample_kb(odd), index_dir=odd / "index", data_dir=odd / "data")
    ingest(settings, embedder=HashEmbedder(), progress=False)
    snapshot = Snapshot.load(settings.index_dir)
    first = next(iter(snapshot.paragraphs))
    assert snapshot.paragraphs[first].number == 1 and snapshot.chunks[0].paragraph_id == first
    assert snapshot.bm25 is not None and snapshot.bm25.doc_freq("组织") > 0


def test_paragraph_sets_from_the_store_carry_their_rows(
    loaded: tuple[ParagraphStore, dict[str, Paragraph]],
) -> None:
    paragraphs, whole = loaded
    table = paragraphs.table()
    ids = paragraphs.ids_of(frozenset({"2022年总结"}))
    assert isinstance(ids, ParagraphIds) and ids == {"2022年总结#1", "2022年总结#2"}
    assert rows_of(ids, table.ids) is not None and rows_of(ids, list(table.ids)) is None
    assert type(ids & {"2022年总结#1"}) is frozenset  # with a plain set: a plain set
    one = table.ids_where(table.in_documents({"2022年总结"}) & (np.arange(len(table.ids)) % 2 == 1))
    both = ids & one  # two sets with masks: a set with a mask, as filters narrow
    assert isinstance(both, ParagraphIds) and both == frozenset(ids) & frozenset(one) and len(both) == 1
    assert copy.deepcopy(ids) == ids and type(copy.deepcopy(ids)) is frozenset
    # A filter with such a set, or with the same ids as a plain set: the same rows.
    snapshot_chunks = loaded_chunks(paragraphs)
    for where in (SearchFilter(paragraphs=ids), SearchFilter(paragraphs=frozenset(ids))):
        assert table.allowed(where).tolist() == [pid in ids for pid in whole]
        expected = [snapshot_chunks.paragraph_id(i) in ids for i in range(len(snapshot_chunks))]
        assert snapshot_chunks.mask(where).tolist() == expected
        assert table.allowed(SearchFilter(paragraphs=ids, exclude=frozenset({"2022年总结#2"}))).sum() == 1


def loaded_chunks(paragraphs: ParagraphStore) -> ChunkTable:
    """The chunk table of the version `paragraphs` come from (same layout)."""
    with store.catalog(paragraphs._catalog.path.parent) as con:
        return ChunkTable.read(con, paragraphs._catalog.path, paragraphs)


class _Colliding(paragraph_store.IdLayout):
    key = staticmethod(len)  # ids of one length share a hash: every match is checked by id


@pytest.mark.parametrize("layout_type", [paragraph_store.IdLayout, _Colliding])
def test_a_filter_naming_paragraphs_gives_the_rows_a_pass_over_every_id_gives(
    loaded: tuple[ParagraphStore, dict[str, Paragraph]], layout_type: type[paragraph_store.IdLayout]
) -> None:
    _paragraphs, whole = loaded
    ids = list(whole)
    layout = layout_type(ids)
    named = frozenset([*ids[::5], "没有#1"])
    for where in (
        SearchFilter(paragraphs=named),
        SearchFilter(paragraphs=named, exclude=frozenset(ids[::10])),
        SearchFilter(exclude=frozenset([*ids[:3], "没有#2"])),
        SearchFilter(paragraphs=frozenset()),
    ):
        named_in = where.paragraphs
        expected = [(named_in is None or p in named_in) and p not in where.exclude for p in ids]
        assert paragraph_store.listed(where, layout).tolist() == expected
        assert paragraph_store.listed(where, ids).tolist() == expected  # a plain list: the pass itself
    assert layout.mask(ids).all() and list(layout) == ids and layout[3] == ids[3]
    assert [layout.row(pid) for pid in ids[:4]] == [0, 1, 2, 3] and layout.row("没有#1") is None


@pytest.mark.parametrize("layout_type", [paragraph_store.IdLayout, _Colliding, list])
def test_a_set_of_rows_behaves_as_the_plain_set_of_its_ids(
    loaded: tuple[ParagraphStore, dict[str, Paragraph]], layout_type: type
) -> None:
    """Its ids are made only when needed, yet membership, size, equality, hashing and set
    operations are those of the frozenset of its ids."""
    _paragraphs, whole = loaded
    ids = list(whole)
    layout = layout_type(ids)
    rows = np.arange(len(ids)) % 3 == 0
    held = ParagraphIds(rows, layout)
    plain = frozenset(ids[::3])
    assert len(held) == len(plain) and set(held) == plain and list(held) == ids[::3]
    assert all(pid in held for pid in plain) and ids[1] not in held and "没有#1" not in held and 3 not in held
    assert held == plain and plain == held and hash(held) == hash(plain) and {held: 1}[plain] == 1
    assert held != frozenset(ids[::2]) and held == ParagraphIds(rows.copy(), layout)
    assert held != ParagraphIds(~rows, layout) and not ParagraphIds(np.zeros(len(ids), dtype=bool), layout)
    other = frozenset(ids[:7])
    for result, expected in (
        (held & other, plain & other),
        (other & held, other & plain),
        (held | other, plain | other),
        (held - other, plain - other),
    ):
        assert type(result) is frozenset and result == expected
    assert held <= frozenset(ids) and held.isdisjoint(frozenset(ids[1::3]))
