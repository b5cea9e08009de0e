"""One ingest at a time per index: the lock file every ingest (command line, app, upload) holds."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = "ingest.lock"


class IngestLocked(RuntimeError):
    pass


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
