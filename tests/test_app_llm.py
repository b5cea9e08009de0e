"""The web chat with a generated answerer: token streaming, verification shown, follow-ups.

A real index (hash embedder) and a real local HTTP model server (tests.llm_server)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest

from chat.web import respond
from ingest.config import Settings
from rag.evidence.refusal import RefusalModel
from rag.figures.answer import ExtractiveAnswerer
from rag.generation.llm import OpenAIChat
from rag.generation.prompt import Turn
from rag.pipeline import KnowledgeBase, idf_weights
from tests.fakes import HashEmbedder
from tests.llm_server import FakeLLMServer, Reply, is_rewrite
from tests.test_app import QUESTION, XSS_IMG, XSS_SCRIPT, _build, _tags

Script = Callable[[dict[str, Any]], Reply]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _build(tmp_path_factory.mktemp("app-llm"))


def _kb(settings: Settings, server: FakeLLMServer) -> KnowledgeBase:
    chat = OpenAIChat(server.base_url, "fake", timeout=2)
    plain = KnowledgeBase(settings, embedder=HashEmbedder(), chat=chat)
    answerer = ExtractiveAnswerer(weights=idf_weights(plain.snapshot), refusal=RefusalModel(threshold=0.0))
    return KnowledgeBase(settings, embedder=HashEmbedder(), answerer=answerer, chat=chat)


def _chat(settings: Settings, script: Script, question: str, turns: list[Turn] | None = None) -> list[Any]:
    with FakeLLMServer(script) as server:
        return list(respond(_kb(settings, server), question, [], turns, delay=0))


def test_tokens_stream_into_the_chat_then_the_checked_answer_links(settings: Settings) -> None:
    reply = "全区培训各级各类党员干部40822人次[1]。"
    steps = _chat(settings, lambda body: Reply(reply, pieces=list(reply)), QUESTION)
    partial = [hist[-1]["content"] for hist, section, _a in steps[:-1]]
    assert partial[:3] == ["全", "全区", "全区培"]  # one model token per step
    hist, sources, answer = steps[-1]
    content = hist[-1]["content"]
    assert answer.answerer == "openai:fake"
    assert re.search(r'40822人次<a href="#cite-[0-9a-f]+-1" class="cite"', content)
    assert '<div class="kb-verified">✓ 引用与数字已逐句核对原文</div>' in content
    assert "unverified" not in content
    assert "<mark>" in sources and "40822人次" in sources


def test_a_planted_wrong_number_is_folded_away_and_the_extract_shown(settings: Settings) -> None:
    steps = _chat(settings, lambda body: Reply("全区培训党员干部40000人次[1]。这体现了培训力度。"), QUESTION)
    hist, sources, _answer = steps[-1]
    content = hist[-1]["content"]
    # The streamed text is replaced: the extract is the answer, the model's text is folded away.
    shown, folded = content.split('<details class="kb-unverified">')
    notice = "大模型的回答未通过核对，未采用；以下为原文摘录答案。"
    assert shown.startswith(f'<div class="kb-notice">{notice}</div>')
    assert "40822人次。依据：" in shown and "40000" not in shown
    assert folded.startswith("<summary>⚠ 大模型写出、未通过核对的内容（未采用，以上为原文摘录答案）")
    assert "全区培训党员干部40000人次。这体现了培训力度。（第1句中的“40000人次”" in folded
    assert "第2句没有标注出处：“这体现了培训力度。”" in folded
    for n in re.findall(r'href="#(cite-[0-9a-f]+-\d+)"', shown):
        assert f'id="{n}"' in sources  # every link of the shown extract has its card


def test_the_model_failing_shows_a_notice_and_the_extract(settings: Settings) -> None:
    hist, _sources, answer = _chat(settings, lambda body: Reply(status=401), QUESTION)[-1]
    content = hist[-1]["content"]
    assert content.startswith('<div class="kb-notice">大模型暂时无法回答（大模型服务拒绝访问（HTTP 401）')
    assert "40822人次。依据：" in content
    assert answer.answerer == "extractive"


def test_a_follow_up_shows_the_question_searched(settings: Settings) -> None:
    def script(body: dict[str, Any]) -> Reply:
        return Reply("建成了多少个示范村?") if is_rewrite(body) else Reply("建成示范村(社区)77个[1]。")

    steps = _chat(settings, script, "那示范村呢?", [Turn("建成了多少个规范村?", "120个。")])
    first = steps[0][0][-1]["content"]
    assert first == '<div class="kb-searched">检索问题：建成了多少个示范村?</div>'
    hist, sources, answer = steps[-1]
    assert hist[-1]["content"].startswith('<div class="kb-searched">检索问题：建成了多少个示范村?</div>')
    assert "（检索：建成了多少个示范村?）" in sources
    assert answer.question == "那示范村呢?"


def test_model_output_with_html_stays_text(settings: Settings) -> None:
    reply = f"{XSS_SCRIPT}{XSS_IMG}培训党员干部40822人次[1]。"
    steps = _chat(settings, lambda body: Reply(reply), QUESTION)
    for hist, _sources, _answer in steps:
        content = hist[-1]["content"]
        assert _tags(content) <= {"a", "div", "br", "span", "ul", "li", "details", "summary"}
        assert "onerror" not in content or "&lt;img" in content
    assert html.escape(XSS_SCRIPT) in steps[-1][0][-1]["content"]
