"""The chunk index in Milvus (`KB_STORE=milvus`): Milvus Lite in a file, or a server by URI.

One collection per index folder holds every chunk's row: its dense vector (inner product on
unit vectors: the cosine), its embedded text analysed by jieba with a BM25 function into a sparse
field (Milvus's full-text search), and the ids the filters use (chunk, paragraph, document).

Versions without copying rows. An ingest never changes a row a published version sees:

- Each ingest has a *generation* (an increasing integer, from the clock). Rows it inserts carry
  it, with `doc_tag` = "<generation>:<doc id>"; the catalog's `milvus_rows` table says which
  generation of each document the version holds.
- A version sees the rows with `generation <= ` its own generation whose `doc_tag` is not in its
  `milvus_hidden` table: the tags of rows that are still stored but not part of the version (the
  old rows of a changed or removed document, kept while the version before it may be loading).
  So the search filter is one comparison and a short list, however many documents there are.
- A changed document's new rows are inserted before CURRENT switches; its old rows are deleted
  after, once no kept version folder lists them. A crash before the switch leaves rows of a
  generation no published version reaches (they are deleted when the next ingest starts); a crash
  after it leaves rows that no version sees (deleted by the next ingest too). Half a document is
  therefore never searchable, and nothing is rewritten: an ingest inserts only what it adds.
- A rebuild (another embedder, chunk size, or a collection gone from the server) fills a new
  collection; the previous one is dropped once no kept version uses it.

The ingest lock (`ingest.build.ingest_lock`) keeps one writer at a time; apps on several hosts
sharing one server need the index folder (lock, catalog, CURRENT) on shared storage too. Milvus
Lite allows one process per file: an app and a separate `kb ingest` cannot both open it (the
error says so), while an upload through the app runs in its process and can.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from ingest import store
from ingest.config import Settings
from ingest.records import Chunk, Paragraph
from ingest.search_types import IndexBackendError, Restriction, Scored, SearchFilter
from ingest.terms import STOP_WORDS, bigrams, normalize

LITE_FILE = "milvus.db"  # Milvus Lite's folder inside the index folder when KB_MILVUS_URI is unset
PREFIX = "kb_"
ID_FILE = "milvus-index-id"  # in the index folder: the prefix of this index's collections
TIMEOUT = 10.0  # seconds for a server to answer before it counts as unreachable
INSERT_BATCH = 500  # rows per insert (a gRPC message stays well under the 64 MB limit)
MAX_ID_BYTES = 4096  # document, paragraph and chunk ids are file paths: Chinese is 3 bytes a char
MAX_TEXT_BYTES = 65535  # Milvus's VARCHAR limit; longer texts are cut for the keyword field only
# A filter lists at most this many paragraph ids (allowed ones, or the other ones in the allowed
# documents when fewer); a larger restriction over-fetches and filters the results here instead.
# Milvus Lite took 15-20 ms per search at 5,000 ids over 10,000 chunks (6-9 ms at 100); fetching
# 1,000 results instead of 50 took 31-43 ms.
MAX_FILTER_IDS = 5000
MAX_FETCH = 16384  # Milvus's largest top-k
# Searched text is what our own BM25 would count: NFKC and lower case (done here, so that the
# server's and Milvus Lite's analysers agree), jieba words, our stop words and punctuation out.
PUNCTUATION = list("，。、；：？！“”‘’（）《》〈〉【】—…·,.;:?!()[]<>\"'")
ANALYZER = {
    "tokenizer": "jieba",
    "filter": [{"type": "stop", "stop_words": sorted(STOP_WORDS) + PUNCTUATION}],
}
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # our BM25's constants (Milvus's default k1 is 1.2)

SCHEMA = """
CREATE TABLE IF NOT EXISTS milvus_rows (doc_id TEXT PRIMARY KEY, generation INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS milvus_hidden (doc_tag TEXT PRIMARY KEY);
"""
_ROW_FIELDS = ("row_id", "chunk_id", "paragraph_id", "doc_id", "doc_tag", "generation", "text", "dense")


# --- connecting ----------------------------------------------------------------------------------


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


# --- the collection ------------------------------------------------------------------------------


def create_collection(milvus: Milvus, name: str, dim: int) -> None:
    from pymilvus import DataType, Function, FunctionType

    schema = milvus.call("create_schema", auto_id=False, enable_dynamic_field=False)
    schema.add_field("row_id", DataType.VARCHAR, is_primary=True, max_length=MAX_ID_BYTES + 24)
    for name_ in ("chunk_id", "paragraph_id", "doc_id"):
        schema.add_field(name_, DataType.VARCHAR, max_length=MAX_ID_BYTES)
    schema.add_field("doc_tag", DataType.VARCHAR, max_length=MAX_ID_BYTES + 24)
    schema.add_field("generation", DataType.INT64)
    schema.add_field(
        "text", DataType.VARCHAR, max_length=MAX_TEXT_BYTES, enable_analyzer=True, analyzer_params=ANALYZER
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_function(
        Function(
            name="text_bm25",
            function_type=FunctionType.BM25,
            input_field_names=["text"],
            output_field_names=["sparse"],
        )
    )
    index = milvus.call("prepare_index_params")
    # Exact search in Milvus Lite, as FAISS does; a server's AUTOINDEX (HNSW) scales to millions.
    index.add_index(
        field_name="dense", index_type="FLAT" if milvus.address.lite else "AUTOINDEX", metric_type="IP"
    )
    index.add_index(
        field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS
    )
    # Strong: a version is searchable with every row inserted before CURRENT named it.
    milvus.call("create_collection", name, schema=schema, index_params=index, consistency_level="Strong")


def collection_problem(milvus: Milvus, name: str, dim: int) -> str:
    """Why the collection cannot serve a version of dimension `dim` ("" when it can)."""
    if not milvus.call("has_collection", name):
        return f"Milvus 集合 {name} 不存在"
    fields = {f["name"]: f for f in milvus.call("describe_collection", name).get("fields", [])}
    missing = [f for f in _ROW_FIELDS if f not in fields]
    if missing:
        return f"Milvus 集合 {name} 缺少字段 {'、'.join(missing)}，不是本系统建立的"
    found = int(fields["dense"].get("params", {}).get("dim", 0))
    if found != dim:
        return f"Milvus 集合 {name} 的向量为 {found} 维，索引记录的向量模型为 {dim} 维"
    return ""


def identity(settings: Settings) -> dict[str, str]:
    return {"store": "milvus", "milvus_uri": configured_uri(settings)}


def rebuild_reason(old_meta: dict[str, str], settings: Settings) -> str:
    uri = configured_uri(settings)
    if old_meta.get("milvus_uri", "") != uri:
        return f"milvus_uri: {old_meta.get('milvus_uri') or '（索引文件夹内）'} → {uri or '（索引文件夹内）'}"
    milvus = Milvus(Address.of(settings))
    return collection_problem(milvus, old_meta.get("milvus_collection", ""), int(old_meta.get("dim", "0")))


# --- what a version sees -------------------------------------------------------------------------


def doc_tag(generation: int, doc_id: str) -> str:
    return f"{generation}:{doc_id}"


def row_id(generation: int, chunk_id: str) -> str:
    return f"{generation}:{chunk_id}"


def _literal(values: Iterable[str]) -> str:
    """A Milvus list literal of strings (JSON's escaping is the expression language's)."""
    return json.dumps(sorted(values), ensure_ascii=False)


@dataclass(frozen=True)
class VersionRows:
    """Which rows of the collection one version sees."""

    collection: str
    generation: int
    generations: dict[str, int]  # doc id -> the generation of its rows in this version
    hidden: frozenset[str]  # stored, older than the version, and not its own

    @classmethod
    def read(cls, con: sqlite3.Connection, meta: dict[str, str]) -> VersionRows:
        con.executescript(SCHEMA)
        return cls(
            meta.get("milvus_collection", ""),
            int(meta.get("milvus_generation", "0")),
            dict(con.execute("SELECT doc_id, generation FROM milvus_rows")),
            frozenset(t for (t,) in con.execute("SELECT doc_tag FROM milvus_hidden")),
        )

    @property
    def tags(self) -> frozenset[str]:
        """Each document's rows: "<generation>:<doc id>"."""
        return frozenset(doc_tag(g, d) for d, g in self.generations.items())

    @property
    def expression(self) -> str:
        visible = f"generation <= {self.generation}"
        return f"{visible} and doc_tag not in {_literal(self.hidden)}" if self.hidden else visible


@dataclass(frozen=True)
class MilvusFilter:
    """A Milvus restriction: a filter expression, and the paragraphs to keep when the allowed set
    is too large to list and the results are filtered here (`keep` None: the expression is exact)."""

    expression: str
    empty: bool = False
    keep: frozenset[str] | None = None


class MilvusChunkIndex:
    """The searches of one version over its rows of the collection."""

    def __init__(self, milvus: Milvus, rows: VersionRows, paragraphs: dict[str, Paragraph]) -> None:
        self.milvus = milvus
        self.rows = rows
        self._paragraphs = paragraphs
        self._by_doc: dict[str, list[str]] = {}
        for pid, p in paragraphs.items():
            self._by_doc.setdefault(p.doc_id, []).append(pid)

    @classmethod
    def open(
        cls, version: Path, meta: dict[str, str], paragraphs: dict[str, Paragraph], settings: Settings
    ) -> MilvusChunkIndex:
        with store.catalog(version) as con:
            rows = VersionRows.read(con, meta)
        milvus = Milvus(Address.of(settings))
        problem = collection_problem(milvus, rows.collection, int(meta.get("dim", "0")))
        if problem:
            raise IndexBackendError(
                f"{problem}（{milvus.address.shown}）：索引与 Milvus 中的数据不一致，可能集合被删除，"
                "或 KB_MILVUS_URI 指向了另一处。请运行 kb ingest 重新建立（文本的向量取自缓存，"
                "不必重新向量化）。"
            )
        # Milvus Lite opens a file's collections released; a server keeps them loaded (no-op).
        milvus.call("load_collection", rows.collection)
        return cls(milvus, rows, paragraphs)

    def restrict(self, where: SearchFilter) -> MilvusFilter | None:
        if not where.restricts:
            return None
        parts = [self.rows.expression]
        docs = sorted(where.docs) if where.docs is not None else None
        if docs is not None:
            if not docs:
                return MilvusFilter("", empty=True)
            parts.append(f"doc_id in {_literal(docs)}")
        if where.paragraphs is None:
            if where.exclude:
                parts.append(f"paragraph_id not in {_literal(where.exclude)}")
            return MilvusFilter(" and ".join(parts))
        universe = [p for d in (docs if docs is not None else self._by_doc) for p in self._by_doc.get(d, [])]
        allowed = where.paragraphs - where.exclude
        others = [p for p in universe if p not in allowed]
        keep = allowed & set(universe)
        if not keep:
            return MilvusFilter("", empty=True)
        if len(keep) <= min(len(others), MAX_FILTER_IDS):
            return MilvusFilter(" and ".join([*parts, f"paragraph_id in {_literal(keep)}"]))
        if len(others) <= MAX_FILTER_IDS:
            clause = [f"paragraph_id not in {_literal(others)}"] if others else []
            return MilvusFilter(" and ".join(parts + clause))
        return MilvusFilter(" and ".join(parts), keep=frozenset(keep))

    def search_dense(self, vector: np.ndarray, k: int, allowed: Restriction | None) -> Scored:
        data = [np.asarray(vector, dtype=np.float32).tolist()]
        return self._search(data, "dense", {"metric_type": "IP"}, k, allowed)

    def search_keywords(self, text: str, k: int, allowed: Restriction | None) -> Scored:
        query = keyword_text(text)
        if not query.strip():
            return []
        return self._search([query], "sparse", {"metric_type": "BM25"}, k, allowed)

    def _search(
        self, data: list[Any], field: str, params: dict[str, Any], k: int, allowed: Restriction | None
    ) -> Scored:
        where = _milvus_filter(allowed) if allowed is not None else MilvusFilter(self.rows.expression)
        if where.empty or k <= 0:
            return []
        limit = k if where.keep is None else min(MAX_FETCH, 4 * k)
        while True:
            hits = self.milvus.call(
                "search",
                self.rows.collection,
                data=data,
                anns_field=field,
                limit=limit,
                filter=where.expression,
                output_fields=["chunk_id", "paragraph_id"],
                search_params=params,
            )[0]
            # Milvus Lite reports BM25 as a negative distance, a server as a positive score (both
            # list the best first); an inner product is the cosine in both, and may be negative.
            sign = -1.0 if field == "sparse" and hits and float(hits[0]["distance"]) < 0 else 1.0
            found = [
                (h["entity"]["chunk_id"], sign * float(h["distance"]))
                for h in hits
                if where.keep is None or h["entity"]["paragraph_id"] in where.keep
            ]
            if len(found) >= k or len(hits) < limit or limit >= MAX_FETCH:
                return found[:k]
            limit = min(MAX_FETCH, limit * 4)

    def stored_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """By primary key ("<generation>:<chunk id>", the generation its document has in this
        version): a key look-up, where a filter on chunk ids scans."""
        keys = [key for key in map(self._row_id, chunk_ids) if key is not None]
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), INSERT_BATCH):
            part = keys[start : start + INSERT_BATCH]
            rows = self.milvus.call(
                "query",
                self.rows.collection,
                filter=f"row_id in {_literal(part)}",
                output_fields=["chunk_id", "dense"],
                limit=len(part),
            )
            out.update((r["chunk_id"], np.asarray(r["dense"], dtype=np.float32)) for r in rows)
        return out

    def _row_id(self, chunk_id: str) -> str | None:
        paragraph = self._paragraphs.get(chunk_id.rpartition("/")[0])  # ingest.chunk: "<paragraph>/<n>"
        generation = self.rows.generations.get(paragraph.doc_id) if paragraph is not None else None
        return None if generation is None else row_id(generation, chunk_id)


