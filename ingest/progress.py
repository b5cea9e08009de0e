"""How far an ingest is, for whoever watches it: the web upload's status line and `kb ingest`.

An ingest reports `on_progress(phase, done, total)`: the phase in Chinese (PHASES), and for the
phases that count something, how many of how many (files read, passages embedded); the others
report 0 of 0. Reports of one phase arrive in order with `done` never decreasing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

ProgressFn = Callable[[str, int, int], None]

READING = "读取文件"
EMBEDDING = "向量化"
KEYWORDS = "建立关键词索引"
PUBLISHING = "发布新版本"
PHASES = (READING, EMBEDDING, KEYWORDS, PUBLISHING)
UNITS = {READING: "个文件", EMBEDDING: "段"}


def remaining_text(seconds: float | None) -> str:
    """The time left in words: "约剩 35 秒", "约剩 2 分 10 秒", "约剩 1 小时 5 分"."""
    if seconds is None:
        return "正在估计剩余时间"
    s = max(1, round(seconds))
    if s < 60:
        return f"约剩 {s} 秒"
    if s < 3600:
        return f"约剩 {s // 60} 分 {s % 60} 秒" if s < 600 else f"约剩 {round(s / 60)} 分钟"
    return f"约剩 {s // 3600} 小时 {s % 3600 // 60} 分"


class ProgressState:
    """The last report of an ingest running in another thread, with an estimate of the time left.

    Call it as the ingest's `on_progress`; read `line()` from any thread. The rate of a phase is
    measured from its first finished step on (the first step includes warming up: loading the
    model, a first batch that is slower than the rest), so the estimate settles quickly."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.phase = ""
        self.done = 0
        self.total = 0
        self._started = 0.0  # when the phase began
        self._first: tuple[float, int] | None = None  # (when, done) of its first finished step
        self._last = 0.0  # when the last report came

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = self._clock()
        with self._lock:
            if phase != self.phase:
                self.phase, self._started, self._first = phase, now, None
            elif done > self.done and self._first is None:
                self._first = (now, done)
            self.done, self.total, self._last = done, total, now

    def remaining(self) -> float | None:
        """Seconds left in the current phase (None: not known yet, or a phase without counts)."""
        with self._lock:
            if not self.total or self.done <= 0:
                return None
            if self._first is not None and self.done > self._first[1] and self._last > self._first[0]:
                rate = (self.done - self._first[1]) / (self._last - self._first[0])
            elif self._last > self._started:
                rate = self.done / (self._last - self._started)
            else:
                return None
            left = (self.total - self.done) / rate - (self._clock() - self._last)
            return max(left, 0.0)

    def line(self) -> str:
        """Where the ingest is: "向量化 120/200 段，约剩 35 秒", "读取文件 0/1 个文件", "建立关键词索引";
        "准备中" before the first report."""
        with self._lock:
            phase, done, total = self.phase, self.done, self.total
        if not phase:
            return "准备中"
        if not total:
            return phase
        counted = f"{phase} {done}/{total} {UNITS.get(phase, '')}".rstrip()
        return f"{counted}，{remaining_text(self.remaining())}" if phase == EMBEDDING else counted


class TerminalProgress:
    """Progress on the terminal (stderr) for `kb ingest`: a bar per counted phase showing done/total,
    time spent, time left and rate; a line for the others. Use as a context manager."""

    BAR = "{desc} {n_fmt}/{total_fmt} {unit} |{bar}| 已用 {elapsed}，约剩 {remaining}，{rate_fmt}"

    def __init__(self, file: Any = None) -> None:
        self._file = file or sys.stderr
        self._bar: Any = None
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self._phase:
            self._close_bar()
            self._phase = phase
            if total:
                self._bar = tqdm(
                    total=total,
                    desc=phase,
                    unit=UNITS.get(phase, "个"),
                    bar_format=self.BAR,
                    file=self._file,
                    dynamic_ncols=True,
                )
            elif phase not in (READING, EMBEDDING):  # an empty counted phase: nothing to show
                print(f"{phase}……", file=self._file, flush=True)
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close_bar()
