"""What changed since the last ingest: each file hashed and compared with what is indexed, so that
only new and edited files are read; unchanged files, duplicates and id clashes are reported."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest import store
from ingest.build.discover import source_root
from ingest.build.read import ToRead, unreadable_reason
from ingest.build.report import IngestReport
from ingest.segment import doc_id_for


def plan_reads(
    files: list[Path],
    indexed: dict[str, store.DocumentInfo],
    kb_dir: Path,
    report: IngestReport,
    reread: bool,
) -> tuple[list[ToRead], set[str]]:
    """The files to read, and the document ids `files` keep (read or unchanged). With `reread`,
    unchanged files are read again too (the segmenter changed)."""
    seen_ids: set[str] = set()
    current: dict[Path, str] = {}
    for path in files:
        try:
            current[path] = hash_file(path)
        except OSError as exc:  # gone since it was listed, or not readable by this user
            report.failed.append((str(path), unreadable_reason(exc)))
    owner = _content_owners(current, indexed, kb_dir)

    to_read: list[ToRead] = []
    for path, digest in current.items():
        doc_id = doc_id_for(path.relative_to(source_root(path, kb_dir)).as_posix())
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
    return to_read, seen_ids


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
