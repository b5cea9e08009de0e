"""The local-model client's threading, with a stand-in for llama.cpp (the real one: test_local_llm)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.generation.llm import LlamaCppChat, LLMError


class FakeLlama:
    def __init__(self, pieces: list[str], delay: float = 0.0) -> None:
        self.pieces = pieces
        self.delay = delay
        self.produced = 0

    def create_chat_completion(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        assert kwargs["stream"] is True and kwargs["temperature"] == 0.0
        yield {"choices": [{"delta": {"role": "assistant"}}]}
        for piece in self.pieces:
            time.sleep(self.delay)
            self.produced += 1
            yield {"choices": [{"delta": {"content": piece}}]}


def _chat(tmp_path: Path, llama: FakeLlama, timeout: float = 5.0) -> LlamaCppChat:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    chat = LlamaCppChat(gguf, timeout=timeout)
    chat._llama = llama  # skip loading a real model
    return chat


MESSAGES = [{"role": "user", "content": "问题"}]


def test_pieces_stream_through_the_worker(tmp_path: Path) -> None:
    chat = _chat(tmp_path, FakeLlama(["40822", "人次", "[1]"]))
    assert list(chat.stream(MESSAGES)) == ["40822", "人次", "[1]"]
    assert chat.name == "llamacpp:model.gguf"


def test_a_reader_that_stops_frees_the_model_for_the_next_answer(tmp_path: Path) -> None:
    llama = FakeLlama([str(i) for i in range(200)], delay=0.01)
    chat = _chat(tmp_path, llama)
    stream = chat.stream(MESSAGES)
    assert next(stream) == "0"
    stream.close()  # the user left
    deadline = time.monotonic() + 5
    while chat._lock.locked() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not chat._lock.locked()
    assert llama.produced < 200
    llama.pieces, llama.delay = ["好"], 0.0
    assert list(chat.stream(MESSAGES)) == ["好"]


def test_a_busy_model_is_a_clear_error_after_the_timeout(tmp_path: Path) -> None:
    chat = _chat(tmp_path, FakeLlama(["x"]), timeout=0.2)
    with chat._lock, pytest.raises(LLMError, match="本地模型正忙"):  # another answer is running
        list(chat.stream(MESSAGES))


def test_a_generation_error_becomes_an_llm_error(tmp_path: Path) -> None:
    class Failing(FakeLlama):
        def create_chat_completion(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
            raise ValueError("Requested tokens (5000) exceed context window of 4096")

    chat = _chat(tmp_path, Failing([]))
    with pytest.raises(LLMError, match="exceed context window") as err:
        list(chat.stream(MESSAGES))
    assert err.value.unavailable is False
    assert threading.active_count() < 50
