"""How this process reaches Milvus: the address and token from the settings, one shared client per
address, and every failure turned into one message for the user (in Chinese: what, where, the fix).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingest.config import Settings
from ingest.search_types import IndexBackendError

LITE_FILE = "milvus.db"  # Milvus Lite's folder inside the index folder when KB_MILVUS_URI is unset
TIMEOUT = 10.0  # seconds for a server to answer before it counts as unreachable


@dataclass(frozen=True)
class Address:
    """Where Milvus is: `uri` as pymilvus takes it, `shown` safe to print (no password)."""

    uri: str
    token: str
    lite: bool

    @classmethod
    def of(cls, settings: Settings) -> Address:
        uri = settings.milvus_uri or str(settings.index_dir / LITE_FILE)
        scheme = urlsplit(uri).scheme.lower()
        if scheme in ("http", "https", "tcp", "unix"):
            return cls(uri, settings.milvus_token, lite=False)
        if not uri.endswith(".db"):
            raise IndexBackendError(
                f"KB_MILVUS_URI 应为以 .db 结尾的文件路径（Milvus Lite）或 http://主机:19530"
                f"（Milvus 服务器），实际为 {uri!r}。"
            )
        return cls(str(Path(uri).expanduser().absolute()), settings.milvus_token, lite=True)

    @property
    def shown(self) -> str:
        parts = urlsplit(self.uri)
        if self.lite or "@" not in parts.netloc:
            return self.uri
        return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()

    @property
    def token_shown(self) -> str:
        if not self.token:
            return "（未设置）"
        user, colon, _password = self.token.partition(":")
        return f"{user}:***" if colon else "***"


def configured_uri(settings: Settings) -> str:
    """The address as the version meta records it: "" for the Lite file in the index folder (so
    the folder can move), else the URI without a password."""
    return Address.of(settings).shown if settings.milvus_uri else ""


_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def client(address: Address) -> Any:
    """One MilvusClient per address and token in this process, shared by every version and thread
    (pymilvus clients are thread-safe; Milvus Lite allows one server per file and process)."""
    key = (address.uri, address.token)
    with _clients_lock:
        found = _clients.get(key)
        if found is None:
            found = _clients[key] = _connect(address)
        return found


def _connect(address: Address) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise IndexBackendError(
            "KB_STORE=milvus 需要 pymilvus 和 milvus-lite：请运行 .venv/bin/pip install -e '.[milvus]'。"
        ) from None
    # pymilvus logs every failed call with its traceback on its own stderr handler, and Milvus
    # Lite logs its server's exceptions; each failure reaches the user once, as our message.
    # Milvus Lite's in-process gRPC server also logs a traceback for each call it does not
    # implement (pymilvus asks AllocTimestamp after creating an index, and carries on).
    for name in ("pymilvus", "milvus_lite", "grpc._server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if address.lite:
        _check_lite_free(Path(address.uri))
    try:
        return MilvusClient(uri=address.uri, token=address.token, timeout=TIMEOUT)
    except Exception as exc:
        raise explain(exc, address) from None


def _check_lite_free(path: Path) -> None:
    """Milvus Lite lets one process open a file; another one's failure would only be logged with a
    traceback by milvus_lite, so it is checked here first, with the lock file Milvus Lite uses."""
    from milvus_lite.server_manager import server_manager_instance

    path.parent.mkdir(parents=True, exist_ok=True)
    if str(path) in server_manager_instance._servers:  # opened by this process: shared
        return
    lock = path / "LOCK"
    if not lock.exists():
        return
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    except BlockingIOError:
        raise IndexBackendError(
            f"Milvus Lite 数据文件 {path} 正被另一个进程使用（例如正在运行的 kb serve）。Milvus Lite "
            "只允许一个进程打开它：请在网页的“管理”页上传报告，或先停止那个进程再导入；需要多个进程"
            "同时使用时，请改用 Milvus 服务器（KB_MILVUS_URI=http://主机:19530）。"
        ) from None
    finally:
        os.close(fd)


def release(settings: Settings) -> None:
    """Close this process's client for the settings' address and stop its Milvus Lite server
    (tests, and tools that open many files; an app keeps its client until it exits)."""
    address = Address.of(settings)
    with _clients_lock:
        found = _clients.pop((address.uri, address.token), None)
    if found is not None:
        with contextlib.suppress(Exception):
            found.close()
    if address.lite:
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(address.uri)


def explain(exc: BaseException, address: Address) -> IndexBackendError:
    """A Milvus or gRPC failure as a message for the user: what happened, where, and the fix."""
    codes, text = _failure(exc)
    if codes & {"UNAUTHENTICATED", "PERMISSION_DENIED"} or "auth" in text.lower():
        return IndexBackendError(
            f"Milvus 服务器 {address.shown} 拒绝了访问令牌 KB_MILVUS_TOKEN={address.token_shown}。"
            "请检查 KB_MILVUS_TOKEN（“用户名:密码”或 API key）。已建立的索引没有改动。"
        )
    if codes & {"UNAVAILABLE", "DEADLINE_EXCEEDED"} or "fail connecting" in text.lower():
        return IndexBackendError(
            f"无法连接 Milvus 服务器 {address.shown}：服务器未启动、地址有误或网络不通。请检查 "
            "KB_MILVUS_URI 与服务器状态；也可改用本地文件（KB_MILVUS_URI=路径.db）或 KB_STORE=faiss。"
            "已建立的索引没有改动。"
        )
    return IndexBackendError(f"Milvus（{address.shown}）出错：{text or type(exc).__name__}")


def _failure(exc: BaseException) -> tuple[set[str], str]:
    """The gRPC status codes along the exception's chain, and the outermost message."""
    import grpc

    codes: set[str] = set()
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, grpc.RpcError) and hasattr(current, "code"):
            codes.add(current.code().name)
        current = current.__cause__ or current.__context__
    message = getattr(exc, "message", None) or str(exc)
    return codes, str(message)


class Milvus:
    """A client bound to an address; every call's failure becomes an `IndexBackendError`."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self._client = client(address)

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, method)(*args, **kwargs)
        except IndexBackendError:
            raise
        except Exception as exc:
            raise explain(exc, self.address) from None
