"""`kb quiz`: the question-bank export and a round in the terminal, on the real sample index."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from cli import main
from ingest.config import Settings
from tests.conftest import SAMPLE_DOC_ID

EXPORT_KEYS = {"id", "type", "question", "answer", "choices", "paragraph_id", "source_text"}


def _args(settings: Settings, data: Path) -> list[str]:
    return ["--kb-dir", str(settings.kb_dir), "--index-dir", str(settings.index_dir), "--data-dir", str(data)]


def test_export_writes_every_question_as_json_lines(
    real_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "review" / "bank.jsonl"
    assert main(["quiz", "--export", str(out), *_args(real_settings, tmp_path / "data")]) == 0
    assert capsys.readouterr().out.strip() == (
        f"已导出 99 道题（数字题 20、考题要点 3、填空题 32、选择题 44）到 {out}"
    )
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 99 and len({r["id"] for r in rows}) == 99
    for row in rows:
        assert set(row) == EXPORT_KEYS
        assert row["paragraph_id"].startswith(f"{SAMPLE_DOC_ID}#")
        assert row["answer"] in row["source_text"]
        assert (row["type"] == "choice") == bool(row["choices"])
    training = next(
        r for r in rows if r["question"] == "2021年，培训各级各类党员干部多少人次？" and not r["choices"]
    )
    assert (training["type"], training["answer"], training["paragraph_id"]) == (
        "number",
        "40822人次",
        f"{SAMPLE_DOC_ID}#9",
    )
    assert not list(out.parent.glob(".*tmp*"))  # written through a temporary file, which is gone


def test_a_round_in_the_terminal_saves_progress(
    real_settings: Settings,
    where: Path | str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In study.sqlite, or with --database-url in PostgreSQL (and then no file is written)."""
    data = tmp_path / "data"
    database = [] if isinstance(where, Path) else ["--database-url", where]
    monkeypatch.setattr("sys.stdin", io.StringIO("不知道\n\n"))  # one wrong answer, one skipped, then EOF
    args = [
        "quiz",
        "--user",
        "张三",
        "--report",
        "綦江",
        "--section",
        "政治建设卷",
        "--count",
        "3",
        *database,
    ]
    assert main([*args, *_args(real_settings, data)]) == 0
    out = capsys.readouterr().out
    assert "张三，本轮 3 题，范围：綦江区委组织部2021年组工答卷 › 政治建设卷" in out
    assert "✗ 回答错误　正确答案：" in out and "已跳过。正确答案：" in out
    assert "输入结束，本轮提前结束" in out
    assert "本轮完成：答对 0/1 题。" in out
    assert (data / "study.sqlite").exists() == isinstance(where, Path)
    assert main(["quiz", "--user", "张三", "--progress", *database, *_args(real_settings, data)]) == 0
    progress = capsys.readouterr().out
    assert progress.startswith("张三：已答 1 次，答对 0，答错 1；待复习 1 题（答错待重做 1）")
    assert (
        "  綦江区委组织部2021年组工答卷：已答 1，答对 0，答错 1\n    › 政治建设卷：已答 1，答对 0，答错 1\n"
        in progress
    )


def test_quiz_errors_are_clear(
    real_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quiz", *_args(real_settings, tmp_path)]) == 2
    assert "请用 --user 指定姓名" in capsys.readouterr().err
    assert main(["quiz", "--user", "张三", "--section", "不存在的卷", *_args(real_settings, tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "没有" in err and "政治建设卷" in err  # lists the scopes there are


def test_a_corrupt_progress_file_does_not_stop_the_export(
    real_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "study.sqlite").write_bytes(b"garbage" * 200)
    assert main(["quiz", "--export", str(tmp_path / "bank.jsonl"), *_args(real_settings, data)]) == 0
    assert capsys.readouterr().out.startswith("已导出 99 道题")
    assert main(["quiz", "--user", "张三", *_args(real_settings, data)]) == 2
    assert f"错误：学习记录文件 {data / 'study.sqlite'} 读写失败" in capsys.readouterr().err
    assert (data / "study.sqlite").read_bytes() == b"garbage" * 200  # left for the administrator
