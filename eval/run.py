"""Score a QA set: the product and three baselines, on the same data and machine.

    kb eval --qa ../shared/eval-data/rgb_zh/qa_dev.jsonl \
            --corpus ../shared/eval-data/rgb_zh/corpus.jsonl --out eval-out/rgb_zh
    kb eval --qa eval/gold/qijiang-2021.jsonl --kb-dir kb --out eval-out/qijiang-2021

(`python -m eval` is the same.) Every question goes through the same code path as `kb ask`.
Systems: `product` (hybrid retrieval + extractive answers + refusal), `bm25` and `dense` (the
product with one retriever switched off), `llamaindex` (llama-index's documented defaults with
the same embedder, top chunk as the answer). `--answerer openai|llamacpp|llm` makes the product
answer with the configured model (flags or KB_LLM_*; `llm` = whichever is configured) and adds
the verification-failure and fallback rates. A question with earlier turns (`history`, or a
multi-turn file, see eval.datasets) is asked after them, each system carrying its own answers as
the conversation; only the product rewrites follow-ups. Writes into --out: results.jsonl (the product's
`kb ask --json` object per question plus id, type and scores), results-<system>.jsonl for the
baselines, report.json, report.md and chart.png.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.baseline import LlamaIndexBaseline
from eval.datasets import QAItem, gold_by_quote, load_qa, source_docs
from eval.report import by_type, render_markdown, score_item, summarize, write_chart
from ingest.build import ingest
from ingest.config import Settings, add_llm_arguments, llm_overrides
from rag.evidence.retrieve import RetrievalConfig, SearchFilter
from rag.generation.prompt import Turn
from rag.pipeline import KnowledgeBase

ALL_SYSTEMS = ("product", "bm25", "dense", "llamaindex")
# (question, earlier turns, paragraphs to leave out) -> the `kb ask --json` object
Ask = Callable[[str, Sequence[Turn], frozenset[str]], dict[str, Any]]
NOTHING: frozenset[str] = frozenset()


@dataclass
class System:
    name: str
    ask: Ask
    # Asking again with the question's own gold paragraphs left out measures refusal.
    refusal_variant: bool = True
    uses_llm: bool = False


def open_kb(
    corpus: Path | None, kb_dir: Path | None, index_dir: Path, progress: bool, **llm: Any
) -> KnowledgeBase:
    """Build (or bring up to date) the product's index for the corpus, then open it."""
    settings = Settings.from_env(kb_dir=kb_dir or index_dir / "no-kb-dir", index_dir=index_dir, **llm)
    report = ingest(settings, [corpus] if corpus else None, progress=progress)
    if report.failed:
        raise ValueError("；".join(f"{p}: {r}" for p, r in report.failed))
    return KnowledgeBase(settings)


def _kb_asker(kb: KnowledgeBase) -> Ask:
    def ask(question: str, history: Sequence[Turn], exclude: frozenset[str]) -> dict[str, Any]:
        return kb.ask(question, top_k=10, history=history, where=SearchFilter(exclude=exclude)).to_json()

    return ask


def build_systems(
    names: Sequence[str], kb: KnowledgeBase, corpus: Path | None, kb_dir: Path | None
) -> list[System]:
    systems = []
    for name in names:
        if name == "product":
            systems.append(System(name, _kb_asker(kb), uses_llm=kb.chat is not None))
        elif name in ("bm25", "dense"):
            config = RetrievalConfig(dense_weight=0.0) if name == "bm25" else RetrievalConfig(bm25_weight=0.0)
            # Retrieval ablations stay extractive: they isolate one retriever, not the answerer.
            plain = replace(kb.settings, answerer="extractive")
            systems.append(
                System(name, _kb_asker(KnowledgeBase(plain, embedder=kb.embedder, retrieval=config)))
            )
        elif name == "llamaindex":
            baseline = LlamaIndexBaseline(
                source_docs(corpus, kb_dir), kb.embedder, kb.settings.index_dir / "llamaindex"
            )
            # llama-index's default query path has no conversation: history is not passed on.
            systems.append(System(name, _without_history(baseline.ask)))
        else:
            raise ValueError(f"未知的系统 {name!r}（可选：{', '.join(ALL_SYSTEMS)}）")
    return systems


def _without_history(ask: Callable[..., dict[str, Any]]) -> Ask:
    return lambda question, _history, exclude: ask(question, exclude=exclude)


def with_product_gold(items: Sequence[QAItem], kb: KnowledgeBase) -> list[QAItem]:
    """Gold paragraphs in the product's own numbering, found by each item's gold quote."""
    snapshot = kb.snapshot
    files = {Path(d.path).name: d.doc_id for d in snapshot.documents}
    return gold_by_quote(items, snapshot.paragraphs.values(), files)


def _conversation(system: System, item: QAItem, asked: dict[tuple[str, ...], Turn]) -> list[Turn]:
    """The turns before `item`, each asked once per system (its own answers are the context)."""
    turns: list[Turn] = []
    for k in range(len(item.history)):
        prefix = item.history[: k + 1]
        if prefix not in asked:
            result = system.ask(prefix[-1], list(turns), NOTHING)
            asked[prefix] = Turn(result.get("searched_question") or prefix[-1], result["answer"])
        turns.append(asked[prefix])
    return turns


