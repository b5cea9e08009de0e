"""Which files an ingest looks at: the supported files under the given files and folders, and
where each one's document id is counted from."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ingest.loaders import SUPPORTED_SUFFIXES

# Files in the knowledge-base folder that are about it rather than part of it.
IGNORED_NAMES = frozenset({"readme.md", "readme.txt", "readme"})


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


def in_scope(stored_path: str, roots: Sequence[Path]) -> bool:
    stored = Path(stored_path)
    return any(stored == _absolute(r) or _inside(stored, r) for r in roots)
