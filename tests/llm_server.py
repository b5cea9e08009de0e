"""A small OpenAI-compatible chat server for tests: real HTTP on localhost, scripted replies.

Each reply is chosen by a function of the request body, so one server can answer the rewrite
prompt and the answer prompt differently. Replies can stream text (as OpenAI's SSE chunks),
replay a recorded SSE body (tests/fixtures/llm/*.sse, captured from llama.cpp's server), fail
with an HTTP status, stall, or send malformed data.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "llm"


@dataclass
class Reply:
    text: str = ""
    pieces: list[str] | None = None  # how `text` is split into chunks (default: 3 characters each)
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    raw: bytes | None = None  # sent as the SSE body, as is (recorded or malformed streams)

    def chunks(self) -> list[str]:
        if self.pieces is not None:
            return self.pieces
        return [self.text[i : i + 3] for i in range(0, len(self.text), 3)]


def recorded(name: str) -> Reply:
    return Reply(raw=(FIXTURES / name).read_bytes())


def sse_body(pieces: list[str], model: str = "fake") -> Iterator[bytes]:
    base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": model}
    first = {**base, "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}
    yield f"data: {json.dumps(first)}\n\n".encode()
    for piece in pieces:
        chunk = {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()
    last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    yield f"data: {json.dumps(last)}\n\n".encode()
    yield b"data: [DONE]\n\n"


@dataclass
class FakeLLMServer:
    """`with FakeLLMServer(lambda body: Reply("……[1]")) as server:` then use `server.base_url`."""

    script: Callable[[dict[str, Any]], Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.requests.append(body)
                outer.headers.append(dict(self.headers.items()))
                if not self.path.endswith("/chat/completions"):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                reply = outer.script(body)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    message = reply.text or f"status {reply.status}"  # servers often quote the request
                    self._json(reply.status, {"error": {"message": message, "type": "x"}})
                    return
                if not body.get("stream"):
                    message = {"role": "assistant", "content": reply.text}
                    self._json(
                        200,
                        {
                            "id": "chatcmpl-test",
                            "object": "chat.completion",
                            "created": 0,
                            "model": body.get("model", "fake"),
                            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                parts = [reply.raw] if reply.raw is not None else sse_body(reply.chunks())
                try:
                    for part in parts:
                        self.wfile.write(part)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_requests(self) -> list[dict[str, Any]]:
        """The requests that asked for an answer (not for a rewrite)."""
        return [r for r in self.requests if "<资料>" in r["messages"][-1]["content"]]


def is_rewrite(body: dict[str, Any]) -> bool:
    return "改写后的问题" in body["messages"][-1]["content"]
