"""Reports added and removed through the web app: stored under the knowledge-base folder with a
safe name, indexed incrementally, and never at the cost of what is already there.

An upload is copied to a hidden temporary file in the folder (ingest skips hidden files), moved
to its final name only if that name is free, and indexed alone; if it cannot be read, or it
duplicates a report already indexed, the file is removed again and the index is left as it was.
A deleted report is moved to `$KB_DATA_DIR/trash/`, not erased, and the index drops it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import unicodedata
from pathlib import Path

from ingest.build import IngestLocked, IngestReport, ingest
from ingest.config import Settings
from ingest.embed import Embedder
from ingest.loaders import SUPPORTED_SUFFIXES

MAX_NAME_CHARS = 80
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


class UploadError(ValueError):
    """Why an upload or deletion was refused, in Chinese, for the administrator."""


def safe_name(name: str) -> str:
    """A file name that stays inside the folder and means the same on every system:
    "../../etc/passwd" -> "passwd", "年度 报告.docx" stays, "..报告.txt" -> "报告.txt"."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    stem, suffix = os.path.splitext(name)
    stem = stem.rstrip(". ")[:MAX_NAME_CHARS] or "未命名报告"
    return stem + suffix.lower()


def _free_name(folder: Path, name: str) -> Path:
    """`name`, or "name (2)", "name (3)" ... : an upload never replaces a stored report."""
    stem, suffix = os.path.splitext(name)
    candidate, n = folder / name, 2
    while candidate.exists():
        candidate, n = folder / f"{stem} ({n}){suffix}", n + 1
    return candidate


def store_upload(
    settings: Settings, source: Path, original_name: str, embedder: Embedder
) -> tuple[Path, IngestReport]:
    """Put an uploaded file into the knowledge-base folder and index it; returns where it went."""
    name = safe_name(original_name)
    suffix = os.path.splitext(name)[1]
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = "、".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadError(f"不支持的文件类型 {suffix or '（无扩展名）'}：{original_name}。可上传：{kinds}")
    size = source.stat().st_size
    if size == 0:
        raise UploadError(f"文件为空：{original_name}")
    if size > settings.max_file_mb * 2**20:
        raise UploadError(
            f"文件过大：{original_name}（{size / 2**20:.1f} MB，上限 {settings.max_file_mb} MB）"
        )
    settings.kb_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.kb_dir / f".upload-{os.getpid()}-{time.time_ns()}{suffix}"
    shutil.copyfile(source, tmp)
    target = _free_name(settings.kb_dir, name)
    os.replace(tmp, target)
    try:
        report = ingest(settings, [target], embedder=embedder, progress=False)
    except IngestLocked as exc:
        target.unlink(missing_ok=True)
        raise UploadError("另一个导入任务正在进行，请稍后再上传。") from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    problem = _problem(report, target)
    if problem:
        target.unlink(missing_ok=True)  # nothing was indexed from it: leave no stray file
        raise UploadError(problem)
    return target, report


def _problem(report: IngestReport, target: Path) -> str:
    for path, reason in report.failed:
        if Path(path) == target:
            return f"无法导入 {target.name}：{reason}"
    for path, same in report.duplicates:
        if Path(path) == target:
            return f"{target.name} 的内容与已有报告 {Path(same).name} 完全相同，未重复导入。"
    return ""


def delete_report(settings: Settings, path: str, embedder: Embedder) -> IngestReport:
    """Move an indexed report out of the knowledge-base folder (into the trash) and drop it."""
    file = Path(path)
    kb = settings.kb_dir.resolve()
    if not file.resolve().is_relative_to(kb) or not file.is_file():
        raise UploadError(f"只能删除知识库文件夹中的报告：{path}")
    trash = settings.data_dir / "trash"
    trash.mkdir(parents=True, exist_ok=True)
    kept = trash / f"{time.strftime('%Y%m%d-%H%M%S')}-{file.name}"
    shutil.move(str(file), kept)
    try:
        return ingest(settings, [settings.kb_dir], embedder=embedder, progress=False)
    except IngestLocked as exc:
        shutil.move(str(kept), file)  # put it back: the index still has it
        raise UploadError("另一个导入任务正在进行，请稍后再删除。") from exc
