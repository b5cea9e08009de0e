"""The deployment without a shared disk at N paragraphs: Milvus for the vectors, PostgreSQL for
the published versions. Ingest, an app machine's first open, its memory and query latency,
adding a report.

    .venv/bin/python -m benchmarks.scale_milvus --source .cache/eval/kb-reports-dev \\
        --paragraphs 50000 --milvus-uri http://127.0.0.1:19530 --database-url postgresql://… \\
        [--questions 1000] [--work bench-out/scale-milvus] [--out bench-out/scale-milvus.json]

Unlike benchmarks.scale (which writes FAISS files directly), the knowledge base here is real
files ingested by the product: copies of the source's text reports, each with one line added
(an exact copy is reported as a duplicate), until N paragraphs. The source's vector cache is
copied beside the index first, so only the chunks holding the added lines are embedded. Then,
each in a fresh interpreter:

1. `ingest` into Milvus, the version published in PostgreSQL (seconds, peak RSS);
2. an app machine with its own empty index folder opens the knowledge base (the version
   downloaded from PostgreSQL: seconds);
3. the app phase of benchmarks.scale on that machine (opened from its local copy, RSS,
   p50/p95/max over the dev questions);
4. one report added on the ingest machine (seconds, peak RSS).

Use an empty database and a Milvus that holds nothing of an earlier run (the work folder's
index is built again when its database is new).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import disk_mb, peak_rss_mb
from benchmarks.scale import dev_questions, isolated, phase_app, report
from ingest import store
from ingest.config import Settings
from ingest.vector_cache import CACHE_FILE


def copies(source: Path, kb_dir: Path, paragraphs: int) -> int:
    """Write copies of the source's text reports into `kb_dir` until they hold `paragraphs`
    paragraphs (as the source counts them); returns how many files."""
    with store.catalog(store.require_current(source)) as con:
        counts = dict(con.execute("SELECT doc_id, COUNT(*) FROM paragraphs GROUP BY doc_id").fetchall())
        reports = [d for d in store.documents(con) if d.path.endswith(".txt")]
    if not reports:
        raise ValueError(f"{source}: no text report to copy")
    kb_dir.mkdir(parents=True, exist_ok=True)
    held, n = 0, 0
    while held < paragraphs:
        report = reports[n % len(reports)]
        path = Path(report.path)
        text = path.read_text(encoding="utf-8") + f"\n\n（基准测试副本 {n}）\n"
        (kb_dir / f"{path.stem}（副本{n}）{path.suffix}").write_text(text, encoding="utf-8")
        held += counts.get(report.doc_id, 0) + 1
        n += 1
    return n


def phase_ingest(kb_dir: Path, index_dir: Path, embedder_name: str) -> dict[str, Any]:
    from ingest.build import ingest, publication
    from ingest.embed import make_embedder

    settings = Settings.from_env(kb_dir=kb_dir, index_dir=index_dir, embedder=embedder_name)
    started = time.perf_counter()
    result = ingest(settings, embedder=make_embedder(embedder_name), progress=False)
    seconds = time.perf_counter() - started
    if result.failed:
        raise RuntimeError(f"ingest failed: {result.failed[:3]}")
    with store.catalog(publication.require_current(settings)) as con:  # the published version
        paragraphs = con.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0]
        chunks = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    return {
        "seconds": seconds,
        "added": len(result.added),
        "embedded": result.embedded,
        "paragraphs": paragraphs,
        "chunks": chunks,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_first_open(index_dir: Path, embedder_name: str) -> dict[str, Any]:
    """An app machine's first start: the published version downloaded, then opened."""
    from ingest.embed import make_embedder
    from rag.pipeline import KnowledgeBase

    embedder = make_embedder(embedder_name)
    embedder.embed_query("开始")
    started = time.perf_counter()
    kb = KnowledgeBase(Settings.from_env(index_dir=index_dir, embedder=embedder_name), embedder=embedder)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "version": kb.snapshot.version, "local_mb": disk_mb(index_dir)}


