"""How an ingest reports its progress and paces itself (`Pace`), passed to every step that reads
or embeds."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.progress import ProgressFn


@dataclass(frozen=True)
class Pace:
    """How an ingest reports and paces itself. With `batch_seconds`, batches are sized so that one
    takes about that long: a question waiting for a shared embedder waits at most one batch."""

    on_progress: ProgressFn | None = None
    batch_seconds: float | None = None

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        if self.on_progress is not None:
            self.on_progress(phase, done, total)