def _milvus_filter(allowed: Restriction) -> MilvusFilter:
    if not isinstance(allowed, MilvusFilter):
        raise TypeError(f"a Milvus search was given a {type(allowed).__name__}")
    return allowed


def keyword_text(text: str) -> str:
    """What the BM25 field holds (and a question is searched as): the text normalised as our own
    terms are, which jieba cuts into the same words, then each CJK character bigram as one ASCII
    token. Bigrams are half of our keyword terms (README: jieba words alone rank worse); no
    analyser does them in both Milvus Lite and a server, but jieba keeps an ASCII run whole and
    its dictionary has no ASCII entries, so a token stands for its bigram alone."""
    value = normalize(text) + "\n" + " ".join(_bigram_token(b) for b in bigrams(text))
    while len(value.encode("utf-8")) > MAX_TEXT_BYTES:
        value = value[: len(value) * 9 // 10]
    return value


def _bigram_token(bigram: str) -> str:
    """'~培训' -> 'bg' and 11 base-32 letters of its hash (no clash within a corpus in practice)."""
    digest = hashlib.blake2b(bigram.encode("utf-8"), digest_size=7).digest()
    return "bg" + base64.b32encode(digest).decode("ascii").rstrip("=").lower()


# --- writing a version ---------------------------------------------------------------------------


class MilvusWriter:
    """An ingest's rows: inserted under a new generation before the version is published."""

    def __init__(
        self,
        milvus: Milvus,
        work: Path,
        collection: str,
        index_id: str,
        live: VersionRows | None = None,
        hidden_before: frozenset[str] = frozenset(),
    ) -> None:
        self.milvus = milvus
        self.work = work
        self.collection = collection
        self.index_id = index_id
        self.live = live  # the live version's rows in this collection (None: a new collection)
        self.hidden_before = hidden_before  # rows the live version hides that a kept version lists
        self.hidden: frozenset[str] = frozenset()  # what the new version hides (after `finish`)
        self.generation = max(time.time_ns(), (live.generation if live else 0) + 1)
        self._removed: list[str] = []
        self._added: list[str] = []

    @classmethod
    def open(
        cls, settings: Settings, work: Path, dim: Callable[[], int], old_meta: dict[str, str], fresh: bool
    ) -> MilvusWriter:
        milvus = Milvus(Address.of(settings))
        index_id = old_meta.get("milvus_index") or _index_id(work.parent)
        if fresh or old_meta.get("store") != "milvus":
            name = f"{PREFIX}{index_id}_{time.time_ns()}"
            create_collection(milvus, name, dim())
            return cls(milvus, work, name, index_id)
        with store.catalog(work) as con:  # the copy of the live version
            live = VersionRows.read(con, old_meta)
        milvus.call("load_collection", live.collection)  # released when Milvus Lite reopens a file
        kept = _tags_of_other_versions(work.parent, work.name, live.collection)
        # Rows of an ingest that died before publishing: no published version reaches them.
        milvus.call("delete", live.collection, filter=f"generation > {live.generation}")
        # Rows a failed clean-up left behind, that no kept version lists any more.
        gone = live.hidden - kept
        if gone:
            milvus.call("delete", live.collection, filter=f"doc_tag in {_literal(gone)}")
        return cls(milvus, work, live.collection, index_id, live, live.hidden & kept)

    def remove(self, doc_id: str, chunk_ids: Sequence[str]) -> None:
        self._removed.append(doc_id)

    def add(self, doc_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        paragraph_of = {c.chunk_id: c.paragraph_id for c in chunks}
        tag = doc_tag(self.generation, doc_id)
        rows = [
            {
                "row_id": row_id(self.generation, c.chunk_id),
                "chunk_id": c.chunk_id,
                "paragraph_id": paragraph_of[c.chunk_id],
                "doc_id": doc_id,
                "doc_tag": tag,
                "generation": self.generation,
                "text": keyword_text(c.embed_text),
                "dense": np.asarray(v, dtype=np.float32).tolist(),
            }
            for c, v in zip(chunks, vectors, strict=True)
        ]
        for start in range(0, len(rows), INSERT_BATCH):
            self.milvus.call("insert", self.collection, rows[start : start + INSERT_BATCH])
        self._added.append(doc_id)

    def finish(self) -> dict[str, str]:
        self.milvus.call("flush", self.collection)
        with store.catalog(self.work) as con:
            con.executescript(SCHEMA)
            con.executemany("DELETE FROM milvus_rows WHERE doc_id = ?", [(d,) for d in self._removed])
            con.executemany(
                "INSERT OR REPLACE INTO milvus_rows VALUES (?, ?)",
                [(d, self.generation) for d in self._added],
            )
            mine = {doc_tag(g, d) for d, g in con.execute("SELECT doc_id, generation FROM milvus_rows")}
            before = self.live.tags if self.live is not None else frozenset()
            hidden = (before | self.hidden_before) - mine
            con.execute("DELETE FROM milvus_hidden")
            con.executemany("INSERT INTO milvus_hidden VALUES (?)", [(t,) for t in sorted(hidden)])
        self.hidden = frozenset(hidden)
        return {
            "milvus_index": self.index_id,
            "milvus_collection": self.collection,
            "milvus_generation": str(self.generation),
        }

    def published(self, replaced: Path | None) -> list[str]:
        warnings: list[str] = []
        still_seen = self.live.tags if self.live is not None else frozenset()
        gone = self.hidden - still_seen
        steps: list[tuple[str, Callable[[], object]]] = []
        if gone:
            rows = f"doc_tag in {_literal(gone)}"
            steps.append(("删除旧数据", lambda: self.milvus.call("delete", self.collection, filter=rows)))
        keep = {self.collection, _collection_of(replaced)}
        steps.append(("删除旧集合", lambda: self._drop_other_collections(keep)))
        for what, step in steps:
            try:
                step()
            except Exception as exc:  # published: a failed clean-up is retried by the next ingest
                warnings.append(f"Milvus {what}未完成（{exc}），下次导入时会再清理。")
        return warnings

    def _drop_other_collections(self, keep: set[str]) -> None:
        mine = f"{PREFIX}{self.index_id}_"
        for name in self.milvus.call("list_collections"):
            if name.startswith(mine) and name not in keep:
                self.milvus.call("drop_collection", name)


def _index_id(index_dir: Path) -> str:
    """This index folder's name for its collections, kept beside the versions: collections a
    failed first ingest created carry it too, so the first published ingest drops them."""
    path = index_dir / ID_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = uuid.uuid4().hex[:12]
    tmp = index_dir / f"{ID_FILE}.tmp"
    tmp.write_text(value, encoding="utf-8")
    os.replace(tmp, path)
    return value


def _collection_of(version: Path | None) -> str:
    if version is None or not (version / store.CATALOG).exists():
        return ""
    with store.catalog(version) as con:
        return store.get_meta(con).get("milvus_collection", "")


def _tags_of_other_versions(index_dir: Path, work: str, collection: str) -> frozenset[str]:
    """The row tags every other version folder on disk lists in `collection` (the live one, the
    one it replaced, and any left by a crash): what an app may still be searching."""
    tags: set[str] = set()
    for folder in sorted(index_dir.glob("v-*")):
        if folder.name == work or not (folder / store.CATALOG).exists():
            continue
        with contextlib.suppress(sqlite3.Error), store.catalog(folder) as con:
            meta = store.get_meta(con)
            if meta.get("milvus_collection") == collection:
                tags |= VersionRows.read(con, meta).tags
    return frozenset(tags)