def measure(
    source: Path, paragraphs: int, work: Path, questions: list[str], milvus_uri: str, database_url: str
) -> dict[str, Any]:
    # The children read the deployment from the environment, as `kb ingest` and `kb serve` do.
    os.environ.update({"KB_STORE": "milvus", "KB_MILVUS_URI": milvus_uri, "KB_DATABASE_URL": database_url})
    with store.catalog(store.require_current(source)) as con:
        embedder_name = store.get_meta(con)["embedder"]
    root = work / str(paragraphs)
    shutil.rmtree(root, ignore_errors=True)
    kb_dir, ingest_index, app_index = root / "kb", root / "ingest-index", root / "app-index"
    files = copies(source, kb_dir, paragraphs)
    ingest_index.mkdir(parents=True)
    shutil.copy2(source / CACHE_FILE, ingest_index / CACHE_FILE)
    built = isolated(phase_ingest, kb_dir=kb_dir, index_dir=ingest_index, embedder_name=embedder_name)
    first = isolated(phase_first_open, index_dir=app_index, embedder_name=embedder_name)
    app = isolated(phase_app, index_dir=app_index, questions=questions, embedder_name=embedder_name)
    report = sorted(kb_dir.iterdir())[0]
    added_name = f"新增{time.strftime('%Y%m%d%H%M%S')}.txt"
    (kb_dir / added_name).write_text(
        report.read_text(encoding="utf-8") + "\n（基准测试新增）\n", encoding="utf-8"
    )
    added = isolated(phase_ingest, kb_dir=kb_dir, index_dir=ingest_index, embedder_name=embedder_name)
    return {
        "paragraphs": paragraphs,
        "files": files,
        "build": built,
        "first_open": first,
        "app": app,
        "add": added,
    }


def render(r: dict[str, Any], loads: tuple[float, float]) -> str:
    b, f, a, add = r["build"], r["first_open"], r["app"], r["add"]
    after = a["after"]
    return "\n".join(
        [
            "| paragraphs (chunks) | ingest into Milvus + publish | app's first open (download) | open from"
            " its copy | RSS: model + libraries / opened / after questions | p50 / p95 / max |"
            " adding one report |",
            "|---|---|---|---|---|---|---|",
            f"| {b['paragraphs']:,} ({b['chunks']:,}), {r['files']} files"
            f" | {b['seconds']:.0f} s ({b['embedded']} chunks embedded), peak {b['peak_rss_mb']:,.0f} MB"
            f" | {f['seconds']:.1f} s ({f['local_mb']:,.0f} MB local)"
            f" | {a['open_seconds']:.1f} s"
            f" | {a['before']['rss_mb']:,.0f} / {a['opened']['rss_mb']:,.0f} / {after['rss_mb']:,.0f} MB"
            f" | {a['p50_ms']:.0f} / {a['p95_ms']:.0f} / {a['max_ms']:.0f} ms ({a['questions']} questions)"
            f" | {add['seconds']:.0f} s (peak {add['peak_rss_mb']:,.0f} MB) |",
            f"\nload average {loads[0]:.2f} at start, {loads[1]:.2f} at end",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="a real index to copy reports from")
    parser.add_argument("--paragraphs", type=int, default=50_000)
    parser.add_argument("--milvus-uri", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path("bench-out/scale-milvus"))
    parser.add_argument("--out", type=Path, default=Path("bench-out/scale-milvus.json"))
    args = parser.parse_args(argv)
    start_load = os.getloadavg()[0]
    result = measure(
        args.source,
        args.paragraphs,
        args.work,
        dev_questions(args.questions),
        args.milvus_uri,
        args.database_url,
    )
    loads = (start_load, os.getloadavg()[0])
    report(args.out, {"result": result, "load": loads}, render(result, loads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
