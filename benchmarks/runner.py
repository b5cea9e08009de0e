"""Running a benchmark phase: in this process (tests, fake embedders) or in a freshly spawned
interpreter, so that each phase's peak memory is its own."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Protocol

from benchmarks.measure import peak_rss_mb
from ingest.embed import Embedder, make_embedder

Phase = Callable[..., dict[str, Any]]


class Runner(Protocol):
    embedder_name: str
    peak_scope: str  # what peak_rss_mb in a phase result covers

    def run(self, phase: Phase, embedder: str | None = None, **kwargs: Any) -> dict[str, Any]: ...


class InProcess:
    """Phases run in this process (tests, fake embedders): peaks are the process's so far."""

    peak_scope = "whole process so far"

    def __init__(self, embedder: Embedder, others: dict[str, Embedder] | None = None) -> None:
        """`others`: the embedders a phase may name instead of the main one (by spec)."""
        self.embedder = embedder
        self.embedder_name = embedder.name
        self.others = others or {}

    def run(self, phase: Phase, embedder: str | None = None, **kwargs: Any) -> dict[str, Any]:
        chosen = self.embedder if embedder is None else self.others[embedder]
        return {**phase(chosen, **kwargs), "peak_rss_mb": peak_rss_mb()}


class Isolated:
    """Each phase in a freshly spawned interpreter, so each peak RSS is that phase's own
    (a forked child would start with the parent's pages)."""

    peak_scope = "each phase in its own process"

    def __init__(self, embedder_spec: str) -> None:
        self.embedder_spec = embedder_spec
        self.embedder_name = make_embedder(embedder_spec).name  # models load lazily: cheap

    def run(self, phase: Phase, embedder: str | None = None, **kwargs: Any) -> dict[str, Any]:
        spec = self.embedder_spec if embedder is None else embedder
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            return pool.submit(_run_isolated, spec, phase, kwargs).result()


def _run_isolated(embedder_spec: str, phase: Phase, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**phase(make_embedder(embedder_spec), **kwargs), "peak_rss_mb": peak_rss_mb()}
