"""Reading the files an ingest must (re)index: each one loaded, segmented into paragraphs and cut
into chunks; what cannot be read goes into the report with its reason."""

from __future__ import annotations

from pathlib import Path

from ingest import store
from ingest.build.pace import Pace
from ingest.build.report import IngestReport
from ingest.chunk import chunk_paragraphs
from ingest.config import Settings
from ingest.loaders import LoadError, load_document
from ingest.progress import READING
from ingest.records import Chunk, DocumentRecord
from ingest.segment import segment

# A file to read: (path, content hash, document id, its indexed version if any).
ToRead = tuple[Path, str, str, store.DocumentInfo | None]
# A file read: (its record, its chunks, whether an earlier version of it is indexed).
NewDocument = tuple[DocumentRecord, list[Chunk], bool]


def read_changed(
    to_read: list[ToRead], settings: Settings, report: IngestReport, seen_ids: set[str], pace: Pace
) -> list[NewDocument]:
    """Read every file of `to_read`; a failure is reported and its id, if new, freed again."""
    new_docs: list[NewDocument] = []
    for n, (path, digest, doc_id, old) in enumerate(to_read):
        pace(READING, n, len(to_read))
        try:
            record, chunks = read_document(path, doc_id, digest, settings)
        except LoadError as exc:
            report.failed.append((str(path), exc.reason))
            if old is None:
                seen_ids.discard(doc_id)
            continue  # an earlier indexed version, if any, stays
        new_docs.append((record, chunks, old is not None))
    if to_read:
        pace(READING, len(to_read), len(to_read))
    return new_docs


def unreadable_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件在导入过程中被删除或移走"
    return f"无法读取文件（{exc.strerror or exc}）"


def read_document(
    path: Path, doc_id: str, digest: str, settings: Settings
) -> tuple[DocumentRecord, list[Chunk]]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(str(path), unreadable_reason(exc)) from None
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
