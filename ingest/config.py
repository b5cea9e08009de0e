"""Settings: one frozen dataclass, read from KB_* variables by `Settings.from_env` and from flags.

The embedder's device, dtype and model folder (KB_DEVICE, KB_EMBED_DTYPE, KB_MODEL_DIR) and the
users (KB_USERS_FILE, KB_USERS) are read where they are used: ingest/embed.py, ingest/e5_model.py,
admin/users.py."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest.embed import DEFAULT_EMBEDDER

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    kb_dir: Path = PROJECT_ROOT / "kb"
    index_dir: Path = PROJECT_ROOT / ".kb_index"
    # What users create, kept apart from the index (which an ingest replaces): study progress.
    data_dir: Path = PROJECT_ROOT / ".kb_data"
    # Study progress and users in PostgreSQL instead (shared by app processes on several
    # machines); empty: the SQLite file and users.json in data_dir. Holds a password: not in repr.
    database_url: str = field(default="", repr=False)
    embedder: str = DEFAULT_EMBEDDER
    chunk_chars: int = 300
    max_file_mb: int = 20  # larger files are refused at ingest (and upload), with the reason
    host: str = "127.0.0.1"
    port: int = 7860
    # Who writes the answer: the extractive default, an OpenAI-compatible endpoint, or a local
    # GGUF model (see rag.generation.llm). Nothing of an LLM loads unless chosen here.
    answerer: str = "extractive"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_gguf: str = ""
    llm_timeout: float = 120.0  # seconds without a byte from the model; CPU models are slow
    llm_context: int = 5  # retrieved paragraphs given to the model
    # Where the chunks are searched (ingest.index_backend): "faiss" (files in the version folder)
    # or "milvus" (Milvus Lite in a file, or a Milvus server). The catalog is SQLite either way.
    store: str = "faiss"
    # A file path ending in .db (Milvus Lite) or http(s)://host:19530; "" is <index_dir>/milvus.db.
    milvus_uri: str = ""
    milvus_token: str = ""  # "user:password" or an API key, for a server with authentication
    # Whose knowledge base it is (an issuing body or a place, rag.question.home); "" derives it
    # from the documents.
    home: str = ""

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then KB_* environment variables, then explicit overrides (CLI flags).
        An override of None means "not given"."""
        env = os.environ
        values: dict[str, Any] = {}
        if env.get("KB_DIR"):
            values["kb_dir"] = Path(env["KB_DIR"])
        if env.get("KB_INDEX_DIR"):
            values["index_dir"] = Path(env["KB_INDEX_DIR"])
        if env.get("KB_DATA_DIR"):
            values["data_dir"] = Path(env["KB_DATA_DIR"])
        if env.get("KB_DATABASE_URL"):
            values["database_url"] = env["KB_DATABASE_URL"]
        if env.get("KB_HOME"):
            values["home"] = env["KB_HOME"].strip()
        if env.get("KB_EMBEDDER"):
            values["embedder"] = env["KB_EMBEDDER"]
        if env.get("KB_HOST"):
            values["host"] = env["KB_HOST"]
        if env.get("KB_PORT"):
            values["port"] = _int("KB_PORT", env["KB_PORT"])
        if env.get("KB_MAX_FILE_MB"):
            values["max_file_mb"] = _int("KB_MAX_FILE_MB", env["KB_MAX_FILE_MB"])
        if env.get("KB_CHUNK_CHARS"):
            values["chunk_chars"] = _int("KB_CHUNK_CHARS", env["KB_CHUNK_CHARS"])
        for key, name in _LLM_ENV.items():
            if env.get(name):
                values[key] = env[name]
        if env.get("KB_LLM_TIMEOUT"):
            values["llm_timeout"] = _float("KB_LLM_TIMEOUT", env["KB_LLM_TIMEOUT"])
        if env.get("KB_LLM_CONTEXT"):
            values["llm_context"] = _int("KB_LLM_CONTEXT", env["KB_LLM_CONTEXT"])
        for key, name in _STORE_ENV.items():
            if env.get(name):
                values[key] = env[name]
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("kb_dir", "index_dir", "data_dir"):
            values[key] = Path(values[key]) if key in values else getattr(cls, key)
        settings = replace(cls(), **values)
        if settings.chunk_chars < 50:
            raise ValueError(f"KB_CHUNK_CHARS 至少为 50，实际为 {settings.chunk_chars}")
        if settings.max_file_mb < 1:
            raise ValueError(f"KB_MAX_FILE_MB 至少为 1，实际为 {settings.max_file_mb}")
        if settings.answerer not in ANSWERERS:
            raise ValueError(f"KB_ANSWERER 应为 {' / '.join(ANSWERERS)} 之一，实际为 {settings.answerer!r}")
        if settings.llm_timeout <= 0 or settings.llm_context < 1:
            raise ValueError("KB_LLM_TIMEOUT 应大于 0，KB_LLM_CONTEXT 至少为 1")
        if settings.store not in STORES:
            raise ValueError(f"KB_STORE 应为 {' / '.join(STORES)} 之一，实际为 {settings.store!r}")
        if settings.database_url:
            from ingest.database import check_url  # SQLAlchemy is imported only when a URL is set

            check_url(settings.database_url)  # a wrong scheme is reported now, by every command
        return settings

    @property
    def study_db(self) -> Path:
        return self.data_dir / "study.sqlite"

    @property
    def uses_llm(self) -> bool:
        return self.answerer != "extractive"


