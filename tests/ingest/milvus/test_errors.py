"""The messages for a Milvus that cannot be used: a server unreachable or refusing the token, a
collection of another dimension, a Lite file another process holds, settings that do not fit the
index."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ingest import store
from ingest.build import ingest
from ingest.config import Settings
from ingest.milvus import collection
from ingest.search_types import IndexBackendError
from rag.evidence.retrieve import HybridRetriever
from rag.pipeline import KnowledgeBase
from tests.fakes import HashEmbedder
from tests.ingest.milvus.helpers import milvus_index_of, snapshot_of


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_is_named_and_nothing_is_lost(milvus_settings: Settings) -> None:
    embedder = HashEmbedder()
    ingest(milvus_settings, embedder=embedder, progress=False)
    live = store.require_current(milvus_settings.index_dir)
    uri = f"http://127.0.0.1:{_free_port()}"
    elsewhere = replace(milvus_settings, milvus_uri=uri)
    (milvus_settings.kb_dir / "新报告.txt").write_text("新建人才驿站5个。", encoding="utf-8")
    with pytest.raises(IndexBackendError) as failed:
        ingest(elsewhere, embedder=embedder, progress=False)
    message = str(failed.value)
    assert f"无法连接 Milvus 服务器 {uri}" in message and "KB_MILVUS_URI" in message
    assert "Traceback" not in message
    assert store.require_current(milvus_settings.index_dir) == live
    assert [p.name for p in milvus_settings.index_dir.glob("v-*")] == [live.name]
    with pytest.raises(IndexBackendError, match="无法连接 Milvus 服务器"):
        KnowledgeBase(elsewhere, embedder=embedder)
    assert len(HybridRetriever(snapshot_of(milvus_settings), embedder).retrieve("整顿软弱涣散村党组织")) == 5


@pytest.fixture
def refusing_server() -> Iterator[str]:
    """A gRPC server answering every call as a Milvus server with authentication does to a wrong
    token (its interceptor's UNAUTHENTICATED)."""
    import grpc

    class Refuse(grpc.GenericRpcHandler):
        def service(self, details: Any) -> Any:
            def refuse(_request: Any, context: Any) -> None:
                context.abort(
                    grpc.StatusCode.UNAUTHENTICATED,
                    "auth check failure, please check username and password are correct",
                )

            return grpc.unary_unary_rpc_method_handler(refuse)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((Refuse(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop(0)


def test_a_wrong_token_is_named_masked(milvus_settings: Settings, refusing_server: str) -> None:
    settings = replace(milvus_settings, milvus_uri=refusing_server, milvus_token="root:s3cret-pw")
    with pytest.raises(IndexBackendError) as failed:
        ingest(settings, embedder=HashEmbedder(), progress=False)
    message = str(failed.value)
    assert f"Milvus 服务器 {refusing_server} 拒绝了访问令牌 KB_MILVUS_TOKEN=root:***" in message
    assert "s3cret" not in message and store.current_version(settings.index_dir) is None
    url_token = replace(
        settings, milvus_uri=refusing_server.replace("//", "//root:s3cret-pw@"), milvus_token=""
    )
    with pytest.raises(IndexBackendError) as failed:
        ingest(url_token, embedder=HashEmbedder(), progress=False)
    assert "s3cret" not in str(failed.value) and "http://***@127.0.0.1" in str(failed.value)


def test_a_collection_of_another_dimension_is_explained(milvus_settings: Settings) -> None:
    ingest(milvus_settings, embedder=HashEmbedder(), progress=False)
    index = milvus_index_of(snapshot_of(milvus_settings))
    # Someone else's collection under our name: 64 dimensions where the catalog says 512.
    index.milvus.call("drop_collection", index.rows.collection)
    collection.create_collection(index.milvus, index.rows.collection, 64)
    with pytest.raises(IndexBackendError) as failed:
        snapshot_of(milvus_settings)
    message = str(failed.value)
    assert "的向量为 64 维，索引记录的向量模型为 512 维" in message and "kb ingest" in message
    # The next ingest builds a new collection (embedding nothing) and answers again.
    report = ingest(milvus_settings, embedder=HashEmbedder(), progress=False)
    assert "64 维" in report.rebuilt and report.embedded == 0
    assert snapshot_of(milvus_settings).index.search_keywords("软弱涣散村党组织", 1, None)


def test_a_lite_file_another_process_holds_is_explained(milvus_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pymilvus import MilvusClient; MilvusClient(uri=sys.argv[1]); "
            "print('open', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        settings = replace(milvus_settings, milvus_uri=str(path))
        with pytest.raises(IndexBackendError) as failed:
            ingest(settings, embedder=HashEmbedder(), progress=False)
        assert f"Milvus Lite 数据文件 {path} 正被另一个进程使用" in str(failed.value)
    finally:
        holder.kill()
        holder.wait()


def test_settings_that_do_not_fit_the_index_are_explained(milvus_settings: Settings) -> None:
    embedder = HashEmbedder()
    with pytest.raises(IndexBackendError, match=r"应为以 \.db 结尾的文件路径"):
        ingest(replace(milvus_settings, milvus_uri="/tmp/milvus-file"), embedder=embedder, progress=False)
    ingest(replace(milvus_settings, store="faiss"), embedder=embedder, progress=False)
    with pytest.raises(IndexBackendError, match="索引建立在 faiss 上，当前设置 KB_STORE=milvus"):
        KnowledgeBase(milvus_settings, embedder=embedder)
    # The next ingest moves the index to Milvus without embedding anything.
    report = ingest(milvus_settings, embedder=embedder, progress=False)
    assert "store: faiss → milvus" in report.rebuilt and report.embedded == 0
    assert KnowledgeBase(milvus_settings, embedder=embedder).ask("整顿了多少个软弱涣散村党组织?").retrieved


def test_store_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_STORE", "milvus")
    monkeypatch.setenv("KB_MILVUS_URI", "http://milvus.example:19530")
    monkeypatch.setenv("KB_MILVUS_TOKEN", "root:Milvus")
    settings = Settings.from_env()
    assert (settings.store, settings.milvus_uri, settings.milvus_token) == (
        "milvus",
        "http://milvus.example:19530",
        "root:Milvus",
    )
    monkeypatch.setenv("KB_STORE", "elastic")
    with pytest.raises(ValueError, match="KB_STORE 应为 faiss / milvus 之一"):
        Settings.from_env()
