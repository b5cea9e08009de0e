"""The OpenAI-compatible client against a real local HTTP server: streaming and every failure."""

from __future__ import annotations

import socket
import sys

import pytest

from ingest.config import Settings
from rag.generation.llm import LLMError, OpenAIChat, complete, make_chat_model
from tests.llm_server import FakeLLMServer, Reply, recorded

MESSAGES = [{"role": "system", "content": "规则"}, {"role": "user", "content": "问题"}]


def test_streams_pieces_in_order_and_sends_model_key_and_settings() -> None:
    with FakeLLMServer(lambda body: Reply(pieces=["40822", "人次", "[1]。"])) as server:
        chat = OpenAIChat(server.base_url, "qwen-test", api_key="secret-key", timeout=5)
        assert list(chat.stream(MESSAGES)) == ["40822", "人次", "[1]。"]
    body = server.requests[0]
    assert body["model"] == "qwen-test"
    assert body["stream"] is True
    assert body["temperature"] == 0.0
    assert body["messages"] == MESSAGES
    assert {k.lower(): v for k, v in server.headers[0].items()}["authorization"] == "Bearer secret-key"
    assert chat.name == "openai:qwen-test"


def test_replays_a_response_recorded_from_llama_cpp_server() -> None:
    with FakeLLMServer(lambda body: recorded("answer-40822.sse")) as server:
        text = complete(OpenAIChat(server.base_url, "qwen", timeout=5), MESSAGES)
    assert "40822人次" in text
    assert "[1]" in text


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(status=401), "HTTP 401.*KB_LLM_API_KEY"),
        (Reply(status=403), "HTTP 403"),
        (Reply(status=404), "KB_LLM_MODEL=qwen"),
        (Reply(status=500), r"出错（HTTP 500）"),
        (Reply(status=503), r"出错（HTTP 503）"),
        (Reply(raw=b"data: {not json\n\n"), "无法识别"),
        (Reply(raw=b'data: {"id": "x", "object": "chat.completion.chunk"}\n\ndata: [DONE]\n\n'), "无法识别"),
        (Reply(raw=b'data: {"error": {"message": "overloaded"}}\n\n'), "无法识别"),
    ],
)
def test_failures_become_clear_chinese_errors(reply: Reply, message: str) -> None:
    with FakeLLMServer(lambda body: reply) as server:
        chat = OpenAIChat(server.base_url, "qwen", timeout=5)
        with pytest.raises(LLMError, match=message):
            complete(chat, MESSAGES)
    assert len(server.requests) == 1  # no retries: a user is waiting


def test_a_stalled_server_times_out() -> None:
    with FakeLLMServer(lambda body: Reply("迟到的回答", delay=2.0)) as server:
        chat = OpenAIChat(server.base_url, "qwen", timeout=0.5)
        with pytest.raises(LLMError, match=r"超过 0\.5 秒没有响应"):
            complete(chat, MESSAGES)


def test_nothing_listening_is_a_connection_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chat = OpenAIChat(f"http://127.0.0.1:{port}/v1", "qwen", timeout=2)
    with pytest.raises(LLMError, match=f"无法连接大模型服务 http://127.0.0.1:{port}/v1"):
        complete(chat, MESSAGES)


def test_settings_choose_the_backend_and_name_what_is_missing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert make_chat_model(Settings()) is None
    with pytest.raises(ValueError, match="KB_LLM_BASE_URL"):
        make_chat_model(Settings(answerer="openai", llm_model="m"))
    with pytest.raises(ValueError, match="KB_LLM_MODEL"):
        make_chat_model(Settings(answerer="openai", llm_base_url="http://x/v1"))
    with pytest.raises(ValueError, match="KB_LLM_GGUF"):
        make_chat_model(Settings(answerer="llamacpp"))
    with pytest.raises(ValueError, match="不存在"):
        make_chat_model(Settings(answerer="llamacpp", llm_gguf=str(tmp_path / "missing.gguf")))
    with pytest.raises(ValueError, match="KB_ANSWERER"):
        Settings.from_env(answerer="gpt")


def test_settings_read_the_llm_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_ANSWERER", "openai")
    monkeypatch.setenv("KB_LLM_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("KB_LLM_MODEL", "qwen")
    monkeypatch.setenv("KB_LLM_API_KEY", "k")
    monkeypatch.setenv("KB_LLM_TIMEOUT", "30")
    s = Settings.from_env(llm_model="override")
    assert (s.answerer, s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_timeout) == (
        "openai",
        "http://127.0.0.1:8000/v1",
        "override",
        "k",
        30.0,
    )
    monkeypatch.setenv("KB_LLM_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="KB_LLM_TIMEOUT"):
        Settings.from_env()


def test_the_extractive_default_loads_no_llm_client() -> None:
    import subprocess

    code = (
        "import sys; from ingest.config import Settings; from rag.pipeline import KnowledgeBase; "
        "from rag.generation.llm import make_chat_model; make_chat_model(Settings()); "
        "print(any(m.split('.')[0] in ('openai', 'llama_cpp') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