ANSWERERS = ("extractive", "openai", "llamacpp")
STORES = ("faiss", "milvus")
_STORE_ENV = {"store": "KB_STORE", "milvus_uri": "KB_MILVUS_URI", "milvus_token": "KB_MILVUS_TOKEN"}
_LLM_ENV = {
    "answerer": "KB_ANSWERER",
    "llm_base_url": "KB_LLM_BASE_URL",
    "llm_model": "KB_LLM_MODEL",
    "llm_api_key": "KB_LLM_API_KEY",
    "llm_gguf": "KB_LLM_GGUF",
}


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"环境变量 {name} 应为数字，实际为 {raw!r}") from None


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"环境变量 {name} 应为整数，实际为 {raw!r}") from None


def add_llm_arguments(parser: argparse.ArgumentParser, also: tuple[str, ...] = ()) -> None:
    """The flags matching KB_ANSWERER and KB_LLM_* (shared by `kb ask/chat/serve/eval`)."""
    group = parser.add_argument_group("回答方式（默认摘录原文，不需要大模型）")
    group.add_argument(
        "--answerer",
        choices=(*ANSWERERS, *also),
        default=None,
        help="extractive（默认）/ openai / llamacpp，或 KB_ANSWERER",
    )
    group.add_argument("--llm-base-url", default=None, help="OpenAI 兼容接口地址，或 KB_LLM_BASE_URL")
    group.add_argument("--llm-model", default=None, help="模型名，或 KB_LLM_MODEL")
    group.add_argument("--llm-api-key", default=None, help="API 密钥，或 KB_LLM_API_KEY（建议用环境变量）")
    group.add_argument("--llm-gguf", default=None, help="本地 GGUF 模型文件，或 KB_LLM_GGUF")
    group.add_argument(
        "--llm-timeout", type=float, default=None, help="等待模型响应的秒数，或 KB_LLM_TIMEOUT"
    )


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    """The flag matching KB_DATABASE_URL (`kb serve`, `kb quiz`, `kb users`, `python app.py`)."""
    parser.add_argument(
        "--database-url",
        default=None,
        help="学习记录和用户保存到 PostgreSQL：postgresql://用户名:密码@主机:端口/数据库名，"
        "或 KB_DATABASE_URL（建议用环境变量，密码不会出现在进程列表里）",
    )


def llm_overrides(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("answerer", "llm_base_url", "llm_model", "llm_api_key", "llm_gguf", "llm_timeout")
    return {k: getattr(args, k, None) for k in keys}
