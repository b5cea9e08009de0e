"""What every loader shares: `LoadError`, reading a file's bytes, and small text helpers
(gluing wrapped lines, cleaning a title)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class LoadError(Exception):
    """A file could not be turned into text. `reason` is in Chinese and meant for users."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Default exception pickling would call LoadError(message) and fail; keep it picklable
        # so errors survive a process pool.
        return (type(self), (self.path, self.reason))


def read_bytes(path: str | Path) -> bytes:
    # Errors name the path as the caller spelled it, so messages match the caller's own list.
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "文件不存在") from None
    except IsADirectoryError:
        raise LoadError(path, "这是一个文件夹，不是文件") from None
    except OSError as exc:
        raise LoadError(path, f"无法读取文件（{exc.strerror or exc}）") from None
    if not data:
        raise LoadError(path, "文件为空")
    return data


def join_fragments(left: str, right: str) -> str:
    """Glue two pieces of one wrapped paragraph: Chinese takes no space, English words do."""
    if not left or not right:
        return left + right
    last, first = left[-1], right[0]
    left_is_word = last.isascii() and (last.isalnum() or last in ",)%\"'")
    right_is_word = first.isascii() and (first.isalnum() or first in "(\"'")
    return f"{left} {right}" if left_is_word and right_is_word else left + right


def clean_title(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    title = " ".join(value.split())
    return title or None
