"""The collection's layout: its fields (ids, generation, the keyword text analysed by jieba into a
BM25 sparse field, the dense vector) and indexes, the text its keyword field holds, and whether an
existing collection can serve a version.
"""

from __future__ import annotations

import base64
import hashlib

from ingest.config import Settings
from ingest.milvus.connection import Address, Milvus, configured_uri
from ingest.terms import STOP_WORDS, bigrams, normalize

INSERT_BATCH = 500  # rows per insert (a gRPC message stays well under the 64 MB limit)
MAX_ID_BYTES = 4096  # document, paragraph and chunk ids are file paths: Chinese is 3 bytes a char
MAX_TEXT_BYTES = 65535  # Milvus's VARCHAR limit; longer texts are cut for the keyword field only
# Searched text is what our own BM25 would count: NFKC and lower case (done here, so that the
# server's and Milvus Lite's analysers agree), jieba words, our stop words and punctuation out.
PUNCTUATION = list("，。、；：？！“”‘’（）《》〈〉【】—…·,.;:?!()[]<>\"'")
ANALYZER = {
    "tokenizer": "jieba",
    "filter": [{"type": "stop", "stop_words": sorted(STOP_WORDS) + PUNCTUATION}],
}
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # our BM25's constants (Milvus's default k1 is 1.2)
_ROW_FIELDS = ("row_id", "chunk_id", "paragraph_id", "doc_id", "doc_tag", "generation", "text", "dense")


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


def keyword_text(text: str) -> str:
    """What the BM25 field holds (and a question is searched as): the text normalised as our own
    terms are, which jieba cuts into the same words, then each CJK character bigram as one ASCII
    token. Bigrams are half of our keyword terms (docs/evaluation.md: jieba words alone rank worse); no
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
