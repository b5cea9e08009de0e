"""The `kb` command, through its entry point."""

from __future__ import annotations

import json

import pytest

from cli import main
from ingest.config import Settings
from tests.conftest import SAMPLE_DOC_ID

JSON_KEYS = {
    "question",
    "answer",
    "refused",
    "citations",
    "retrieved",
    "latency_ms",
    "answerer",
    "searched_question",
    "verification",
}
CITATION_KEYS = {"n", "paragraph_id", "doc", "heading", "text", "sentence"}


def _args(settings: Settings) -> list[str]:
    return ["--kb-dir", str(settings.kb_dir), "--index-dir", str(settings.index_dir)]


def test_ask_json_prints_exactly_one_object(
    real_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "2021年培训了多少人次党员干部?", "--json", *_args(real_settings)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    data = json.loads(out)
    assert set(data) == JSON_KEYS
    assert data["question"] == "2021年培训了多少人次党员干部?"
    assert data["refused"] is False
    assert data["answer"].startswith("40822人次")
    # The extractive answer quotes its paragraph, so it passes the same check as an LLM's.
    assert data["answerer"] == "extractive"
    assert data["verification"] == {"ok": True, "problems": []}
    assert data["searched_question"] == data["question"]
    assert set(data["citations"][0]) == CITATION_KEYS
    assert data["citations"][0]["paragraph_id"] == f"{SAMPLE_DOC_ID}#9"
    assert data["citations"][0]["doc"] == SAMPLE_DOC_ID
    assert data["retrieved"][0] == {
        "paragraph_id": f"{SAMPLE_DOC_ID}#9",
        "score": data["retrieved"][0]["score"],
    }
    assert len(data["retrieved"]) == 5
    assert isinstance(data["latency_ms"], float) and data["latency_ms"] > 0


def test_ask_json_refusal(real_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ask", "区委组织部2022年的预算是多少?", "--json", *_args(real_settings)])
    data = json.loads(capsys.readouterr().out)
    assert data["refused"] is True
    assert data["answer"].startswith("知识库中没有找到")


def test_ask_text_lists_sources(real_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ask", "建成示范村多少个?", *_args(real_settings)])
    out = capsys.readouterr().out
    assert out.startswith("77个。")
    assert f"[1] {SAMPLE_DOC_ID} · 请阅 綦江组工“答卷” > 基层党建卷 · 第33段" in out


def test_env_vars_choose_folders(
    real_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_DIR", str(real_settings.kb_dir))
    monkeypatch.setenv("KB_INDEX_DIR", str(real_settings.index_dir))
    assert main(["ask", "建成示范村多少个?", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"].startswith("77个")


def test_ingest_reports_unchanged(real_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--quiet", *_args(real_settings)]) == 0
    out = capsys.readouterr().out
    assert "1 个文档，37 个段落" in out and "未变 1" in out


def test_missing_index_and_bad_env_give_clear_errors(
    tmp_path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("KB_PORT", "abc")
    assert main(["ask", "问题", "--kb-dir", str(tmp_path), "--index-dir", str(tmp_path / "i")]) == 2
    assert "KB_PORT" in capsys.readouterr().err
