"""The `kb` command, through its entry point."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from cli import main
from ingest.config import Settings
from tests.conftest import SAMPLE_DOC_ID
from tests.llm_server import FakeLLMServer, Reply

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
# Every citation says which report it is from: its label, year, issuing body and kind.
CITATION_KEYS = {"n", "paragraph_id", "doc", "heading", "text", "sentence", "report", "year", "body", "kind"}


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
    assert {k: data["citations"][0][k] for k in ("report", "year", "body", "kind")} == {
        "report": SAMPLE_DOC_ID,
        "year": 2021,
        "body": "綦江区委组织部",
        "kind": "年度工作总结",
    }
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
    assert data["answer"].startswith("知识库中没有2022年的年度工作总结")


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


# --- generated answers and conversations ----------------------------------------------------------


def _llm(server: FakeLLMServer) -> list[str]:
    return ["--answerer", "openai", "--llm-base-url", server.base_url, "--llm-model", "fake"]


def test_ask_streams_a_model_answer_and_reports_its_check(
    real_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    reply = "全区培训各级各类党员干部40822人次[1]。"
    with FakeLLMServer(lambda body: Reply(reply)) as server:
        assert main(["ask", "2021年培训了多少人次党员干部?", *_args(real_settings), *_llm(server)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(reply + "\n✓ 引用与数字已逐句核对原文\n\n来源：\n[1] ")
    assert f"（{SAMPLE_DOC_ID}#9）" in out


def test_ask_json_shows_the_extract_when_the_model_fails_the_check(
    real_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeLLMServer(lambda body: Reply("全区培训党员干部85%[1]。")) as server:
        assert (
            main(["ask", "2021年培训了多少人次党员干部?", "--json", *_args(real_settings), *_llm(server)])
            == 0
        )
    data = json.loads(capsys.readouterr().out)
    # The model's answer failed the check: the extract is the answer, the model's text is set apart.
    assert data["answerer"] == "extractive"
    assert data["answer"].startswith("40822人次。依据：")
    assert data["unverified"] == [
        "全区培训党员干部85%。（第1句中的“85%”在所引段落 [1] 中找不到；"
        "回答中的数字与原文摘录答案（40822人次）不一致，请核对）"
    ]
    assert data["notice"] == "大模型的回答未通过核对，未采用；以下为原文摘录答案。"


def test_chat_carries_the_topic_into_a_follow_up(
    real_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("建成了多少个规范村?\n那示范村呢?\n"))
    assert main(["chat", *_args(real_settings)]) == 0
    out = capsys.readouterr().out
    first, second = out.split("问：那示范村呢?\n")
    assert first.startswith("问：建成了多少个规范村?\n")
    assert second.startswith("（检索问题：建成了多少个示范村?）\n77个。")


def test_an_incomplete_llm_setting_is_a_clear_error(
    real_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "问题", "--json", "--answerer", "openai", *_args(real_settings)]) == 2
    captured = capsys.readouterr()
    assert "KB_LLM_BASE_URL" in captured.err
    assert "KB_LLM_BASE_URL" in json.loads(captured.out)["error"]


def test_docs_lists_the_reports_with_their_metadata(
    real_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["docs", *_args(real_settings)]) == 0
    out = capsys.readouterr().out
    header, row = out.splitlines()[:2]
    assert header.split() == ["文件", "标题", "年份", "发布机关", "地区", "类型", "来源"]
    assert row.split()[:6] == [
        f"{SAMPLE_DOC_ID}.txt",
        SAMPLE_DOC_ID,
        "2021",
        "綦江区委组织部",
        "綦江区",
        "年度工作总结",
    ]
    assert main(["docs", "--json", *_args(real_settings)]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert (doc["year"], doc["kind"], doc["origin"]["year"]) == (2021, "年度工作总结", "文件名")


def test_ingest_prints_the_table_of_documents(
    kb_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--quiet", *_args(kb_settings)]) == 0  # the real default embedder
    out = capsys.readouterr().out
    assert "索引完成：1 个文档" in out
    assert f"{SAMPLE_DOC_ID}.txt" in out and "年度工作总结" in out


def test_ask_can_be_restricted_to_reports(
    real_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "建成示范村多少个?", "--year", "2021", "--json", *_args(real_settings)]) == 0
    assert json.loads(capsys.readouterr().out)["answer"].startswith("77个")
    assert main(["ask", "建成示范村多少个?", "--doc", "组工答卷", "--json", *_args(real_settings)]) == 0
    assert json.loads(capsys.readouterr().out)["answer"].startswith("77个")
    assert main(["ask", "建成示范村多少个?", "--year", "2019", *_args(real_settings)]) == 2
    assert "知识库中没有这些报告或年份：2019" in capsys.readouterr().err


def test_ingest_shows_progress_and_what_came_from_the_cache(
    kb_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.build import run
    from tests.fakes import HashEmbedder

    monkeypatch.setattr(run, "make_embedder", lambda spec: HashEmbedder())
    assert main(["ingest", *_args(kb_settings)]) == 0
    first = capsys.readouterr()
    assert "读取文件 1/1 个文件" in first.err and "向量化 37/37 段" in first.err
    assert "约剩" in first.err and "已用" in first.err and "发布新版本" in first.err
    assert "本次向量化 37 个片段。" in first.out
    monkeypatch.setenv("KB_CHUNK_CHARS", "60")  # a new chunk size: unchanged chunks are not embedded
    assert main(["ingest", "--quiet", *_args(kb_settings)]) == 0
    again = capsys.readouterr()
    assert "个片段的向量取自缓存" in again.out and not again.err


def test_ask_prints_a_table_and_its_json(
    reports_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    question = "2016年和2017年城镇新增就业目标分别是多少？"
    assert main(["ask", question, *_args(reports_settings)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "从2016年的1000万人以上[1]增加到2017年的1100万人以上[2]。"
    assert lines[1].split() == ["年份", "数值", "来源"]
    assert lines[2].split() == ["2016年", "1000万人以上", "《2016年政府工作报告》[1]"]
    assert lines[3].split() == ["2017年", "1100万人以上", "《2017年政府工作报告》[2]"]
    assert "来源：" in lines and any(line.startswith("[2] 2017年政府工作报告 · 国务院") for line in lines)
    assert main(["ask", question, "--json", *_args(reports_settings)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == JSON_KEYS | {"table"}
    assert [(r["year"], r["text"], r["unit"], r["qualifier"], r["citation"]) for r in data["table"]] == [
        (2016, "1000万人以上", "人", "以上", 1),
        (2017, "1100万人以上", "人", "以上", 2),
    ]
    assert data["citations"][1]["report"] == "2017年政府工作报告 · 国务院"


def test_a_second_process_starting_while_another_indexes_serves_what_is_published(
    real_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ingest.build import ingest_lock
    from ingest.startup import _wait_for_index, ensure_index
    from ingest.store import IndexMissing

    with ingest_lock(real_settings.index_dir):  # another `kb serve` or `kb ingest` at work
        ensure_index(real_settings, refresh=True)  # no error: the published index is served
    assert "另一个进程正在导入报告，先使用现有索引" in capsys.readouterr().err
    # No index published yet: wait for it, and say so when it never comes.
    with pytest.raises(IndexMissing, match=r"等待索引 .* 建立超时"):
        _wait_for_index(replace(real_settings, index_dir=tmp_path), timeout=0.2, poll=0.05)


def test_ask_prints_a_prose_answer_as_its_list_and_json_adds_the_points(
    real_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "干部家访工作是怎么开展的?", *_args(real_settings)]) == 0
    out = capsys.readouterr().out
    lines = out.split("\n")
    assert lines[0].startswith("据《綦江区委组织部2021年组工答卷》") and lines[0].endswith("：")
    assert lines[1] == "1. 深化干部“四级家访”,开展家访6500余人次[1]"
    assert "来源：" in out
    main(["ask", "干部家访工作是怎么开展的?", "--json", *_args(real_settings)])
    data = json.loads(capsys.readouterr().out)
    assert data["points"][0] == {"text": "深化干部“四级家访”,开展家访6500余人次", "citation": 1}
    assert all(isinstance(p["citation"], int) for p in data["points"])
    assert data["answer"].split("\n")[1:] == [
        f"{i}. {p['text']}[{p['citation']}]" for i, p in enumerate(data["points"], 1)
    ]
