"""A benchmark run's results as a Markdown table (printed) and as JSON (--out)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def render_markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    ours = results["ingest"]["ours"]
    native = results["ingest"]["native"]
    llama = results["ingest"]["llamaindex"]
    limit = results["matmul_limit"]
    lines = [
        f"Command: `{results['command']}` (code {results['code']}, started {results['started']})",
        "",
        f"Embedder {results['embedder']}; {machine['cpus']} CPU cores; load average (1/5/15 min) "
        f"{machine['load_average_start']} at start, {machine['load_average_end']} at end "
        "(the machine may be shared); peak RSS: " + results["peak_rss_scope"] + ".",
        f"Questions: {results['corpus']['questions']} from {results['corpus']['questions_from']}.",
        "",
        "| measurement | value | peak RSS |",
        "|---|---|---|",
        f"| cold ingest, ours ({ours['paragraphs']:,} paragraphs → {ours['chunks']:,} chunks) "
        f"| {ours['cold_paragraphs_per_s']:.2f} paragraphs/s ({ours['cold_seconds']:.1f} s; "
        f"{ours['cpu_seconds_per_paragraph']:.3f} CPU-s per paragraph) "
        f"| {ours['peak_rss_mb']:,.0f} MB |",
        f"| matmul-bound limit ({limit['dtype']}, {limit['threads']} threads, "
        f"{limit['tokens_mean']:.0f} tokens per chunk, linear GEMMs at {limit['linear_gflops']:.0f} GFLOP/s) "
        f"| {limit['limit_paragraphs_per_s']:.2f} paragraphs/s; ours at "
        f"{results['matmul_limit']['ours_share']:.0%} of it | {limit['peak_rss_mb']:,.0f} MB |",
        f"| re-ingest of the unchanged corpus, ours | {ours['reingest_paragraphs_per_s']:,.0f} paragraphs/s "
        f"({ours['reingest_seconds']:.2f} s, {ours['reingest_embedded']} embedded) | (same phase) |",
        f"| index size on disk, ours ({ours['paragraphs']:,} paragraphs) | {ours['index_mb']:.1f} MB | |",
    ]
    if native is not None:
        lines += [
            f"| cold ingest, ours with {native['embedder']} | {native['cold_paragraphs_per_s']:.2f} "
            f"paragraphs/s ({native['cold_seconds']:.1f} s; {native['cpu_seconds_per_paragraph']:.3f} "
            f"CPU-s per paragraph) | {native['peak_rss_mb']:,.0f} MB |",
            f"| ingest throughput, ours / ours with {native['embedder']} | "
            f"{results['ingest']['ratio_ours_over_native']:.2f}× | |",
        ]
    if llama is not None:
        lines += [
            f"| cold ingest, llama-index defaults with {llama['embedder']} ({llama['paragraphs']:,} "
            f"documents → {llama['nodes']:,} nodes) | {llama['paragraphs_per_s']:.2f} paragraphs/s "
            f"({llama['seconds']:.1f} s; {llama['cpu_seconds_per_paragraph']:.3f} CPU-s per paragraph) "
            f"| {llama['peak_rss_mb']:,.0f} MB |",
            f"| ingest throughput, ours / llama-index | "
            f"{results['ingest']['ratio_ours_over_llamaindex']:.2f}× | |",
            f"| index size on disk, llama-index (persisted) | {llama['index_mb']:.1f} MB | |",
        ]
    for label, synth in results["synthesised"].items():
        lines.append(
            f"| synthesised {label} index build ({synth['paragraphs']:,} paragraphs, "
            f"{synth['chunks']:,} chunks, no embedding) | {synth['build_seconds']:.1f} s, "
            f"{synth['index_mb']:,.1f} MB on disk | {synth['peak_rss_mb']:,.0f} MB |"
        )
    for label, lat in results["latency"].items():
        lines.append(
            f"| query latency p50 / p95, {lat['paragraphs']:,} paragraphs ({label}) "
            f"| {lat['p50_ms']:.1f} / {lat['p95_ms']:.1f} ms (mean {lat['mean_ms']:.1f}, "
            f"{lat['questions']} questions, index opened in {lat['open_seconds']:.1f} s, "
            f"{lat['answered_share']:.0%} answered) | {lat['peak_rss_mb']:,.0f} MB |"
        )
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
