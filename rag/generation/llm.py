"""Chat models that write answers: any OpenAI-compatible endpoint, or a local GGUF file.

Both stream text pieces and raise `LLMError` with a Chinese message a user can act on (wrong
key, server down, timeout, garbage output); callers fall back to the extractive answer. The
client libraries are imported only when a model is configured, so the extractive default
never loads them.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from ingest.config import Settings

Message = dict[str, str]
DEFAULT_MAX_TOKENS = 512


class LLMError(RuntimeError):
    """The model could not answer; the message says why, in Chinese, for the user.

    `unavailable`: the service itself failed (down, timeout, refused the key), so asking it
    again for the same question is pointless; otherwise only this reply was unusable."""

    def __init__(self, message: str, unavailable: bool = True) -> None:
        super().__init__(message)
        self.unavailable = unavailable


class ChatModel(Protocol):
    name: str  # "openai:<model>" or "llamacpp:<file>", reported as the answerer

    def stream(self, messages: Sequence[Message], max_tokens: int = DEFAULT_MAX_TOKENS) -> Iterator[str]:
        """The reply, piece by piece. Raises LLMError."""
        ...


def complete(model: ChatModel, messages: Sequence[Message], max_tokens: int = DEFAULT_MAX_TOKENS) -> str:
    return "".join(model.stream(messages, max_tokens))


class OpenAIChat:
    """An OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp's server, domestic APIs)."""

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 120.0) -> None:
        import openai

        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}"
        self.timeout = timeout
        # No retries: a user is waiting, and the extractive answer is the fallback.
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=0
        )

    def stream(self, messages: Sequence[Message], max_tokens: int = DEFAULT_MAX_TOKENS) -> Iterator[str]:
        import httpx
        import openai

        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=list(messages),  # type: ignore[arg-type]
                stream=True,
                temperature=0.0,
                max_tokens=max_tokens,
            )
            for chunk in response:
                piece = _delta_text(chunk)
                if piece:
                    yield piece
        # Timeouts and dropped connections can surface as httpx's own errors once the stream
        # has started (older openai releases do not wrap them).
        except (openai.APITimeoutError, httpx.TimeoutException) as exc:
            raise LLMError(f"大模型服务 {self.base_url} 超过 {self.timeout:g} 秒没有响应") from exc
        except openai.AuthenticationError as exc:
            raise LLMError("大模型服务拒绝访问（HTTP 401）：请检查 KB_LLM_API_KEY") from exc
        except openai.PermissionDeniedError as exc:
            raise LLMError("大模型服务拒绝访问（HTTP 403）：请检查 KB_LLM_API_KEY 的权限") from exc
        except openai.NotFoundError as exc:
            raise LLMError(
                f"大模型服务找不到模型或接口（HTTP 404）：请检查 KB_LLM_MODEL={self.model} 和 KB_LLM_BASE_URL"
            ) from exc
        except openai.BadRequestError as exc:
            # Usually the prompt is too long for the model's context: say what the server said.
            raise LLMError(f"大模型服务拒绝了请求（HTTP 400）：{_server_message(exc)}") from exc
        except openai.APIStatusError as exc:
            raise LLMError(f"大模型服务出错（HTTP {exc.status_code}）") from exc
        except (openai.APIConnectionError, httpx.HTTPError) as exc:
            raise LLMError(f"无法连接大模型服务 {self.base_url}") from exc
        except (openai.APIError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # Non-JSON lines, chunks without choices, an error object mid-stream.
            raise LLMError("大模型服务返回了无法识别的内容", unavailable=False) from exc


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message or getattr(exc, "message", "") or exc)
    return text if len(text) <= 200 else text[:200] + "……"


def _delta_text(chunk: Any) -> str:
    choices = chunk.choices
    if choices is None:
        raise ValueError("chunk without choices")
    if not choices:
        return ""  # usage-only chunks at the end of some servers' streams
    content = choices[0].delta.content if choices[0].delta is not None else None
    return content or ""


