"""Every indexed document's metadata (year, issuing body, ...) derived again, with its sidecar
corrections, and the time scopes of its paragraphs recomputed where that metadata or its text
changed."""

from __future__ import annotations

from pathlib import Path

from ingest import store
from ingest.build.report import IngestReport
from ingest.metadata import (
    FOLDER_SIDECAR,
    FROM_FOLDER,
    SIDECAR_SUFFIX,
    Correction,
    corrected,
    derive,
    read_folder_correction,
    read_sidecar,
)
from ingest.scope import paragraph_scopes

# Bumped when ingest.scope reads paragraphs differently: every document's scopes are recomputed
# (cheap: no file is read, nothing embedded).
SCOPE_VERSION = "7"
# Paragraphs (with their headings) that metadata is derived from: a report names itself, its
# year and who delivers it in its opening lines.
HEAD_PARAGRAPHS = 10


def refresh_metadata(work: Path, report: IngestReport, touched: set[str]) -> bool:
    """Derive every document's metadata again (its sidecar may have changed even when the
    report did not) and recompute the time scopes of documents whose metadata or text changed.
    True when anything changed."""
    changed = False
    with store.catalog(work) as con:
        old = store.doc_metas(con)
        rescope_all = store.get_meta(con).get("scope") != SCOPE_VERSION
        folders: dict[Path, Correction | None] = {}
        for doc in store.documents(con):
            head = store.document_paragraphs(con, doc.doc_id, HEAD_PARAGRAPHS)
            lines = [line for p in head for line in (*p.heading_path, p.text)]
            stem = Path(doc.path).stem
            meta = derive(Path(doc.path).name, doc.title if doc.title != stem else None, lines)
            folder = Path(doc.path).parent
            if folder not in folders:  # read once per folder, its problems said once
                found = folders[folder] = read_folder_correction(folder)
                report.meta_problems.extend(found.problems if found is not None else ())
            # A folder's readers apply to each report in it; a report's own correction wins.
            meta = corrected(meta, folders[folder], FROM_FOLDER)
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
        if sidecar.name != FOLDER_SIDECAR and sidecar.name.removesuffix(SIDECAR_SUFFIX) not in indexed
    ]
