"""The vector cache: text this embedder embedded once is never embedded again, across versions,
chunk sizes and segmenters; the cache is a hint that can be lost or damaged without harm."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ingest import store, vector_cache
from ingest.build import ingest, version
from ingest.config import Settings
from ingest.embed import BATCH_SIZE
from ingest.vector_cache import CACHE_FILE, VectorCache
from rag.evidence.retrieve import Snapshot
from tests.fakes import HashEmbedder

SAMPLE_CHUNKS = 37


def _cache(settings: Settings) -> Path:
    return settings.index_dir / CACHE_FILE


def _rows(settings: Settings) -> int:
    with sqlite3.connect(_cache(settings)) as con:
        return int(con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])


def _short_paragraphs(settings: Settings, chars: int) -> int:
    """Paragraphs of at most `chars` characters: one chunk each, the same at any larger size."""
    return sum(len(p.text) <= chars for p in Snapshot.load(settings.index_dir).paragraphs.values())


def _vectors_are_the_embedders(settings: Settings, embedder: HashEmbedder) -> None:
    """Every stored vector is what the embedder gives for its chunk's text (a cached vector is
    never put under the wrong chunk)."""
    snap = Snapshot.load(settings.index_dir)
    for chunk in snap.chunks:
        stored = snap.index.stored_vectors([chunk.chunk_id]).get(chunk.chunk_id)
        assert stored is not None
        np.testing.assert_allclose(stored, embedder.vector(chunk.embed_text), atol=1e-6)


def test_a_new_chunk_size_embeds_only_text_never_embedded(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    first = ingest(kb_settings, embedder=embedder, progress=False)
    assert first.embedded == SAMPLE_CHUNKS and first.reused == 0 and _rows(kb_settings) == SAMPLE_CHUNKS

    short = replace(kb_settings, chunk_chars=60)
    same = _short_paragraphs(kb_settings, 60)
    report = ingest(short, embedder=embedder, progress=False)
    assert "chunk_chars: 300 → 60" in report.rebuilt
    # Paragraphs of at most 60 characters are the same chunks as before: found in the cache.
    assert 0 < report.reused == same < report.chunks
    assert report.embedded == report.chunks - report.reused == embedder.calls - SAMPLE_CHUNKS
    assert f"{report.reused} 个片段的向量取自缓存" in report.summary()
    _vectors_are_the_embedders(short, embedder)

    calls = embedder.calls
    back = ingest(kb_settings, embedder=embedder, progress=False)  # and back: nothing to embed
    assert (back.embedded, back.reused, embedder.calls) == (0, SAMPLE_CHUNKS, calls)
    _vectors_are_the_embedders(kb_settings, embedder)


def test_a_new_segmenter_reads_everything_again_and_embeds_nothing(
    kb_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    monkeypatch.setattr(version, "SEGMENTER_VERSION", "next")
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert len(report.changed) == 1 and report.embedded == 0 and report.reused == SAMPLE_CHUNKS
    assert embedder.calls == SAMPLE_CHUNKS


def test_another_embedder_never_uses_these_vectors(kb_settings: Settings) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)

    class Other(HashEmbedder):  # same dimension, same texts: still not the same model
        name = "fake-other"

    other = Other()
    report = ingest(kb_settings, embedder=other, progress=False)
    assert (report.embedded, report.reused, other.calls) == (SAMPLE_CHUNKS, 0, SAMPLE_CHUNKS)
    assert _rows(kb_settings) == 2 * SAMPLE_CHUNKS  # one row per (model, text)


def test_an_index_without_a_cache_fills_it_from_the_live_version(kb_settings: Settings) -> None:
    """An index built before the cache existed (or whose cache was deleted) costs no re-embedding."""
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    for part in kb_settings.index_dir.glob(f"{CACHE_FILE}*"):
        part.unlink()
    report = ingest(replace(kb_settings, chunk_chars=60), embedder=embedder, progress=False)
    assert report.reused > 0 and report.embedded == report.chunks - report.reused


def test_a_damaged_cache_is_set_aside_and_rebuilt(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    _cache(kb_settings).write_bytes(b"not a database at all" * 100)
    extra = kb_settings.kb_dir / "2022年总结.txt"
    extra.write_text("引进高层次人才120名。\n新建人才驿站3个。\n", encoding="utf-8")
    report = ingest(kb_settings, embedder=embedder, progress=False)
    assert [Path(p).name for p in report.added] == ["2022年总结.txt"] and report.embedded == 2
    [warning] = report.warnings
    assert "向量缓存文件已损坏" in warning and "索引不受影响" in warning
    assert "注意：向量缓存文件已损坏" in report.summary()
    [aside] = kb_settings.index_dir.glob(f"{CACHE_FILE}.damaged-*")
    assert aside.read_bytes().startswith(b"not a database")
    # The new cache was filled from the live version: a new chunk size embeds only new text.
    assert _rows(kb_settings) == SAMPLE_CHUNKS + 2
    again = ingest(replace(kb_settings, chunk_chars=60), embedder=embedder, progress=False)
    assert again.reused > 0 and not again.warnings
    assert len(Snapshot.load(kb_settings.index_dir).paragraphs) == SAMPLE_CHUNKS + 2


def test_an_unusable_cache_file_leaves_a_cache_in_memory(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    for part in kb_settings.index_dir.glob(f"{CACHE_FILE}*"):
        part.unlink()
    _cache(kb_settings).mkdir()  # cannot be opened as a file at all (like a read-only folder)
    report = ingest(replace(kb_settings, chunk_chars=60), embedder=embedder, progress=False)
    assert "本次导入只在内存中缓存向量" in report.warnings[0]
    assert report.reused > 0  # filled from the live version all the same
    assert _cache(kb_settings).is_dir()  # left as it was


def test_a_row_that_does_not_fit_the_model_is_embedded_again(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    wrong = [b"\0" * 8, np.full(512, 0.5, dtype=np.float32).tobytes()]  # too short; not unit length
    with sqlite3.connect(_cache(kb_settings)) as con:
        keys = [k for (k,) in con.execute("SELECT text_hash FROM vectors ORDER BY text_hash LIMIT 2")]
        con.executemany(
            "UPDATE vectors SET vector = ? WHERE text_hash = ?", list(zip(wrong, keys, strict=True))
        )
    short = replace(kb_settings, chunk_chars=60)
    report = ingest(short, embedder=embedder, progress=False)
    assert report.embedded == report.chunks - report.reused
    _vectors_are_the_embedders(short, embedder)


class _DiesAfter(HashEmbedder):
    def __init__(self, batches: int) -> None:
        super().__init__()
        self.left = batches

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        if self.left == 0:
            raise RuntimeError("killed")
        self.left -= 1
        return super().embed_passages(texts)


def test_an_ingest_that_dies_half_way_resumes_where_it_was(kb_settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="killed"):
        ingest(kb_settings, embedder=_DiesAfter(batches=1), progress=False)
    assert store.current_version(kb_settings.index_dir) is None  # nothing published
    report = ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    assert report.reused == BATCH_SIZE and report.embedded == SAMPLE_CHUNKS - BATCH_SIZE


def _draft(n: int) -> str:
    return "".join(f"第{n}稿第{i}条：新建党员活动室{n * 10 + i}个。\n" for i in range(5))


def test_the_cache_is_pruned_to_twice_the_live_chunks(
    kb_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector_cache, "PRUNE_SLACK", 0)
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    draft = kb_settings.kb_dir / "草稿.txt"
    for n in range(1, 13):  # twelve edits of five new lines each: 97 texts embedded in all
        draft.write_text(_draft(n), encoding="utf-8")
        ingest(kb_settings, embedder=embedder, progress=False)
    live = SAMPLE_CHUNKS + 5
    assert embedder.calls == SAMPLE_CHUNKS + 60 and _rows(kb_settings) == 2 * live
    # The least recently used rows went: the previous draft is still there, the first is not.
    draft.write_text(_draft(11), encoding="utf-8")
    assert ingest(kb_settings, embedder=embedder, progress=False).embedded == 0
    draft.write_text(_draft(1), encoding="utf-8")
    assert ingest(kb_settings, embedder=embedder, progress=False).embedded == 5
    # And what the live version uses is never dropped: the sample was embedded once.
    same = _short_paragraphs(kb_settings, 60)
    assert ingest(replace(kb_settings, chunk_chars=60), embedder=embedder, progress=False).reused == same


def test_lookup_and_add_directly(tmp_path: Path) -> None:
    embedder = HashEmbedder(dim=8)
    cache = VectorCache(tmp_path, embedder)
    assert not (tmp_path / CACHE_FILE).exists()  # opened on first use
    assert cache.lookup(["甲", "乙"]) == {}
    cache.add(["甲", "乙"], embedder.embed_passages(["甲", "乙"]))
    cache.close()
    again = VectorCache(tmp_path, embedder)
    found = again.lookup(["乙", "丙"])
    assert list(found) == ["乙"]
    np.testing.assert_allclose(found["乙"], embedder.vector("乙"))
    again.close()
    with sqlite3.connect(tmp_path / CACHE_FILE) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # pruned pages are given back


def test_an_unchanged_knowledge_base_neither_opens_the_cache_nor_loads_the_model(
    kb_settings: Settings,
) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    for part in kb_settings.index_dir.glob(f"{CACHE_FILE}*"):
        part.unlink()

    class NoModel(HashEmbedder):
        @property
        def dim(self) -> int:
            raise AssertionError("the model was loaded")

    report = ingest(kb_settings, embedder=NoModel(), progress=False)
    assert report.unchanged and not _cache(kb_settings).exists()