class LlamaCppChat:
    """A GGUF model run in this process by llama-cpp-python (`pip install '.[local-llm]'`).

    One llama.cpp context must not serve two answers at once, so generation runs in a worker
    thread that holds the model's lock; the caller reads pieces from a queue with a timeout and,
    when it stops reading (the user left), the worker stops at the next token."""

    def __init__(
        self, gguf: str | Path, n_ctx: int = 4096, threads: int | None = None, timeout: float = 120.0
    ) -> None:
        self.path = Path(gguf)
        if not self.path.is_file():
            raise ValueError(f"KB_LLM_GGUF 指向的模型文件不存在：{self.path}")
        self.name = f"llamacpp:{self.path.name}"
        self.n_ctx = n_ctx
        self.threads = threads or os.cpu_count() or 2
        self.timeout = timeout
        self._llama: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LLMError(
                    "未安装 llama-cpp-python：请运行 make local-llm（或 pip install '.[local-llm]'）"
                ) from exc
            except Exception as exc:  # the shared library fails to load (RuntimeError, OSError)
                raise LLMError(f"无法加载 llama-cpp-python：{exc}") from exc
            try:
                self._llama = Llama(
                    model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.threads, verbose=False
                )
            except Exception as exc:
                raise LLMError(f"无法加载模型文件 {self.path.name}：{exc}") from exc
        return self._llama

    def _generate(
        self, messages: Sequence[Message], max_tokens: int, out: queue.Queue[object], stop: threading.Event
    ) -> None:
        try:
            if not self._lock.acquire(timeout=self.timeout):
                out.put(LLMError(f"本地模型正忙，{self.timeout:g} 秒内没有轮到这个问题"))
                return
            try:
                llama = self._load()
                chunks = llama.create_chat_completion(
                    messages=list(messages), stream=True, temperature=0.0, max_tokens=max_tokens
                )
                for chunk in chunks:
                    if stop.is_set():
                        break
                    choices = chunk.get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        out.put(str(piece))
            finally:
                self._lock.release()
        except LLMError as exc:
            out.put(exc)
        except Exception as exc:  # llama.cpp raises ValueError for a prompt over n_ctx, and others
            out.put(LLMError(f"本地模型生成失败：{exc}", unavailable=False))
        finally:
            out.put(_DONE)

    def stream(self, messages: Sequence[Message], max_tokens: int = DEFAULT_MAX_TOKENS) -> Iterator[str]:
        out: queue.Queue[object] = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(target=self._generate, args=(messages, max_tokens, out, stop), daemon=True)
        worker.start()
        try:
            while True:
                try:
                    # Loading the model and reading a long prompt come before the first token.
                    item = out.get(timeout=self.timeout * 2)
                except queue.Empty:
                    raise LLMError(f"本地模型超过 {self.timeout * 2:g} 秒没有输出") from None
                if item is _DONE:
                    return
                if isinstance(item, LLMError):
                    raise item
                yield str(item)
        finally:
            stop.set()


_DONE = object()


def make_chat_model(settings: Settings) -> ChatModel | None:
    """The configured model, or None for the extractive answerer. Raises ValueError naming the
    setting that is missing."""
    if settings.answerer == "openai":
        if not settings.llm_base_url:
            raise ValueError("KB_ANSWERER=openai 需要设置 KB_LLM_BASE_URL（如 http://127.0.0.1:8000/v1）")
        if not settings.llm_model:
            raise ValueError("KB_ANSWERER=openai 需要设置 KB_LLM_MODEL（服务端的模型名）")
        return OpenAIChat(
            settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout
        )
    if settings.answerer == "llamacpp":
        if not settings.llm_gguf:
            raise ValueError("KB_ANSWERER=llamacpp 需要设置 KB_LLM_GGUF（GGUF 模型文件路径）")
        return LlamaCppChat(settings.llm_gguf, timeout=settings.llm_timeout)
    return None
