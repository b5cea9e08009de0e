"""Paragraphs holding a phrase, found through the keyword index's bigrams (`ingest.mentions`):
the same paragraphs as reading every one, including a phrase cut in two by a chunk boundary."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ingest import mentions, store
from ingest.build import ingest
from ingest.config import Settings
from ingest.paragraph_store import ParagraphIds, ParagraphStore
from rag.evidence.retrieve import Snapshot
from tests.fakes import HashEmbedder

# One sentence of 402 characters and no sentence end inside: the chunker cuts it hard after
# 300 characters, between 驿 and 站.
_LONG = "甲" * 299 + "驿站" + "乙" * 100 + "。"


def test_seams_are_chunks_cut_inside_a_sentence() -> None:
    rows = [("a#1", "一句。"), ("a#1", "二句"), ("a#1", "三句。"), ("a#2", "不完")]
    rows += [("a#3", "完了。”"), ("a#3", "x")]
    assert mentions.seams(rows) == ["a#1"]  # a#2's last chunk and a#3's ending quote are no cut
    assert mentions.seams([]) == []


@pytest.fixture
def built(kb_settings: Settings) -> Settings:
    (kb_settings.kb_dir / "2022年总结.md").write_text(
        f"# 2022年总结\n\n## 人才工作\n\n新建人才驿站3个。\n\n{_LONG}\n\n人才驿站的建设。\n", encoding="utf-8"
    )
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    return kb_settings


def _scan(paragraphs: ParagraphStore, docs: frozenset[str], phrase: str) -> set[str]:
    return {p.paragraph_id for p in paragraphs.values() if p.doc_id in docs and phrase in p.text}


def _phrases(paragraphs: ParagraphStore) -> list[str]:
    """Two- to four-character pieces of every paragraph (CJK or not), and some held nowhere."""
    texts = [p.text for p in paragraphs.values()]
    found = {t[i : i + n] for t in texts for n in (2, 3, 4) for i in range(0, len(t), 7)}
    return [*sorted(found), "北京", "驿站甲", "人才工作站"]


def test_found_through_the_index_as_by_reading_every_paragraph(built: Settings) -> None:
    snapshot = Snapshot.load(built.index_dir)
    paragraphs = snapshot.paragraphs
    assert isinstance(paragraphs, ParagraphStore) and snapshot.path is not None
    docs = paragraphs.document_ids()
    with sqlite3.connect(snapshot.path / store.CATALOG) as con:
        cut = con.execute("SELECT paragraph_ids FROM chunk_seams WHERE doc_id = '2022年总结'").fetchone()
        assert cut == ('["2022年总结#2"]',)
        seams = mentions.Seams.load(con)
        assert seams is not None and [p for p, _d, _t in seams.paragraphs] == ["2022年总结#2"]
        found = mentions.find(con, "驿站")
        assert found is not None and found.tolist() == sorted(found.tolist())
        marks = ",".join(map(str, found.tolist()))
        held = {r[0] for r in con.execute(f"SELECT paragraph_id FROM chunks WHERE rowid IN ({marks})")}
        # The cut falls between 驿 and 站: neither chunk of #2 holds the phrase, its own text does.
        assert held == {"2022年总结#1", "2022年总结#3"} and seams.holding("驿站") == ["2022年总结#2"]
        assert mentions.find(con, "2022年") is None  # not all CJK: read them all
    assert paragraphs.mentioning(docs, "驿站") == {"2022年总结#1", "2022年总结#2", "2022年总结#3"}
    assert paragraphs.mentioning(docs, "驿站乙") == {"2022年总结#2"}  # across the cut
    one = frozenset({next(d for d in docs if d != "2022年总结")})
    for phrase in _phrases(paragraphs):
        assert paragraphs.mentioning(docs, phrase) == _scan(paragraphs, docs, phrase), phrase
        assert paragraphs.mentioning(one, phrase) == _scan(paragraphs, one, phrase), phrase


def test_mentions_are_rows_of_the_version_and_a_store_without_chunks_reads_every_paragraph(
    built: Settings,
) -> None:
    snapshot = Snapshot.load(built.index_dir)
    paragraphs = snapshot.paragraphs
    assert isinstance(paragraphs, ParagraphStore) and snapshot.path is not None
    docs = paragraphs.document_ids()
    found = paragraphs.mentioning(docs, "驿站")
    # Rows over the version's paragraphs: a filter of them becomes a chunk mask without ids.
    assert isinstance(found, ParagraphIds) and found.layout is paragraphs.table().ids and len(found) == 3
    with store.catalog(snapshot.path) as con:
        bare = ParagraphStore.read(con, snapshot.path / store.CATALOG, snapshot.metas)  # no chunks read
    for phrase in ("驿站", "驿站乙", "北京", "人才"):
        assert (
            bare.mentioning(docs, phrase)
            == paragraphs.mentioning(docs, phrase)
            == _scan(paragraphs, docs, phrase)
        )
    view = paragraphs.only(frozenset({"2022年总结"}))  # a reader's view: the same chunks, its own documents
    assert view.mentioning(docs, "人才") == _scan(paragraphs, frozenset({"2022年总结"}), "人才")


def test_a_catalog_without_seams_reads_every_paragraph_until_the_next_ingest(built: Settings) -> None:
    version = store.require_current(built.index_dir)
    with store.catalog(version) as con:
        # As a catalog written before seams were kept.
        con.execute("DELETE FROM chunk_seams WHERE doc_id = '2022年总结'")
    paragraphs = Snapshot.load(built.index_dir).paragraphs
    assert isinstance(paragraphs, ParagraphStore)
    docs = paragraphs.document_ids()
    with sqlite3.connect(version / store.CATALOG) as con:
        assert mentions.Seams.load(con) is None
    assert paragraphs.mentioning(docs, "驿站") == {"2022年总结#1", "2022年总结#2", "2022年总结#3"}

    report = ingest(built, embedder=HashEmbedder(), progress=False)  # nothing changed but the seams
    assert report.embedded == 0
    upgraded = store.require_current(built.index_dir)
    assert upgraded != version
    with sqlite3.connect(upgraded / store.CATALOG) as con:
        assert mentions.Seams.load(con) is not None


def test_removing_a_report_removes_its_seams(built: Settings) -> None:
    (built.kb_dir / "2022年总结.md").unlink()
    ingest(built, embedder=HashEmbedder(), progress=False)
    with store.catalog(store.require_current(built.index_dir)) as con:
        held = {r[0] for r in con.execute("SELECT doc_id FROM chunk_seams")}
        assert held == {d.doc_id for d in store.documents(con)} and "2022年总结" not in held


def test_a_paragraph_with_a_line_break_is_checked_by_its_own_text(built: Settings) -> None:
    """Sentences on both sides of a line break are joined in a chunk without it: a phrase made
    across the break is in the chunk's text but not the paragraph's."""
    with store.catalog(store.require_current(built.index_dir)) as con:
        con.execute("DELETE FROM chunk_seams")
        broken = "UPDATE paragraphs SET text = '北' || char(10) || '京' WHERE paragraph_id = '2022年总结#1'"
        con.execute(broken)
        assert mentions.sync(con) == len(store.documents(con))
        listed = con.execute("SELECT paragraph_ids FROM chunk_seams WHERE doc_id = '2022年总结'").fetchone()
        assert listed == ('["2022年总结#2", "2022年总结#1"]',)


def test_a_phrase_joined_across_a_line_break_in_a_chunk_is_not_a_mention(kb_settings: Settings) -> None:
    """Passages keep their line breaks; a long one is chunked by sentences without them, so its
    chunk holds "北京上海" while the passage does not."""
    text = "甲甲北京\n上海乙乙。" + "丙" * 295 + "。"
    (kb_settings.kb_dir / "passages.jsonl").write_text(
        json.dumps({"id": "p1", "title": "资料", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    paragraphs = Snapshot.load(kb_settings.index_dir).paragraphs
    assert isinstance(paragraphs, ParagraphStore)
    docs = paragraphs.document_ids()
    held = next(pid for pid in paragraphs if paragraphs[pid].text == text)
    assert paragraphs.mentioning(docs, "京上") == set()
    assert paragraphs.mentioning(docs, "北京") == {held} and paragraphs.mentioning(docs, "丙丙") == {held}
