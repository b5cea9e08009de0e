"""KnowledgeBase: follows new index versions, refuses a mismatched embedder, validates input."""

from __future__ import annotations

import threading
import time

import pytest

from ingest.build import ingest
from ingest.config import Settings
from ingest.embed import EmbedderError
from rag.pipeline import KnowledgeBase
from tests.fakes import HashEmbedder


def test_a_running_knowledge_base_sees_a_new_report_after_ingest(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    kb = KnowledgeBase(kb_settings, embedder=embedder)
    assert kb.status().documents == 1
    (kb_settings.kb_dir / "2022.txt").write_text("2022年新建人才驿站3个。", encoding="utf-8")
    ingest(kb_settings, embedder=embedder, progress=False)
    assert kb.status().documents == 2
    assert "2022#1" in kb.snapshot.paragraphs


def test_questions_do_not_wait_while_the_new_version_loads(
    kb_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading a large index takes seconds: meanwhile questions are answered from the version
    loaded before; the admin tab (`wait`) gets the new one."""
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    kb = KnowledgeBase(kb_settings, embedder=HashEmbedder())
    (kb_settings.kb_dir / "2022.txt").write_text("2022年新建人才驿站3个。", encoding="utf-8")
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)
    real = kb.reload

    def slow_reload() -> None:
        time.sleep(1.0)
        real()

    monkeypatch.setattr(kb, "reload", slow_reload)
    admin = threading.Thread(target=lambda: kb.current(wait=True))
    admin.start()
    time.sleep(0.1)  # the admin's thread is loading
    started = time.perf_counter()
    assert kb.ask("2021年培训了多少人次党员干部?").text.startswith("40822人次") and kb.status().documents == 1
    assert time.perf_counter() - started < 0.5
    admin.join()
    assert kb.status().documents == 2


def test_an_index_built_by_another_embedder_is_refused(kb_settings: Settings) -> None:
    ingest(kb_settings, embedder=HashEmbedder(), progress=False)

    class Other(HashEmbedder):
        name = "other-model"

    with pytest.raises(EmbedderError, match="fake-hash"):
        KnowledgeBase(kb_settings, embedder=Other())


@pytest.mark.parametrize(("question", "message"), [("   ", "不能为空"), ("问" * 501, "问题太长")])
def test_bad_questions_get_clear_errors(kb_settings: Settings, question: str, message: str) -> None:
    embedder = HashEmbedder()
    ingest(kb_settings, embedder=embedder, progress=False)
    with pytest.raises(ValueError, match=message):
        KnowledgeBase(kb_settings, embedder=embedder).ask(question)


def test_html_pasted_with_a_question_is_no_word_of_it(kb_settings: Settings) -> None:
    embedder = HashEmbedder()
    (kb_settings.kb_dir / "2022.txt").write_text("2022年新建人才驿站3个。", encoding="utf-8")
    ingest(kb_settings, embedder=embedder, progress=False)
    kb = KnowledgeBase(kb_settings, embedder=embedder)
    plain = kb.ask("2022年新建人才驿站多少个？")
    pasted = kb.ask('<span style="color:red">2022年新建人才驿站多少个？</span>')
    assert plain.text.startswith("3个。")
    assert pasted.text == plain.text
