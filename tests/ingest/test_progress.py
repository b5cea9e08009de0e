"""Progress of an ingest as people see it: a status line with the time left, a terminal bar."""

from __future__ import annotations

import io

from ingest.progress import (
    EMBEDDING,
    KEYWORDS,
    PUBLISHING,
    READING,
    ProgressState,
    TerminalProgress,
    remaining_text,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_remaining_time_in_words() -> None:
    assert remaining_text(None) == "正在估计剩余时间"
    assert remaining_text(0.2) == "约剩 1 秒"
    assert remaining_text(35) == "约剩 35 秒"
    assert remaining_text(130) == "约剩 2 分 10 秒"
    assert remaining_text(1500) == "约剩 25 分钟"
    assert remaining_text(3900) == "约剩 1 小时 5 分"


def test_the_status_line_estimates_from_the_rate_after_the_first_step() -> None:
    clock = Clock()
    state = ProgressState(clock)
    assert state.line() == "准备中"
    state(READING, 0, 1)
    assert state.line() == "读取文件 0/1 个文件"
    state(EMBEDDING, 0, 200)
    assert state.line() == "向量化 0/200 段，正在估计剩余时间"
    clock.now += 10  # the first batch is slow (the model loads)
    state(EMBEDDING, 20, 200)
    assert state.line() == "向量化 20/200 段，约剩 1 分 30 秒"  # 2 per second so far
    clock.now += 20
    state(EMBEDDING, 120, 200)  # 5 per second since the first batch
    assert state.line() == "向量化 120/200 段，约剩 16 秒"
    clock.now += 6  # no report for a while: the estimate counts down
    assert state.line() == "向量化 120/200 段，约剩 10 秒"
    state(KEYWORDS, 0, 0)
    assert state.line() == "建立关键词索引"


def test_the_terminal_shows_done_total_and_time_left_in_chinese() -> None:
    out = io.StringIO()
    with TerminalProgress(out) as show:
        show(READING, 0, 2)
        show(READING, 2, 2)
        show(EMBEDDING, 0, 40)
        show(EMBEDDING, 16, 40)
        show(EMBEDDING, 40, 40)
        show(KEYWORDS, 0, 0)
        show(PUBLISHING, 0, 0)
    text = out.getvalue()
    assert "读取文件 2/2 个文件" in text
    assert "向量化 40/40 段" in text and "约剩" in text and "已用" in text
    assert "建立关键词索引……" in text and "发布新版本……" in text
