"""The real local model (Qwen2.5-Coder-1.5B GGUF via llama-cpp-python), opt-in:

    make local-llm && .venv/bin/pytest -m local_llm

Slow (a minute or two on 2 cores) and needs the optional extra, so not in the default run."""

from __future__ import annotations

import pytest

from ingest.config import Settings
from rag.generation.local_model import DEFAULT_GGUF
from rag.pipeline import Final, KnowledgeBase, Token

pytestmark = pytest.mark.local_llm


@pytest.fixture(scope="module")
def local_kb(real_settings: Settings) -> KnowledgeBase:
    pytest.importorskip("llama_cpp", reason="needs `make local-llm`")
    if not DEFAULT_GGUF.is_file():
        pytest.skip(f"no model at {DEFAULT_GGUF}: run `make local-llm`")
    from rag.generation.llm import LlamaCppChat

    return KnowledgeBase(real_settings, chat=LlamaCppChat(DEFAULT_GGUF), embedder=None)


def test_the_local_model_streams_a_cited_answer_that_passes_the_check(local_kb: KnowledgeBase) -> None:
    events = list(local_kb.ask_stream("2021年培训了多少人次党员干部?"))
    tokens = [e for e in events if isinstance(e, Token)]
    final = events[-1]
    assert isinstance(final, Final)
    answer = final.answer
    assert len(tokens) > 3
    assert answer.answerer == f"llamacpp:{DEFAULT_GGUF.name}"
    assert "40822" in answer.text
    assert answer.verification is not None and answer.verification.ok, answer.verification.problems
    assert answer.citations and "40822人次" in answer.citations[0].text


def test_the_local_model_rewrites_a_follow_up(local_kb: KnowledgeBase) -> None:
    from rag.generation.prompt import Turn

    answer = local_kb.ask("那示范村呢?", history=[Turn("建成了多少个规范村?", "建成规范村(社区)211个。")])
    assert "示范村" in answer.searched
    assert "那" not in answer.searched[:1]