def run_system(system: System, items: Sequence[QAItem], progress: bool) -> list[dict[str, Any]]:
    rows = []
    asked: dict[tuple[str, ...], Turn] = {}
    for item in tqdm(items, desc=f"评测 {system.name}", unit="题", disable=not progress):
        history = _conversation(system, item, asked)
        result = system.ask(item.question, history, NOTHING)
        # A later turn's history is this very exchange: asked once, not again.
        asked[(*item.history, item.question)] = Turn(
            result.get("searched_question") or item.question, result["answer"]
        )
        scores = score_item(item, result)
        if system.uses_llm:
            # The model failed or declined (the extractive answer shown); one whose answer failed
            # the check counts under verification_failed; a refusal never asks the model.
            fell_back = result.get("answerer") == "extractive" and not result.get("unverified")
            scores["llm_fallback"] = float(fell_back and not result["refused"])
        if system.refusal_variant and item.answerable and item.gold:
            # This question's own gold paragraphs left out (not every question's at once): the
            # knowledge base then lacks exactly this answer, and should say so.
            without = system.ask(item.question, history, frozenset(item.gold))
            scores["refused_without_gold"] = float(without["refused"])
        rows.append({"id": item.id, "type": item.type, **result, "scores": scores})
    return rows


def evaluate(
    systems: Sequence[System], items: Sequence[QAItem], progress: bool = True
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    rows = {s.name: run_system(s, items, progress) for s in systems}
    summary = {
        name: {
            "overall": summarize(items, [r["scores"] for r in result]),
            "by_type": by_type(items, [r["scores"] for r in result]),
        }
        for name, result in rows.items()
    }
    return rows, summary


def write_outputs(
    out: Path, name: str, rows: dict[str, list[dict[str, Any]]], report: dict[str, Any]
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for system, result in rows.items():
        target = out / ("results.jsonl" if system == "product" else f"results-{system}.jsonl")
        with open(target, "w", encoding="utf-8") as fh:
            for row in result:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / "report.md").write_text(render_markdown(name, report), encoding="utf-8")
    write_chart(out / "chart.png", name, report)


EVAL_CACHE = Path(".cache/eval")


def index_for(corpus: Path | None, kb_dir: Path | None, store: str = "faiss") -> Path:
    """Where the eval keeps the index of a source, named by the source, so every QA set about
    the same reports shares one index (embedding a corpus is the slow part):
    ../shared/eval-data/rgb_zh/corpus.jsonl -> rgb_zh, ../shared/eval-data/reports-dev/kb ->
    kb-reports-dev, the project's kb/ -> kb-<project folder>; with KB_STORE=milvus the name ends
    in "-milvus", so the two backends never rebuild each other's index."""
    suffix = "" if store == "faiss" else f"-{store}"
    if corpus is not None:
        return EVAL_CACHE / ((corpus.parent.name if corpus.stem == "corpus" else corpus.stem) + suffix)
    assert kb_dir is not None
    folder = kb_dir.resolve()
    return EVAL_CACHE / f"kb-{folder.parent.name if folder.name == 'kb' else folder.name}{suffix}"


def set_name(qa: Path) -> str:
    """`rgb_zh` for ../shared/eval-data/rgb_zh/qa_dev.jsonl, else the QA file's stem."""
    return qa.parent.name if qa.stem.startswith("qa") else qa.stem


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb eval", description="Score a QA set against baselines")
    parser.add_argument("--qa", type=Path, required=True, help="QA .jsonl (id, question, answers, ...)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path, help="passage .jsonl to index")
    source.add_argument("--kb-dir", type=Path, help="a knowledge-base folder to index")
    parser.add_argument("--index-dir", type=Path, help="where the index lives (default .cache/eval/<set>)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--systems", default=",".join(ALL_SYSTEMS), help="comma-separated, product first")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="ask every question alone (what rewriting follow-ups is worth)",
    )
    add_llm_arguments(parser, also=("llm",))
    return parser


def resolve_answerer(args: argparse.Namespace) -> dict[str, Any]:
    """`--answerer llm`: the model configured by flags or KB_LLM_* (an endpoint before a file)."""
    llm = llm_overrides(args)
    if llm["answerer"] == "llm":
        env = Settings.from_env(**{**llm, "answerer": None})
        if env.llm_base_url:
            llm["answerer"] = "openai"
        elif env.llm_gguf:
            llm["answerer"] = "llamacpp"
        else:
            raise ValueError(
                "--answerer llm 需要 --llm-base-url（或 KB_LLM_BASE_URL）或 --llm-gguf（或 KB_LLM_GGUF）"
            )
    return llm


def main(argv: list[str] | None = None) -> int:
    from ingest.search_types import IndexBackendError

    try:
        return _main(argv)
    except IndexBackendError as exc:  # a Milvus that cannot be used: the message says why
        print(f"错误：{exc}", file=sys.stderr)
        return 2


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    name = set_name(args.qa)
    index_dir = args.index_dir or index_for(args.corpus, args.kb_dir, Settings.from_env().store)
    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    kb = open_kb(args.corpus, args.kb_dir, index_dir, progress=not args.quiet, **resolve_answerer(args))
    items = with_product_gold(load_qa(args.qa, args.limit), kb)
    if args.no_history:
        items = [replace(i, history=()) for i in items]
    systems = build_systems(names, kb, args.corpus, args.kb_dir)
    rows, summary = evaluate(systems, items, progress=not args.quiet)
    report = {
        "qa": str(args.qa),
        "source": str(args.corpus or args.kb_dir),
        "answerer": kb.chat.name if kb.chat is not None else "extractive",
        "systems": summary,
    }
    write_outputs(args.out, name, rows, report)
    print(render_markdown(name, report))
    return 0
