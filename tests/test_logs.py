"""Logs carry no question text and no report text at the default levels (INFO and above here,
stricter than the app's WARNING default): staff ask about personnel matters."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from admin.users import ADMIN, Users
from admin.web import delete, document_choices, upload
from ingest.build import ingest
from ingest.config import Settings
from rag.pipeline import KnowledgeBase
from tests.fakes import HashEmbedder
from tests.llm_server import FakeLLMServer, Reply

QUESTION = "张三同志2021年的考核结果是什么?"
SECRET = "干部考核结果属于内部材料，张三同志年度考核为优秀。"


class _Request:
    username = "管理员"


def test_questions_and_report_text_stay_out_of_the_logs(
    kb_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    users = Users(kb_settings.data_dir / "users.json")
    users.add("管理员", "admin-password", ADMIN)

    # The model refuses the request quoting it back (as servers do on a too-long prompt): the
    # warning logged must not carry that quote.
    def echo(body: dict[str, Any]) -> Reply:
        return Reply(f"prompt too long: {body['messages'][-1]['content'][:300]}", status=400)

    with FakeLLMServer(echo) as server:
        settings = replace(
            kb_settings, answerer="openai", llm_base_url=server.base_url, llm_model="m", llm_timeout=5
        )
        kb = KnowledgeBase(settings, embedder=HashEmbedder())
        source = tmp_path / "内部材料.txt"
        source.write_text(SECRET, encoding="utf-8")
        upload(kb, users, str(source), _Request(), uploads=tmp_path)  # type: ignore[arg-type]
        answer = kb.ask(QUESTION)
        assert answer.notice.startswith("大模型暂时无法回答")
        stored = next(path for label, path in document_choices(kb) if "内部材料" in label)
        delete(kb, users, stored, _Request())  # type: ignore[arg-type]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "内部材料.txt" in logged  # the audit lines name the file ...
    assert "LLM answer failed (BadRequestError, HTTP 400)" in logged
    for text in (QUESTION, "考核结果", SECRET, "年度考核为优秀"):  # ... never its text or a question
        assert text not in logged
